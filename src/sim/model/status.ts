// Builds the `/admin/status` answer and the `movement_status` line from the model (FACTS §1.5, §1.6).
import {
  formatMovementStatus,
  LOG_SEGMENT_NONE,
  PERSISTED_TIMESTAMP_NOT_REPORTED,
  WORKER_ID_UNASSIGNED,
  type AdminStatusNode,
  type AdminStatusResponse,
} from "../../fauna/wire.ts";
import { logSegments, OWNERSHIP_EPSILON, ownershipGoal, replicaInfo, segmentLeader, type ClusterState, type Departed } from "./cluster.ts";

/** What a node knows about each host beyond the replicated state: gossiped by heartbeats. */
export interface HostView {
  up: boolean;
  /** Fraction of the ring the host holds now (0..1). */
  owns: number;
  persistedTimestamp?: string;
}

/**
 * Ownership as topology (`ClusterStatus.ownership` reads the replica's current segments), made consistent from what
 * each host last reported: in each data replica the hosts taking ranges over (Owns < Goal) lack some share D; the
 * hosts giving ranges away (Owns > Goal: leaving, departed by force, or the replica grew; a dead one reports nothing
 * new) can hold only D beyond their goals, split in proportion to their surplus. So the replica always owns the ring
 * once, a giver reaches its goal exactly when the takers are done, and a replica turned compute owns nothing.
 * `reported` holds members' and departed hosts' last figures; the answer holds the same keys.
 */
export function settledOwnership(state: ClusterState, reported: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map(reported);
  const hosts = [
    ...state.members.map((m) => ({ hostId: m.hostId, replica: m.replica, goal: ownershipGoal(state, m.hostId) })),
    ...state.departed.map((d) => ({ hostId: d.hostId, replica: d.replica, goal: 0 })),
  ];
  for (const replica of new Set(hosts.map((h) => h.replica))) {
    const inReplica = hosts.filter((h) => h.replica === replica);
    if (!state.dataReplicas.includes(replica)) {
      for (const h of inReplica) out.set(h.hostId, 0);
      continue;
    }
    const owns = (h: { hostId: string }) => reported.get(h.hostId) ?? 0;
    const deficit = inReplica.reduce((a, h) => a + Math.max(0, h.goal - owns(h)), 0);
    const surplus = inReplica.reduce((a, h) => a + Math.max(0, owns(h) - h.goal), 0);
    if (surplus <= deficit) continue;
    for (const h of inReplica) {
      if (owns(h) <= h.goal) continue;
      const share = h.goal + ((owns(h) - h.goal) * deficit) / surplus;
      out.set(h.hostId, share - h.goal < OWNERSHIP_EPSILON ? h.goal : share);
    }
  }
  return out;
}

/** What a host removed by force still owns, from views that include it (node.views()). */
export function departedOwnership(d: Departed, views: ReadonlyMap<string, HostView>): number {
  return views.get(d.hostId)?.owns ?? 0;
}

/** A departed host in status (`ClusterStatus.scala`): no host information, so address `n/a` and state `removed`; down. */
function departedNode(d: Departed, owns: number): AdminStatusNode {
  return {
    status: "down",
    state: "removed",
    ownership: owns,
    ownership_goal: 0,
    host_id: d.hostId,
    address: "n/a",
    replica: d.replica,
    worker_id: WORKER_ID_UNASSIGNED,
    log_segment: LOG_SEGMENT_NONE,
    log_segment_leader: false,
    persisted_timestamp: PERSISTED_TIMESTAMP_NOT_REPORTED,
  };
}

/**
 * `electing`: segments whose leader changed a moment ago. `log_segment_leader` comes from a quorum of leader requests
 * (`TxnPipeline.logLeaders`), so right after an election no host of the segment reads as leader yet.
 */
export function statusResponse(state: ClusterState, views: ReadonlyMap<string, HostView>, electing: ReadonlySet<number> = new Set()): AdminStatusResponse {
  const up = new Set([...views].filter(([, v]) => v.up).map(([h]) => h));
  const segments = logSegments(state);
  const leaders = new Set(segments.filter((s) => !electing.has(s.id)).map((s) => segmentLeader(state, s, up)).filter((h) => h !== undefined));
  const nodes: AdminStatusNode[] = state.members.map((m) => {
    const v = views.get(m.hostId);
    const seg = segments.find((s) => s.hostIds.includes(m.hostId));
    return {
      status: v?.up ? "up" : "down",
      state: m.leaving ? "removed" : "live",
      ownership: v?.owns ?? 0,
      ownership_goal: ownershipGoal(state, m.hostId),
      host_id: m.hostId,
      address: m.address,
      replica: m.replica,
      worker_id: String(m.workerId),
      log_segment: seg ? String(seg.id) : LOG_SEGMENT_NONE,
      log_segment_leader: leaders.has(m.hostId),
      persisted_timestamp: v?.persistedTimestamp ?? PERSISTED_TIMESTAMP_NOT_REPORTED,
    };
  });
  for (const d of state.departed) {
    const owns = departedOwnership(d, views);
    if (owns > 0) nodes.push(departedNode(d, owns));
  }
  return { nodes, replica_info: replicaInfo(state) };
}

const EPS = 1e-9;
const SEGMENTS_PER_RING = 129;

/**
 * `Topologies.pendingStatus`: idle when no replica has missing segments; otherwise the share of the ring still
 * moving (summed over hosts, divided by the number of replicas moving), the number of moving token segments (a
 * ring is SEGMENTS_PER_RING of them), receiving hosts and replicas. Idle until the change's movementFrom.
 */
export function movementStatus(state: ClusterState, views: ReadonlyMap<string, HostView>, now: number): string {
  if (now < state.movementFrom) return formatMovementStatus(null);
  const moving = state.members
    .map((m) => ({ m, gap: ownershipGoal(state, m.hostId) - (views.get(m.hostId)?.owns ?? 0) }))
    .filter((x) => x.gap > EPS);
  if (moving.length === 0) return formatMovementStatus(null);
  const replicas = new Set(moving.map((x) => x.m.replica)).size;
  const pct = (moving.reduce((a, x) => a + x.gap, 0) * 100) / replicas;
  // A ring has 129 token segments per replica here (golden: "100.00% of tokens in 258 segments moving to 2 nodes in 2 replicas.").
  const segments = Math.max(moving.length, Math.ceil(moving.reduce((a, x) => a + x.gap, 0) * SEGMENTS_PER_RING - 1e-6));
  return formatMovementStatus({ percent: pct, segments, hosts: moving.length, replicas });
}
