// Test helper: runs simulator nodes as child processes on 127.0.0.x and talks to their admin/API ports, over TLS
// when the node's faunadb.yml sets `admin_ssl_key_file` / `http_ssl_key_file` (as faunadb-admin does: the node's own
// key file as client certificate, no hostname check; src/sim/tls.ts clientTls).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { after, before } from "node:test";
import type { ConnectionOptions } from "node:tls";
import { configFromMap, parseFlatYaml } from "../config.ts";
import { clientTls } from "../tls.ts";

export const ROOT_KEY = "sim-root-key";

export interface SimProc {
  name: string;
  address: string;
  dir: string;
  proc?: ChildProcess;
  output: string[];
  /** The simulator settings of its last start: a restart without new ones keeps them. */
  env?: Record<string, string>;
}

/** `extra`: more faunadb.yml keys (e.g. `admin_ssl_key_file`), written after the defaults. */
export function nodeConfig(address: string, dir: string, rootKey = ROOT_KEY, extra: Readonly<Record<string, string | number>> = {}): string {
  return [
    `auth_root_key: ${rootKey}`,
    `cluster_name: simtest`,
    `network_broadcast_address: ${address}`,
    `network_admin_http_address: ${address}`,
    `storage_data_path: ${join(dir, "data")}`,
    `log_path: ${join(dir, "log")}`,
    `flags_path: ${join(dir, "flags", "feature-flags.json")}`,
    // FaunaDB's own test launcher shortens the 30 s shutdown grace the same way (CoreLauncher.scala).
    "shutdown_grace_period_seconds: 1",
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
    "",
  ].join("\n");
}

export function prepare(base: string, name: string, address: string, rootKey = ROOT_KEY, extra: Readonly<Record<string, string | number>> = {}): SimProc {
  const dir = join(base, name);
  mkdirSync(join(dir, "flags"), { recursive: true });
  writeFileSync(join(dir, "faunadb.yml"), nodeConfig(address, dir, rootKey, extra));
  return { name, address, dir, output: [] };
}

export function start(node: SimProc, env: Record<string, string> = node.env ?? {}): void {
  node.env = env;
  // FaunaDB's launcher command line (`faunadb -c <faunadb.yml>`, FACTS §6), with the JAVA_OPTS it insists on.
  const proc = spawn(process.execPath, [...(process.env.FAUNA_SIM_NODE_FLAGS?.split(" ").filter(Boolean) ?? []), process.env.FAUNA_SIM_ENTRY ?? "src/cli/faunadb.ts", "-c", join(node.dir, "faunadb.yml")], {
    env: { JAVA_OPTS: "", ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (c: Buffer) => node.output.push(c.toString()));
  proc.stderr!.on("data", (c: Buffer) => node.output.push(c.toString()));
  node.proc = proc;
}

export function kill(node: SimProc, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const p = node.proc;
  node.proc = undefined;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    p.once("exit", () => ok());
    p.kill(signal);
  });
}

export function wipe(node: SimProc): void {
  rmSync(join(node.dir, "data"), { recursive: true, force: true });
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One HTTP/1.1 request; over TLS with `tls` (e.g. clientTlsOf), else cleartext. */
export function http(
  host: string,
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
  tls?: ConnectionOptions,
): Promise<HttpReply> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const options = { host, port, method, path, headers, timeout: timeoutMs, agent: false as const };
    const req = (tls ? httpsRequest : request)(tls ? { ...tls, ...options } : options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        ok({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", fail);
    req.end(data);
  });
}

/**
 * How faunadb-admin (admin) or a readiness check (api) connects to this node, from its faunadb.yml: the TLS options
 * when `admin_ssl_key_file` / `http_ssl_key_file` is set (src/sim/tls.ts clientTls), undefined for cleartext.
 */
export function clientTlsOf(node: SimProc, port: "admin" | "api"): ConnectionOptions | undefined {
  const file = join(node.dir, "faunadb.yml");
  const config = configFromMap(parseFlatYaml(readFileSync(file, "utf8")), file, false);
  const ssl = port === "admin" ? config.adminSsl : config.httpSsl;
  return ssl && clientTls(ssl);
}

export const basic = (key = ROOT_KEY) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` });

export function admin(node: SimProc, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpReply> {
  return http(node.address, 8444, method, path, body, { ...basic(), ...headers }, 120_000, clientTlsOf(node, "admin"));
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export const waitAdmin = (node: SimProc) =>
  waitFor(`admin API of ${node.name}`, async () => ((await admin(node, "GET", "/admin/identity")).status > 0 ? true : undefined), 30_000, 50);

/** Starts `nodes` before the file's tests (until their admin ports answer); stops them and removes `base` after. */
export function runDuringTests(base: string, nodes: readonly SimProc[], env: Record<string, string>): void {
  before(async () => {
    for (const n of nodes) start(n, env);
    await Promise.all(nodes.map(waitAdmin));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => kill(n, "SIGTERM")));
    rmSync(base, { recursive: true, force: true });
  });
}

// ---- admin API shorthands of FaunaDB's own test helpers (ext/multicore/src/test/scala/package.scala) ----------------

/** The first error of an error body (`{"errors":[{code,description}]}`); fails the test on another body. */
export function errorOf(r: HttpReply): { code: string; description: string } {
  const errors = (r.json as { errors?: { code: string; description: string }[] } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) throw new Error(`not an error body: ${r.status} ${r.text}`);
  return errors[0]!;
}

export const statusOf = async (n: SimProc) => (await admin(n, "GET", "/admin/status")).json as import("../../fauna/wire.ts").AdminStatusResponse;

/** The status row of one host as `n` sees it; undefined when `n` does not list it. */
export const rowOf = async (n: SimProc, hostId: string) => (await statusOf(n)).nodes.find((r) => r.host_id === hostId);

/** `getIdentity`: the host ID of a member (throws on a non-member's 500). */
export async function identityOf(n: SimProc): Promise<string> {
  const r = await admin(n, "GET", "/admin/identity");
  if (r.status !== 200) throw new Error(`${n.name} is no member: ${r.text}`);
  return (r.json as { identity: string }).identity;
}

/** `noTopologyChangeInProgress` / QA's WaitForTopology: polls movement_status until idle. */
export const waitIdle = (n: SimProc, timeoutMs = 60_000) =>
  waitFor(`movement idle on ${n.name}`, async () =>
    ((await admin(n, "GET", "/admin/movement_status")).json as { resource: { movement_status: string } }).resource.movement_status === "No data movement is currently in progress." ? true : undefined, timeoutMs);

/** `setReplication`: PUT /admin/replication with these names and types. */
export const putReplication = (n: SimProc, types: Record<string, string>) =>
  admin(n, "PUT", "/admin/replication", { replicas: Object.entries(types).map(([name, type]) => ({ name, type })) });

/** `waitForPing`: every node answers /ping?scope=<scope> with 200. */
export const waitPing = (nodes: SimProc[], scope = "write") =>
  Promise.all(nodes.map((n) => waitFor(`ping ${scope} on ${n.name}`, async () => ((await http(n.address, 8443, "GET", `/ping?scope=${scope}`, undefined, {}, 10_000, clientTlsOf(n, "api"))).status === 200 ? true : undefined), 60_000)));
