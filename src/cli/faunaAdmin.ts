// What `kubectl fauna` and the demo print about a FaunaCluster: the `faunadb-admin status` table (FACTS §1.5),
// either from the cluster's status (what the operator last observed) or from a node's admin API, and a few
// read-only faunadb-admin subcommands answered by the admin API. Changes to the topology are the operator's job,
// so the plugin does not send them.
import { isIP } from "node:net";
import { PORTS } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import { PERSISTED_TIMESTAMP_NOT_REPORTED, type AdminStatusResponse, type ReplicaType } from "../fauna/wire.ts";
import { formatStatusTable } from "../sim/statusTable.ts";
import { describe } from "../load/errors.ts";
import { tlsFetch, type ClientCertTls } from "../load/tls.ts";

/** The status table's input from the FaunaCluster's status: Persisted Timestamp is not kept there. */
export function statusFromCluster(fc: FaunaCluster): AdminStatusResponse {
  return {
    replica_info: (fc.spec.replicas ?? []).map((r) => ({ name: r.name, type: (r.type ?? "data+log") as ReplicaType })),
    nodes: (fc.status?.nodes ?? []).filter((n) => n.hostId).map((n) => ({
      status: n.status ?? "down",
      state: n.state === "removed" ? "removed" : "live",
      ownership: n.ownership ?? 0,
      ownership_goal: n.ownershipGoal ?? 0,
      host_id: n.hostId!,
      address: n.address ?? "n/a",
      replica: n.replica,
      worker_id: n.workerId ?? "n/a",
      log_segment: n.logSegment ?? "none",
      log_segment_leader: n.leader === true,
      persisted_timestamp: PERSISTED_TIMESTAMP_NOT_REPORTED,
    })),
  };
}

export { formatStatusTable };

interface AdminCommand {
  method: "GET" | "POST";
  path: string;
  body?: (args: string[]) => unknown;
  /** What faunadb-admin prints for the answer. */
  print: (json: unknown, args: string[]) => string;
}

const asJson = (json: unknown) => `${JSON.stringify(json, null, 2)}\n`;

/** The read-only faunadb-admin subcommands and their admin API calls (FACTS §1.3, §2). */
export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  status: { method: "GET", path: "/admin/status", print: (j, args) => (args.includes("--json") || args.includes("-j") ? asJson(j) : formatStatusTable(j as AdminStatusResponse)) },
  "movement-status": { method: "GET", path: "/admin/movement_status", print: (j) => `${(j as { resource?: { movement_status?: string } }).resource?.movement_status ?? ""}\n` },
  "show-identity": { method: "GET", path: "/admin/identity", print: (j) => `${(j as { identity?: string }).identity ?? ""}\n` },
  "show-replication": {
    method: "GET", path: "/admin/replication",
    print: (j) => (j as { resource: { replicas: { name: string; type: string }[] } }).resource.replicas.map((r) => `${r.name}\t${r.type}\n`).join(""),
  },
  "host-id": { method: "POST", path: "/admin/host-id", body: (args) => ({ node: args[0] }), print: (j) => `${(j as { identity?: string }).identity ?? ""}\n` },
};

export class AdminError extends Error {}

export interface RunAdminOptions {
  timeoutMs?: number;
  /** The cluster has TLS on: the client certificate and CA (clusterTls.ts adminClientTls). */
  tls?: ClientCertTls | undefined;
  /** Default 8444. */
  port?: number;
}

/**
 * Runs one admin subcommand against `address`; resolves to what faunadb-admin would print. With `tls` (the cluster
 * has TLS on: clusterTls.ts adminClientTls) it is https with that client certificate, the node's certificate verified
 * against the cluster's CA and the address when it is a DNS name (a node's pod DNS name is in its certificate), else
 * against `tls.serverName`.
 */
export async function runAdmin(address: string, rootKey: string, command: string, args: string[], o: RunAdminOptions = {}): Promise<string> {
  const { timeoutMs = 10_000, tls, port = PORTS.admin } = o;
  const c = ADMIN_COMMANDS[command];
  if (!c) throw new AdminError(`${command}: not offered by kubectl fauna admin (read-only: ${Object.keys(ADMIN_COMMANDS).join(", ")}); topology changes are the operator's job`);
  const url = `${tls ? "https" : "http"}://${address.includes(":") ? `[${address}]` : address}:${port}${c.path}`;
  const transport = tls ? tlsFetch({ ...tls, serverName: isIP(address) ? tls.serverName : address }) : undefined;
  try {
    return await request(c, url, `${address}:${port}`, rootKey, args, timeoutMs, transport?.fetch ?? fetch);
  } finally {
    await transport?.close();
  }
}

async function request(c: AdminCommand, url: string, target: string, rootKey: string, args: string[], timeoutMs: number, fetch: typeof globalThis.fetch): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: c.method,
      headers: { authorization: `Basic ${Buffer.from(`${rootKey}:`).toString("base64")}`, ...(c.body ? { "content-type": "application/json" } : {}) },
      ...(c.body ? { body: JSON.stringify(c.body(args)) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new AdminError(`ERROR: Could not connect to FaunaDB at ${target} (${describe(e)}); run where the pod network is reachable (in the cluster, or \`npm run local:exec --\` on the local tier)`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const errors = (json as { errors?: { description?: string }[] } | undefined)?.errors ?? [];
    throw new AdminError(`Failed: ${errors.map((e) => e.description).join("; ") || `HTTP ${res.status}`}`);
  }
  return c.print(json, args);
}
