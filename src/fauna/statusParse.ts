// Parses GET /admin/status exactly as FaunaDB sends it (FACTS §1.5; golden admin-status.json): string-typed
// worker_id and log_segment, ownership floats in 0..1, a leader flag per node. Unknown shapes are rejected
// rather than guessed, so a wire change shows up as a clear error instead of a wrong plan.
import {
  LOG_SEGMENT_NONE,
  LOG_SEGMENT_UNINITIALIZED,
  isReplicaType,
  type NodeState,
  type NodeStatus,
  type ReplicaSpec,
} from "./wire.ts";

/** One member as the operator uses it: camelCase, numbers parsed, sentinels made explicit. */
export interface MemberStatus {
  hostId: string;
  address: string;
  replica: string;
  status: NodeStatus;
  state: NodeState;
  /** Fractions of the ring, 0..1. */
  ownership: number;
  ownershipGoal: number;
  /** null when `n/a` or `error`. */
  workerId: number | null;
  /** Segment number; `none` = not a log node; `uninitialized`. */
  logSegment: number | "none" | "uninitialized";
  leader: boolean;
  /** ISO instant, or null for `none` / `not reported`. */
  persistedTimestamp: string | null;
}

export interface ClusterStatus {
  members: MemberStatus[];
  replicas: ReplicaSpec[];
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseAdminStatus(json: unknown): ParseResult<ClusterStatus> {
  if (!isObject(json)) return fail("the body is not a JSON object");
  const { nodes, replica_info } = json;
  if (!Array.isArray(nodes)) return fail("`nodes` is not an array");
  if (!Array.isArray(replica_info)) return fail("`replica_info` is not an array");
  const members: MemberStatus[] = [];
  for (const [i, node] of nodes.entries()) {
    const parsed = parseNode(node);
    if (typeof parsed === "string") return fail(`nodes[${i}]: ${parsed}`);
    members.push(parsed);
  }
  const replicas: ReplicaSpec[] = [];
  for (const [i, info] of replica_info.entries()) {
    if (!isObject(info) || typeof info.name !== "string" || !isReplicaType(info.type)) {
      return fail(`replica_info[${i}] is not {name, type} with type data+log, data or compute`);
    }
    replicas.push({ name: info.name, type: info.type });
  }
  return { ok: true, value: { members, replicas } };
}

function parseNode(node: unknown): MemberStatus | string {
  if (!isObject(node)) return "not an object";
  const str = (key: string): string | undefined => (typeof node[key] === "string" ? (node[key] as string) : undefined);
  const num = (key: string): number | undefined =>
    typeof node[key] === "number" && Number.isFinite(node[key]) ? (node[key] as number) : undefined;
  const status = str("status");
  const state = str("state");
  const hostId = str("host_id");
  const address = str("address");
  const replica = str("replica");
  const workerId = str("worker_id");
  const logSegment = str("log_segment");
  const persisted = str("persisted_timestamp");
  const ownership = num("ownership");
  const ownershipGoal = num("ownership_goal");
  const leader = node.log_segment_leader;
  if (status !== "up" && status !== "down") return "`status` is not up/down";
  if (state !== "live" && state !== "removed") return "`state` is not live/removed";
  if (hostId === undefined || address === undefined || replica === undefined) return "missing host_id/address/replica";
  if (ownership === undefined || ownershipGoal === undefined) return "`ownership`/`ownership_goal` are not numbers";
  if (workerId === undefined || logSegment === undefined || persisted === undefined) {
    return "`worker_id`, `log_segment` and `persisted_timestamp` must be strings";
  }
  if (typeof leader !== "boolean") return "`log_segment_leader` is not a boolean";
  const segment = parseLogSegment(logSegment);
  if (segment === undefined) return `unknown log_segment ${JSON.stringify(logSegment)}`;
  return {
    hostId,
    address,
    replica,
    status,
    state,
    ownership,
    ownershipGoal,
    workerId: /^\d+$/.test(workerId) ? Number(workerId) : null,
    logSegment: segment,
    leader,
    persistedTimestamp: persisted === "none" || persisted === "not reported" ? null : persisted,
  };
}

function parseLogSegment(raw: string): MemberStatus["logSegment"] | undefined {
  if (raw === LOG_SEGMENT_NONE) return "none";
  if (raw === LOG_SEGMENT_UNINITIALIZED) return "uninitialized";
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(error: string): ParseResult<never> {
  return { ok: false, error };
}
