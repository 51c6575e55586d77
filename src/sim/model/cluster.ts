// The pure cluster model of the node simulator: membership, replica types, log segments, ownership goals,
// availability, replication validation. No I/O, no clock: callers pass `now` and the set of hosts they see up.
// Each rule cites the FACTS.md section (../shared/fauna/FACTS.md) or the fauna/faunadb source file it follows.
import { createHash } from "node:crypto";
import type { ReplicaSpec, ReplicaType } from "../../fauna/wire.ts";

export interface Member {
  hostId: string;
  /** Broadcast address as stored in membership: an IP or a DNS name (FACTS §3.3). */
  address: string;
  peerPort: number;
  replica: string;
  workerId: number;
  /** `leaving` after a graceful remove (shown as State `removed`, FACTS §1.5, §7.5). */
  leaving: boolean;
  /** Clock time of the join, for the settle-time trap of FACTS §7.3. */
  joinedAt: number;
}

/**
 * The cluster metadata that FaunaDB replicates by Raft over ALL members (FACTS §7.2: membership, topology,
 * worker IDs and log topology share one ring). The simulator replicates it as a versioned document that a
 * change must get accepted by a majority of the current members (see commitNeeds()).
 */
export interface ClusterState {
  version: number;
  members: Member[];
  /** Tombstoned host IDs (`Membership.scala`, FACTS §3.4): they may never come back with the same identity. */
  removed: string[];
  dataReplicas: string[];
  logReplicas: string[];
  /** Segments left stuck by a replication change made before the settle time (FACTS §7.3). */
  stuckSegments: number[];
  /**
   * Hosts removed by force while they still owned part of their replica's ring: `ClusterStatus.status` keeps listing
   * a host that owns segments in the current topology after it left membership (address `n/a`, state `removed`),
   * until the Repartitioner has given its segments to others (FACTS Corrections, `ClusterStatus.scala`).
   */
  departed: Departed[];
  /** Wall-clock time before which the last topology change shows no movement (it is still being proposed). */
  movementFrom: number;
}

export interface Departed {
  hostId: string;
  replica: string;
  /** What it owned when it was removed. */
  owns: number;
}

export const emptyState = (): ClusterState => ({
  version: 0,
  members: [],
  removed: [],
  dataReplicas: [],
  logReplicas: [],
  stuckSegments: [],
  departed: [],
  movementFrom: 0,
});

/** A state read from disk or a peer, written by an older simulator, gets the fields added since. */
export const normalizeState = (state: ClusterState): ClusterState => ({ ...emptyState(), ...state });

/** `LogTopology.MaxSegments` (FACTS §7.1). */
export const MAX_SEGMENTS = 3;

/** Raft quorum `size/2 + 1` (`ext/tx/src/main/scala/consensus/Ring.scala`). */
export const quorum = (size: number): number => Math.floor(size / 2) + 1;

/** Replica name rule of `ReplicaNameValidator.scala`: alphanumeric start, then letters/digits/_/-; optional `region/`. */
export function isValidReplicaName(name: string): boolean {
  return /^([A-Za-z0-9][A-Za-z0-9_-]*\/)?[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name);
}

export function allReplicas(state: ClusterState): string[] {
  return [...new Set(state.members.map((m) => m.replica))].sort();
}

export function replicaType(state: ClusterState, replica: string): ReplicaType {
  if (state.logReplicas.includes(replica)) return "data+log";
  if (state.dataReplicas.includes(replica)) return "data";
  return "compute";
}

/** `AdminApplication.replicaInfo`: every replica with members, sorted by name. */
export function replicaInfo(state: ClusterState): ReplicaSpec[] {
  return allReplicas(state).map((name) => ({ name, type: replicaType(state, name) }));
}

export function membersOf(state: ClusterState, replica: string): Member[] {
  return state.members.filter((m) => m.replica === replica).sort((a, b) => a.workerId - b.workerId);
}

const liveMembersOf = (state: ClusterState, replica: string): Member[] =>
  membersOf(state, replica).filter((m) => !m.leaving);

// ---- membership ------------------------------------------------------------------------------------------------

/**
 * `WorkerIDs.makeWorkerIDRequests`: the first free ID of the unreserved upper half, from (min + max) / 2 + 1 (512 by
 * default, as the golden status shows), then of the reserved lower half from min; undefined when none is free.
 */
export function nextWorkerId(state: ClusterState, min: number, max: number): number | undefined {
  const used = new Set(state.members.map((m) => m.workerId));
  const free = (from: number) => {
    for (let id = from; id <= max; id++) if (!used.has(id)) return id;
    return undefined;
  };
  return free(Math.floor((min + max) / 2) + 1) ?? free(min);
}

export type HelloRefusal = "removed" | "wrong replica";

/** Hello checks of `ext/cluster/src/main/scala/Hello.scala`: tombstoned identity, or a known host asking with another replica. */
export function helloRefusal(state: ClusterState, hostId: string, replica: string): HelloRefusal | undefined {
  if (state.removed.includes(hostId)) return "removed";
  const known = state.members.find((m) => m.hostId === hostId);
  if (known && known.replica !== replica) return "wrong replica";
  return undefined;
}

/**
 * A new cluster with one member: the first replica becomes data+log by itself when it is the only replica
 * (`CassandraService.initializeTopology`, FACTS §7.1).
 */
export function initCluster(member: Member): ClusterState {
  return {
    ...emptyState(),
    version: 1,
    members: [member],
    dataReplicas: [member.replica],
    logReplicas: [member.replica],
  };
}

/** Adds a member; a new replica is compute until its type is changed (FACTS §7.1). Known hosts are updated in place. */
export function withMember(state: ClusterState, member: Member): ClusterState {
  const others = state.members.filter((m) => m.hostId !== member.hostId);
  return { ...state, version: state.version + 1, members: [...others, member] };
}

export function withAddress(state: ClusterState, hostId: string, address: string, peerPort: number): ClusterState {
  return {
    ...state,
    version: state.version + 1,
    members: state.members.map((m) => (m.hostId === hostId ? { ...m, address, peerPort } : m)),
  };
}

/**
 * Forced removal drops the host at once and tombstones it (`Membership.remove`, FACTS §7.5). `owns` is what the host
 * held: a data host that still owned data stays listed in status as departed until others hold its share.
 */
export function withoutMember(state: ClusterState, hostId: string, owns = 0): ClusterState {
  const m = state.members.find((x) => x.hostId === hostId);
  const departs = m !== undefined && owns > OWNERSHIP_EPSILON && state.dataReplicas.includes(m.replica);
  return {
    ...state,
    version: state.version + 1,
    members: state.members.filter((x) => x.hostId !== hostId),
    removed: state.removed.includes(hostId) ? state.removed : [...state.removed, hostId],
    departed: departs ? [...state.departed.filter((d) => d.hostId !== hostId), { hostId, replica: m.replica, owns }] : state.departed,
  };
}

/** Drops departed hosts that no longer own anything (see departedOwnership). */
export function withoutDeparted(state: ClusterState, hostIds: readonly string[]): ClusterState {
  if (!state.departed.some((d) => hostIds.includes(d.hostId))) return state;
  return { ...state, version: state.version + 1, departed: state.departed.filter((d) => !hostIds.includes(d.hostId)) };
}

/** Topology changes take a moment before movement shows (golden 08-movement: idle right after the PUT). */
export const withMovementFrom = (state: ClusterState, at: number): ClusterState => ({ ...state, movementFrom: at });

export function withLeaving(state: ClusterState, hostId: string): ClusterState {
  return {
    ...state,
    version: state.version + 1,
    members: state.members.map((m) => (m.hostId === hostId ? { ...m, leaving: true } : m)),
  };
}

/**
 * A metadata change must be accepted by a majority of ALL members, compute nodes included (FACTS §7.2, inferred
 * there from `Membership.onChange`). Counted over the members of the state before the change; a sole member
 * commits alone (`Membership.updateAddress`).
 */
const digests = new WeakMap<ClusterState, string>();

/**
 * Content fingerprint of a state, to order two different states that carry the same version. States are never
 * changed once built (every change makes a new one), so each is hashed once: heartbeats ask for it several times a
 * second.
 */
export function stateDigest(state: ClusterState): string {
  let digest = digests.get(state);
  if (digest === undefined) {
    digest = createHash("sha256").update(JSON.stringify(state)).digest("hex");
    digests.set(state, digest);
  }
  return digest;
}

/**
 * The order in which nodes adopt states: by version, then by digest. Two nodes that changed the same version
 * concurrently (there is no Raft log here) would otherwise each keep its own state for ever; with a total order
 * every node ends on the same one.
 */
export function supersedes(candidate: ClusterState, current: ClusterState): boolean {
  if (candidate.version !== current.version) return candidate.version > current.version;
  return stateDigest(candidate) > stateDigest(current);
}

export function commitNeeds(before: ClusterState): number {
  return quorum(Math.max(1, before.members.length));
}

// ---- log segments (FACTS §7.1, `LogTopology.scala`) ------------------------------------------------------------

export interface Segment {
  id: number;
  /** One host per data+log replica, in replica-name order. */
  hostIds: string[];
}

/**
 * "As many segments as there are nodes, but not more than 3": segment i takes the i-th live node (by worker ID)
 * of every data+log replica, so the count is capped by the smallest log replica.
 */
export function logSegments(state: ClusterState): Segment[] {
  const replicas = [...state.logReplicas].sort();
  if (replicas.length === 0) return [];
  const perReplica = replicas.map((r) => liveMembersOf(state, r));
  const count = Math.min(MAX_SEGMENTS, ...perReplica.map((ms) => ms.length));
  const segments: Segment[] = [];
  for (let i = 0; i < count; i++) segments.push({ id: i, hostIds: perReplica.map((ms) => ms[i]!.hostId) });
  return segments;
}

export function segmentOf(state: ClusterState, hostId: string): Segment | undefined {
  return logSegments(state).find((s) => s.hostIds.includes(hostId));
}

/**
 * A segment has a leader when it is not stuck and a majority of its members are up; the leader is the first up
 * member in replica order (stand-in for Raft election; leaders move when the leader dies, FACTS §7.2).
 */
export function segmentLeader(state: ClusterState, segment: Segment, up: ReadonlySet<string>): string | undefined {
  if (state.stuckSegments.includes(segment.id)) return undefined;
  const alive = segment.hostIds.filter((h) => up.has(h));
  if (alive.length < quorum(segment.hostIds.length)) return undefined;
  return alive[0];
}

// ---- ownership (FACTS §7.3, §7.5) -------------------------------------------------------------------------------

/** Goal fraction of the ring for a host: its share of its data replica, 0 for compute, leaving or unknown hosts. */
export function ownershipGoal(state: ClusterState, hostId: string): number {
  const m = state.members.find((x) => x.hostId === hostId);
  if (!m || m.leaving || !state.dataReplicas.includes(m.replica)) return 0;
  return 1 / liveMembersOf(state, m.replica).length;
}

/** Below this, two ownership fractions are the same: repeated float steps leave residues like 5.6e-17. */
export const OWNERSHIP_EPSILON = 1e-9;

/**
 * One movement step of a host's ownership toward its goal. It lands exactly on the goal once within
 * OWNERSHIP_EPSILON: a leaving host leaves membership when it owns exactly nothing, and 0.7 − 7 × 0.1 is not 0.
 */
export function stepOwnership(owns: number, goal: number, step: number): number {
  const next = owns > goal ? Math.max(goal, owns - step) : Math.min(goal, owns + step);
  return Math.abs(goal - next) < OWNERSHIP_EPSILON ? goal : next;
}

/**
 * Rendezvous hashing of a document key over the live nodes of one data replica: removing a node moves only its
 * keys, adding one takes about 1/N from the others (stand-in for FaunaDB's token ring segments).
 */
export function ownerInReplica(state: ClusterState, replica: string, key: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of liveMembersOf(state, replica)) {
    const score = fnv1a(`${m.hostId}/${key}`);
    if (score > bestScore) {
      bestScore = score;
      best = m.hostId;
    }
  }
  return best;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// ---- availability (FACTS §5, §7.2) --------------------------------------------------------------------------------

/** Writes need every log segment to have a leader, i.e. a majority (FACTS §7.2: a stalled segment stalls applies). */
export function writeAvailable(state: ClusterState, up: ReadonlySet<string>): boolean {
  const segments = logSegments(state);
  return segments.length > 0 && segments.every((s) => segmentLeader(state, s, up) !== undefined);
}

/** Reads need a live (up) node of a data replica (FACTS §7.2). */
export function readAvailable(state: ClusterState, up: ReadonlySet<string>): boolean {
  return state.members.some((m) => up.has(m.hostId) && state.dataReplicas.includes(m.replica));
}

/**
 * 8443 opens once the topology has a whole data replica among current members and a log replica
 * (`waitUntilRegionHasWholeReplicaAndLog`, FACTS §5, §7.2).
 */
export function hasWholeReplicaAndLog(state: ClusterState): boolean {
  return state.logReplicas.length > 0 && state.dataReplicas.some((r) => liveMembersOf(state, r).length > 0);
}

// ---- replication changes (FACTS §7.3; `AdminApplication` PUT /admin/replication; `Topologies.setReplicas`) --------

export type ReplicationResult =
  | { ok: true; data: string[]; log: string[] }
  | { ok: false; status: 400 | 412 | 500; message: string };

/** The ETag: `compute=..;data=..;log=..` (names sorted, `,`-joined) → SHA-1 → URL-safe base64 without padding. */
export function replicationEtagSource(state: ClusterState): string {
  const all = allReplicas(state);
  const log = [...state.logReplicas].sort();
  const data = state.dataReplicas.filter((r) => !log.includes(r)).sort();
  const compute = all.filter((r) => !state.dataReplicas.includes(r)).sort();
  return `compute=${compute.join(",")};data=${data.join(",")};log=${log.join(",")}`;
}

/**
 * Validates a PUT /admin/replication body in the server's order. `etag` is the current ETag; `ifMatch` the header.
 * 400s come from the route itself; 500s are `Topologies.setReplicas` IllegalArgumentExceptions.
 */
export function validateReplication(
  state: ClusterState,
  body: unknown,
  etag: string,
  ifMatch: string | undefined,
): ReplicationResult {
  if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== etag) return { ok: false, status: 412, message: "Precondition failed." };
  const replicas = (body as { replicas?: unknown } | null)?.replicas;
  if (!Array.isArray(replicas)) return { ok: false, status: 500, message: "replicas is not an array" };
  let remaining = new Set(allReplicas(state));
  const data: string[] = [];
  const log: string[] = [];
  for (const spec of replicas as { name?: unknown; type?: unknown }[]) {
    const name = String(spec?.name);
    const type = String(spec?.type);
    if (!remaining.has(name)) return { ok: false, status: 400, message: `Unknown replica ${name}` };
    if (type === "data+log") {
      log.push(name);
      data.push(name);
    } else if (type === "data") {
      data.push(name);
    } else if (type !== "compute") {
      return { ok: false, status: 400, message: `Unknown replica type ${type}` };
    }
    remaining = new Set([...remaining].filter((r) => r !== name));
  }
  if (remaining.size > 0) {
    const missing = [...remaining];
    return {
      ok: false,
      status: 400,
      message: `Missing specification for ${missing.length === 1 ? "replica" : "replicas"} ${missing.join(",")}`,
    };
  }
  // Topologies.checkValidReplicationSpec / setReplicas (single default region modelled).
  if (log.length === 0) return { ok: false, status: 500, message: "Cluster must have at least one data+log replica." };
  for (const r of data) {
    if (liveMembersOf(state, r).length === 0)
      return { ok: false, status: 500, message: `All nodes in replica ${r} are leaving. It can't be a data replica.` };
  }
  const hadWhole = state.dataReplicas.some((r) => liveMembersOf(state, r).length > 0);
  const hasWhole = data.some((r) => liveMembersOf(state, r).length > 0);
  if (hadWhole && !hasWhole)
    return { ok: false, status: 500, message: "Changing replica configuration would likely result in data loss in default region." };
  return { ok: true, data: data.sort(), log: log.sort() };
}

/**
 * Applies a validated replication change. The settle-time trap (FACTS §7.3: "changing replication too soon after
 * nodes start or join can get a log segment stuck"; the tests sleep 30 s): every new log segment that contains a
 * host which joined less than `settleMs` ago is marked stuck. It stays stuck until one of its members restarts
 * (OPERATING.md "Handling High Apply Latency": restart the nodes of the segment).
 */
export function withReplication(state: ClusterState, data: string[], log: string[], now: number, settleMs: number): ClusterState {
  const next: ClusterState = { ...state, version: state.version + 1, dataReplicas: data, logReplicas: log };
  const before = new Map(logSegments(state).map((s) => [s.id, s.hostIds.join(",")]));
  const stuck = new Set(state.stuckSegments);
  for (const seg of logSegments(next)) {
    if (before.get(seg.id) === seg.hostIds.join(",")) continue;
    const fresh = seg.hostIds.some((h) => {
      const m = next.members.find((x) => x.hostId === h);
      return m !== undefined && now - m.joinedAt < settleMs;
    });
    if (fresh) stuck.add(seg.id);
  }
  next.stuckSegments = [...stuck].filter((id) => id < logSegments(next).length).sort();
  return next;
}

/** A restart of a member clears the stuck mark of its segment (see withReplication). */
export function withSegmentUnstuck(state: ClusterState, hostId: string): ClusterState {
  const seg = segmentOf(state, hostId);
  if (!seg || !state.stuckSegments.includes(seg.id)) return state;
  return { ...state, version: state.version + 1, stuckSegments: state.stuckSegments.filter((s) => s !== seg.id) };
}

// ---- removal (FACTS §7.5, `NodeRemoval.scala`) ---------------------------------------------------------------------

export type RemovalCheck = { ok: true; kind: "forced" | "graceful" | "noop" } | { ok: false; message: string };

/**
 * `NodeRemoval.removeNode`: the last live node of a data replica cannot go, even by force; force removes; a graceful
 * removal needs the host live or `Membership.canSafelyRemove` (the membership log keeps a quorum: refused only when
 * the remover would be left alone with a dead peer, which it cannot lead).
 */
export function checkRemoval(
  state: ClusterState,
  hostId: string,
  force: boolean,
  hostIsUp: boolean,
  selfId: string,
): RemovalCheck {
  const m = state.members.find((x) => x.hostId === hostId);
  if (!m) return { ok: true, kind: "noop" }; // removing an unknown or already removed node is accepted
  const live = liveMembersOf(state, m.replica).map((x) => x.hostId);
  if (state.dataReplicas.includes(m.replica) && live.length === 1 && live[0] === hostId)
    return {
      ok: false,
      message: `Removing ${hostId} would leave its data replica ${m.replica} empty. Update the replica to compute type first.`,
    };
  if (force) return { ok: true, kind: "forced" };
  const remaining = state.members.filter((x) => x.hostId !== hostId).map((x) => x.hostId);
  const aloneAfter = remaining.length === 1 && remaining[0] === selfId;
  if (!hostIsUp && aloneAfter) return { ok: false, message: `Node ${hostId} can only be removed with forced removal.` };
  return { ok: true, kind: "graceful" };
}
