// The one typed client of FaunaDB's admin HTTP API (FACTS §2), one method per operation, in the manner of
// cass-operator's httphelper (STYLE idiom 7). FaunaDB answers that mean something in the domain become values:
// "already a member" is success, "not a member" is null/false, 412 on replication is "precondition-failed".
// Everything else rejects with an AdminError that names the operation and the node, never the root key.
import { AdminError, isAdminError, kindOfAnswer } from "./errors.ts";
import { noAdminMetrics, type AdminMetrics } from "./metrics.ts";
import { parseAdminStatus, type ClusterStatus } from "./statusParse.ts";
import { send, type AdminTlsFor, type RawAnswer, type RawRequest, type RetryPolicy, type TransportOptions } from "./transport.ts";
import {
  DEFAULT_PORTS,
  isAdminErrorBody,
  isReplicaType,
  parseMovementStatus,
  type MovementProgress,
  type PingScope,
  type ReplicaSpec,
} from "./wire.ts";

/** A node is addressed by `host` or `host:port`, host being a pod IP or a stable DNS name. */
export type AdminNode = string;

export type StatusAnswer = { member: false } | { member: true; cluster: ClusterStatus };
export interface Replication {
  replicas: ReplicaSpec[];
  /** Send back as If-Match; null when the node sent none. */
  etag: string | null;
}
export type PutReplicationAnswer = "applied" | "precondition-failed";
export interface MovementStatus {
  idle: boolean;
  /** The line exactly as FaunaDB printed it (FACTS §1.6). */
  line: string;
  progress: MovementProgress | null;
}
export interface RemoveOptions {
  /** For dead nodes: drop from membership at once, data re-streams from other replicas (FACTS §7.5). */
  force: boolean;
  /** Skip the storage-cleanliness check. Always sent explicitly, as the CLI does. */
  allowUnclean: boolean;
}
export type PingAnswer = { ok: true; message: string } | { ok: false; status: number | null; message: string };
export interface Seed {
  /** Stable DNS name (or IP) of a live member. */
  host: string;
  /** The PEER port (7500, or 7501 with TLS), not the admin port (FACTS §1.3). */
  peerPort: number;
}

export interface FaunaAdmin {
  status(node: AdminNode): Promise<StatusAnswer>;
  /** This node's host ID, or null when it is not (yet) a member. */
  identity(node: AdminNode): Promise<string | null>;
  /** Host ID of the member whose stored address is `address`, or null when unknown. */
  hostId(node: AdminNode, address: string): Promise<string | null>;
  /** `changed:false` = it was already a member: success (FACTS §1.3). */
  init(node: AdminNode, replica: string): Promise<{ changed: boolean }>;
  join(node: AdminNode, seed: Seed, replica: string): Promise<{ changed: boolean }>;
  getReplication(node: AdminNode): Promise<Replication>;
  /** PUT the FULL list (every replica with members) with If-Match (FACTS §7.3). */
  putReplication(node: AdminNode, replicas: ReplicaSpec[], ifMatch: string | null): Promise<PutReplicationAnswer>;
  /** Removing an already-removed host is accepted (FACTS §7.5). */
  removeNode(node: AdminNode, hostId: string, options: RemoveOptions): Promise<void>;
  movementStatus(node: AdminNode): Promise<MovementStatus>;
  /** True while obsolete data remains (FACTS §1.3: the `clean` flag means "cleanup needed"). */
  needsCleanup(node: AdminNode): Promise<boolean>;
  cleanStorage(node: AdminNode): Promise<void>;
  /** GET /ping on the API port, no auth; a refused connection is an answer (the port opens late, FACTS §5). */
  ping(node: AdminNode, scope?: PingScope): Promise<PingAnswer>;
}

export interface HttpFaunaAdminOptions {
  rootKey: string;
  adminPort?: number;
  apiPort?: number;
  tls?: AdminTlsFor | undefined;
  /**
   * Per-call timeouts. Join blocks for Hello (up to ~90 s) and then the node's daemon start, with no fixed bound
   * (FACTS Corrections): a join that times out is not abandoned, the next pass sees whether the node became a member
   * and re-sends it (it is idempotent). A graceful remove runs a storage-clean check of up to 5 minutes first
   * (CassandraService.removeNode → allClean(..., 5.minutes)).
   */
  timeoutMs?: { default?: number; join?: number; init?: number; remove?: number };
  /** Aborts every call of this client (the reconcile pass's signal: a pass that lost the lease stops at once). */
  signal?: AbortSignal;
  /** Sent as User-Agent: which operator replica called (FaunaDB logs it with the request). */
  userAgent?: string;
  /** Called before every call that changes the cluster (init, join, replication, remove, clean): throws to refuse it. */
  fence?: () => void;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  /** Counts every call (one per request sent to a node, retries included in the attempt that answered). */
  metrics?: AdminMetrics;
}

export function createHttpFaunaAdmin(options: HttpFaunaAdminOptions): FaunaAdmin {
  const transport: TransportOptions = {
    rootKey: options.rootKey,
    userAgent: options.userAgent,
    tls: options.tls,
    retry: { attempts: 4, baseDelayMs: 200, maxDelayMs: 3000, ...options.retry },
    sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  };
  const adminPort = options.adminPort ?? DEFAULT_PORTS.adminHttp;
  const apiPort = options.apiPort ?? DEFAULT_PORTS.coordinatorHttp;
  const timeouts = { default: 10_000, join: 120_000, init: 60_000, remove: 330_000, ...options.timeoutMs };

  const metrics = options.metrics ?? noAdminMetrics;
  const counted = async (req: RawRequest): Promise<RawAnswer> => {
    try {
      const res = await send(transport, req);
      metrics.observe(req.op, res.status);
      return res;
    } catch (error) {
      // A fenced write (not the leader any more) sent nothing: it is not a call.
      if (isAdminError(error)) metrics.observe(req.op, error.kind);
      throw error;
    }
  };
  const call = (op: string, node: AdminNode, method: RawRequest["method"], path: string, extra: Partial<RawRequest> = {}) => {
    const beforeSend = method !== "GET" && op !== "host-id" ? options.fence : undefined;
    return counted({ op, node, method, path, port: adminPort, timeoutMs: timeouts.default, signal: options.signal, beforeSend, ...extra });
  };

  return {
    async status(node) {
      const res = await call("status", node, "GET", "/admin/status");
      // 500 UninitializedException on a fresh node; 503 once a replica name is stored but membership is empty.
      if ((res.status === 500 || res.status === 503) && kindOf(res) === "not-member") return { member: false };
      const parsed = parseAdminStatus(json(expectOk("status", node, res), "status", node));
      if (!parsed.ok) throw protocol("status", node, parsed.error);
      return { member: true, cluster: parsed.value };
    },
    async identity(node) {
      const res = await call("identity", node, "GET", "/admin/identity");
      if (!isOk(res) && kindOf(res) === "not-member") return null;
      return identityOf(json(expectOk("identity", node, res), "identity", node), "identity", node);
    },
    async hostId(node, address) {
      const res = await call("host-id", node, "POST", "/admin/host-id", { body: { node: address } });
      if (res.status === 400 && /Host is unknown/.test(res.text)) return null;
      return identityOf(json(expectOk("host-id", node, res), "host-id", node), "host-id", node);
    },
    async init(node, replica) {
      const res = await call("init", node, "POST", "/admin/init", { body: { replica_name: replica }, timeoutMs: timeouts.init });
      return changedOf(json(expectOk("init", node, res), "init", node), "init", node);
    },
    async join(node, seed, replica) {
      const body = { seed: `${seed.host}:${seed.peerPort}`, replica_name: replica };
      const res = await call("join", node, "POST", "/admin/join", { body, timeoutMs: timeouts.join });
      return changedOf(json(expectOk("join", node, res), "join", node), "join", node);
    },
    async getReplication(node) {
      const res = await call("get-replication", node, "GET", "/admin/replication");
      const body = json(expectOk("get-replication", node, res), "get-replication", node) as { resource?: { replicas?: unknown } };
      const list = body.resource?.replicas;
      if (!Array.isArray(list) || !list.every((r) => typeof r?.name === "string" && isReplicaType(r?.type))) {
        throw protocol("get-replication", node, "resource.replicas is not a list of {name, type}");
      }
      const etag = res.headers.etag;
      return { replicas: list.map((r) => ({ name: r.name, type: r.type })), etag: typeof etag === "string" ? etag : null };
    },
    async putReplication(node, replicas, ifMatch) {
      const headers: Record<string, string> = ifMatch === null ? {} : { "if-match": ifMatch };
      const res = await call("put-replication", node, "PUT", "/admin/replication", { body: { replicas }, headers });
      if (res.status === 412) return "precondition-failed";
      expectOk("put-replication", node, res);
      return "applied";
    },
    async removeNode(node, hostId, { force, allowUnclean }) {
      const body = { nodeID: hostId, force, allow_unclean: allowUnclean };
      expectOk("remove-node", node, await call("remove-node", node, "POST", "/admin/remove_node", { body, timeoutMs: timeouts.remove }));
    },
    async movementStatus(node) {
      const res = await call("movement-status", node, "GET", "/admin/movement_status");
      const body = json(expectOk("movement-status", node, res), "movement-status", node) as { resource?: { movement_status?: unknown } };
      const line = body.resource?.movement_status;
      if (typeof line !== "string") throw protocol("movement-status", node, "resource.movement_status is not a string");
      const progress = parseMovementStatus(line);
      if (progress === undefined) throw protocol("movement-status", node, `unknown movement line ${JSON.stringify(line)}`);
      return { idle: progress === null, line, progress };
    },
    async needsCleanup(node) {
      const res = await call("needs-cleanup", node, "GET", "/admin/storage/clean");
      const body = json(expectOk("needs-cleanup", node, res), "needs-cleanup", node) as { resources?: { clean?: unknown } };
      const flag = body.resources?.clean;
      if (typeof flag !== "boolean") throw protocol("needs-cleanup", node, "resources.clean is not a boolean");
      return flag;
    },
    async cleanStorage(node) {
      expectOk("clean-storage", node, await call("clean-storage", node, "PUT", "/admin/storage/clean"));
    },
    async ping(node, scope = "node") {
      try {
        const res = await counted({
          op: "ping", node, method: "GET", path: `/ping?scope=${scope}`, port: apiPort, timeoutMs: timeouts.default, auth: false,
        });
        const message = describe(res);
        return isOk(res) ? { ok: true, message } : { ok: false, status: res.status, message };
      } catch (error) {
        if (error instanceof AdminError && (error.kind === "connection" || error.kind === "timeout")) {
          return { ok: false, status: null, message: error.message };
        }
        throw error;
      }
    },
  };
}

function isOk(res: RawAnswer): boolean {
  return res.status >= 200 && res.status < 300;
}

function expectOk(op: string, node: string, res: RawAnswer): RawAnswer {
  if (isOk(res)) return res;
  throw new AdminError({ op, node, kind: kindOf(res), status: res.status, code: codeOf(res), body: res.text });
}

function kindOf(res: RawAnswer) {
  return kindOfAnswer(res.status, codeOf(res), describe(res));
}

function errorBody(res: RawAnswer) {
  try {
    const parsed: unknown = JSON.parse(res.text);
    return isAdminErrorBody(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(res: RawAnswer): string | undefined {
  return errorBody(res)?.errors[0]?.code;
}

function describe(res: RawAnswer): string {
  const body = errorBody(res);
  if (body) return body.errors.map((e) => e.description).join("; ");
  try {
    const parsed = JSON.parse(res.text) as { resource?: unknown };
    if (typeof parsed.resource === "string") return parsed.resource;
  } catch {
    // fall through to the raw text
  }
  return res.text;
}

function json(res: RawAnswer, op: string, node: string): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    throw protocol(op, node, `the body is not JSON: ${res.text.slice(0, 200)}`);
  }
}

function identityOf(body: unknown, op: string, node: string): string {
  const id = (body as { identity?: unknown } | null)?.identity;
  if (typeof id !== "string") throw protocol(op, node, "`identity` is not a string");
  return id;
}

function changedOf(body: unknown, op: string, node: string): { changed: boolean } {
  const changed = (body as { changed?: unknown } | null)?.changed;
  if (typeof changed !== "boolean") throw protocol(op, node, "`changed` is not a boolean");
  return { changed };
}

function protocol(op: string, node: string, detail: string): AdminError {
  return new AdminError({ op, node, kind: "protocol", body: detail });
}
