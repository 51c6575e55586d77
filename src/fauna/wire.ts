// Wire types of FaunaDB's admin API (port 8444) and `/ping` (port 8443), exactly as a real node sends them.
// Source of truth: ../shared/fauna/FACTS.md §1.5, §1.6, §2, §5, §7.3 and the golden `/admin/status` sample
// (FaunaDB's QA fixture `qa/src/test/resources/admin-status.json`). Both the operator's admin client and the
// node simulator import this module, so a field renamed here is renamed on both sides of the wire.
// Types only, plus the few constants and pure formatters that are part of the wire format itself.

// ---- replicas (FACTS §7.1, `AdminApplication.ReplicaTypeNames`) -------------------------------------------

export const REPLICA_TYPES = ["data+log", "data", "compute"] as const;
export type ReplicaType = (typeof REPLICA_TYPES)[number];

export function isReplicaType(value: unknown): value is ReplicaType {
  return typeof value === "string" && (REPLICA_TYPES as readonly string[]).includes(value);
}

/** One replica and its type, as in `replica_info` of `/admin/status` and in GET/PUT `/admin/replication`. */
export interface ReplicaSpec {
  name: string;
  type: ReplicaType;
}

// ---- GET /admin/status (FACTS §1.5; golden admin-status.json) -----------------------------------------------

export type NodeStatus = "up" | "down";
export type NodeState = "live" | "removed";

/**
 * One node of `/admin/status`. Note the string-typed numbers: `worker_id` is `"512"` (or `"n/a"`, `"error"`),
 * `log_segment` is `"0"` (or `"none"`, `"Uninitialized"`). Ownership values are floats in 0..1.
 * `persisted_timestamp` is an ISO-8601 instant, `"none"` or `"not reported"`.
 */
export interface AdminStatusNode {
  status: NodeStatus;
  state: NodeState;
  ownership: number;
  ownership_goal: number;
  host_id: string;
  address: string;
  replica: string;
  worker_id: string;
  log_segment: string;
  log_segment_leader: boolean;
  persisted_timestamp: string;
}

export interface AdminStatusResponse {
  nodes: AdminStatusNode[];
  replica_info: ReplicaSpec[];
}

/** Sentinel values of the string-typed columns (FACTS §1.5). */
export const WORKER_ID_UNASSIGNED = "n/a";
export const WORKER_ID_ERROR = "error";
export const LOG_SEGMENT_NONE = "none";
export const LOG_SEGMENT_UNINITIALIZED = "Uninitialized";
export const PERSISTED_TIMESTAMP_NONE = "none";
export const PERSISTED_TIMESTAMP_NOT_REPORTED = "not reported";

// ---- init / join / identity / host-id / remove (FACTS §1.3, §2) ---------------------------------------------

/** POST /admin/init */
export interface InitRequest {
  replica_name: string;
}

/** POST /admin/join. `seed` is `host` or `host:port` where port is the PEER port (default 7500). */
export interface JoinRequest {
  seed: string;
  replica_name: string;
}

/** 200 answer of init and join: `changed:false` means "already a member". */
export interface ChangedResponse {
  changed: boolean;
}

/** 200 answer of GET /admin/identity and POST /admin/host-id. */
export interface IdentityResponse {
  identity: string;
}

/** POST /admin/host-id */
export interface HostIdRequest {
  node: string;
}

/** POST /admin/remove_node → 204. `allow_unclean` omitted defaults to true only for compute hosts. */
export interface RemoveNodeRequest {
  nodeID: string;
  force?: boolean;
  allow_unclean?: boolean;
}

// ---- replication (FACTS §2, §7.3) -----------------------------------------------------------------------------

/** GET /admin/replication → 200 with an `ETag` header. */
export interface ReplicationGetResponse {
  resource: { replicas: ReplicaSpec[] };
}

/**
 * PUT /admin/replication → 204. Must list EVERY replica that has members. Send the ETag of the GET as
 * `If-Match` (absent or `*` means no check); 412 means re-read and retry (`AdminCommands.changeReplication`).
 */
export interface ReplicationPutRequest {
  replicas: ReplicaSpec[];
}

// ---- movement status (FACTS §1.6, `Topologies.pendingStatus`) -------------------------------------------------

/** GET /admin/movement_status → 200. */
export interface MovementStatusResponse {
  resource: { movement_status: string };
}

export const MOVEMENT_IDLE = "No data movement is currently in progress.";

export interface MovementProgress {
  /** Percentage of tokens moving, 0..100. */
  percent: number;
  segments: number;
  hosts: number;
  replicas: number;
}

/** `<pct>% of tokens in <N> segments moving to <H> nodes in <R> replicas.` with pct as `%4.2f`. */
export function formatMovementStatus(progress: MovementProgress | null): string {
  if (progress === null) return MOVEMENT_IDLE;
  const pct = progress.percent.toFixed(2).padStart(4, " ");
  return `${pct}% of tokens in ${progress.segments} segments moving to ${progress.hosts} nodes in ${progress.replicas} replicas.`;
}

const MOVEMENT_LINE = /^\s*(\d+(?:\.\d+)?)% of tokens in (\d+) segments moving to (\d+) nodes in (\d+) replicas\.$/;

/** Inverse of formatMovementStatus: null when idle, undefined when the line is neither form. */
export function parseMovementStatus(line: string): MovementProgress | null | undefined {
  if (line === MOVEMENT_IDLE) return null;
  const m = MOVEMENT_LINE.exec(line);
  if (!m) return undefined;
  return { percent: Number(m[1]), segments: Number(m[2]), hosts: Number(m[3]), replicas: Number(m[4]) };
}

// ---- storage cleanup (FACTS §1.3, §2) --------------------------------------------------------------------------

/** GET /admin/storage/clean[/<cf>]: `clean:true` means "cleanup NEEDED" (QA waits for false). */
export interface StorageCleanGetResponse {
  resources: { clean: boolean };
}

/** PUT /admin/storage/clean → 200. */
export interface StorageCleanPutResponse {
  resource: "ok";
}

// ---- errors (FACTS §2, `fql1/APIResponse.scala`) -----------------------------------------------------------------

/** Error codes and the HTTP status each travels with. */
export const ADMIN_ERROR_STATUS = {
  "bad request": 400,
  unauthorized: 401,
  "not found": 404,
  "method not allowed": 405,
  "precondition failed": 412,
  "too many requests": 429,
  "internal server error": 500,
  "hello timeout": 500,
  "cluster uninitialized": 503,
  "time out": 503,
} as const;
export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

export interface AdminError {
  code: AdminErrorCode | (string & {});
  description: string;
}

/** Every non-2xx body of the admin API and of `/ping`: `{"errors":[{"code","description"}]}`. */
export interface AdminErrorBody {
  errors: AdminError[];
}

export function isAdminErrorBody(value: unknown): value is AdminErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const errors = (value as { errors?: unknown }).errors;
  return (
    Array.isArray(errors) &&
    errors.every((e) => typeof e === "object" && e !== null && typeof e.code === "string" && typeof e.description === "string")
  );
}

/** Error descriptions a real node sends, verbatim (FACTS §1.5, §2, §3.4, §7.3, §7.5). */
export const ADMIN_MESSAGES = {
  unauthorized: "Unauthorized",
  notMember: "Host is not a member of a cluster",
  notInitialized: "Host is not initialized",
  statusUninitialized: "This node is not part of a cluster.",
  replicaNameRequired: "Replica name is required.",
  replicaNameInvalid: "Replica name is invalid.",
  replicaNameAlreadySet: (name: string) => `Replica name is already set to '${name}'.`,
  noSeed: "No seed in the request.",
  hostUnknown: "Host is unknown.",
  previouslyRemoved: "This node was previously removed from the cluster. It needs new identity before it can rejoin.",
  /** `AdminApplication` PUT /admin/replication: "replica" or "replicas", names joined by "," without a space. */
  missingReplicaSpec: (names: string[]) =>
    `Missing specification for ${names.length === 1 ? "replica" : "replicas"} ${names.join(",")}`,
  noNodeId: "No nodeID in the request",
  cantSafelyRemove: (hostId: string) => `Node ${hostId} can only be removed with forced removal.`,
  /** `Topologies.setReplicas`: thrown as IllegalArgumentException, so it reaches the client inside internalError(). */
  replicaDoesNotExist: (name: string) => `Replica ${name} does not exist.`,
  mustKeepLogReplica: "Default region must have at least one data+log replica.",
  dataLossRefused: "Changing replica configuration would likely result in data loss in default region.",
  preconditionFailed: "Precondition failed.",
  notFound: "Not Found",
  methodNotAllowed: (allowed: string[]) => `Allowed methods are ${allowed.join(", ")}.`,
  unknownReplica: (name: string) => `Unknown replica ${name}`,
  unknownReplicaType: (type: string) => `Unknown replica type ${type}`,
  allNodesLeaving: (name: string) => `All nodes in replica ${name} are leaving. It can't be a data replica.`,
  storageNotClean: "Storage is not clean. Run cleanup before attempting removal.",
  removeLastDataNode: (hostId: string, replica: string) =>
    `Removing ${hostId} would leave its data replica ${replica} empty. Update the replica to compute type first.`,
} as const;

/** Appended by `APIResponse.InternalError` to every 500 description. */
export const CONTACT_SUPPORT = "Please create a ticket at https://support.fauna.com";

/** `APIResponse.InternalError(desc)`: the description gets a newline and the support line. */
export function internalErrorDescription(desc: string): string {
  return `${desc}\n${CONTACT_SUPPORT}`;
}

/** An uncaught exception (`ExceptionResponseHelpers`): `<exception.toString> <support line>`, code `internal server error`. */
export function uncaughtExceptionDescription(javaClass: string, message: string): string {
  return `${javaClass}: ${message} ${CONTACT_SUPPORT}`;
}

// ---- /ping on 8443 (FACTS §5, `fql1/UtilRoutes.scala`) ----------------------------------------------------------

export const PING_SCOPES = ["write", "read", "all", "node"] as const;
export type PingScope = (typeof PING_SCOPES)[number];

/** Default timeout per scope in milliseconds. */
export const PING_DEFAULT_TIMEOUT_MS: Record<PingScope, number> = { write: 1000, read: 500, all: 5000, node: 100 };

/** `scope` query parameter → scope: absent means write, `global`/`local` are aliases, anything else is node. */
export function pingScopeOf(param: string | null | undefined): PingScope {
  // Case-sensitive, as in `UtilRoutes.scala`: `WRITE` is not `write` and so means node.
  if (param === null || param === undefined) return "write";
  if (param === "write" || param === "global") return "write";
  if (param === "read" || param === "local") return "read";
  if (param === "all") return "all";
  return "node";
}

/** Failures: timed out / unavailable are 503 `time out`; missing data is 500 `internal server error` (+ support line). */
/** 200 answer of `/ping`: `{"resource":"Scope write is OK"}`. Failures use AdminErrorBody. */
export interface PingOkBody {
  resource: string;
}

export const PING_MESSAGES = {
  ok: (scope: PingScope) => `Scope ${scope} is OK`,
  timedOut: (scope: PingScope, ms: number) => `Scope ${scope} timed out after ${ms} milliseconds`,
  unavailable: (scope: PingScope) => `Scope ${scope} is unavailable`,
  missingData: (scope: PingScope) => `Scope ${scope} is missing data`,
} as const;

// ---- ports (FACTS §4) -------------------------------------------------------------------------------------------

export const DEFAULT_PORTS = { coordinatorHttp: 8443, adminHttp: 8444, peer: 7500, peerSecure: 7501 } as const;
