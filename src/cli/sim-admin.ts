// `fauna-operator sim-admin <status|movement-status|show-identity> [-c faunadb.yml] [-H host[:port]] [--json]`: a
// faunadb-admin-style client for a node's admin API (simulated or real). The key comes from $ADMIN_KEY or
// $FAUNADB_ROOT_KEY, never from the command line (FACTS §1.1, §1.2). With a faunadb.yml (-c/--conf or
// $FAUNADB_CONFIG) it connects as faunadb-admin does (`ext/tools/src/main/scala/Admin.scala`): default host
// `network_admin_http_address` (0.0.0.0 read as 127.0.0.1) and port `network_admin_http_port`, and with
// `admin_ssl_key_file` TLS with that key as client certificate and no hostname check (src/sim/tls.ts clientTls).
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ConnectionOptions } from "node:tls";
import { loadConfig } from "../sim/config.ts";
import { clientTls } from "../sim/tls.ts";
import { formatStatusTable } from "../sim/statusTable.ts";
import type { AdminStatusResponse, MovementStatusResponse, IdentityResponse } from "../fauna/wire.ts";

function get(host: string, port: number, path: string, key: string, tls: ConnectionOptions | undefined): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const options = { host, port, path, method: "GET", agent: false as const, headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` } };
    const req = (tls ? httpsRequest : request)(tls ? { ...tls, ...options } : options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end();
  });
}

export async function main(argv: string[]): Promise<number> {
  const valued = new Set(["-c", "--conf", "-H"]);
  const [command] = argv.filter((a, i) => !a.startsWith("-") && !valued.has(argv[i - 1] ?? ""));
  const flag = (...names: string[]) => {
    const i = argv.findIndex((a) => names.includes(a));
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const confFile = flag("-c", "--conf") ?? process.env.FAUNADB_CONFIG;
  let config: ReturnType<typeof loadConfig> | undefined;
  let tls: ConnectionOptions | undefined;
  try {
    config = confFile ? loadConfig(confFile) : undefined;
    tls = config?.adminSsl && clientTls(config.adminSsl);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const cfgHost = config && config.adminAddress !== "0.0.0.0" ? config.adminAddress : "127.0.0.1";
  const cfgPort = config?.adminPort ?? 8444;
  const target = flag("-H") ?? process.env.FAUNADB_ADMIN_HOST ?? "";
  const [hostPart, portPart] = target.split(":");
  const host = hostPart || cfgHost;
  const port = portPart ? Number(portPart) : cfgPort;
  const key = process.env.ADMIN_KEY ?? process.env.FAUNADB_ROOT_KEY;
  if (!key) {
    process.stderr.write("Set ADMIN_KEY (or FAUNADB_ROOT_KEY) to the root key.\n");
    return 1;
  }
  const paths: Record<string, string> = { status: "/admin/status", "movement-status": "/admin/movement_status", "show-identity": "/admin/identity" };
  const path = command ? paths[command] : undefined;
  if (!path) {
    process.stderr.write(`usage: fauna-operator sim-admin <${Object.keys(paths).join("|")}> [-c faunadb.yml] [-H host[:port]] [--json]\nInvalid command.\n`);
    return 1;
  }
  let r: { status: number; text: string };
  try {
    r = await get(host, port, path, key, tls);
  } catch {
    process.stdout.write(`ERROR: Could not connect to FaunaDB at ${host}\n`);
    return 1;
  }
  if (r.status !== 200) {
    process.stderr.write(`Failed: ${r.text}\n`);
    return 1;
  }
  const body: unknown = JSON.parse(r.text);
  if (argv.includes("--json") || argv.includes("-j")) process.stdout.write(JSON.stringify(body, null, 2) + "\n");
  else if (command === "status") process.stdout.write(formatStatusTable(body as AdminStatusResponse));
  else if (command === "movement-status") process.stdout.write((body as MovementStatusResponse).resource.movement_status + "\n");
  else process.stdout.write((body as IdentityResponse).identity + "\n");
  return 0;
}
