// Builds the `/admin/status` answer and the `movement_status` line from the model (FACTS §1.5, §1.6).
import {
  formatMovementStatus,
  LOG_SEGMENT_NONE,
  PERSISTED_TIMESTAMP_NOT_REPORTED,
  type AdminStatusNode,
  type AdminStatusResponse,
} from "../../fauna/wire.ts";
import { logSegments, ownershipGoal, replicaInfo, segmentLeader, type ClusterState } from "./cluster.ts";

/** What a node knows about each host beyond the replicated state: gossiped by heartbeats. */
export interface HostView {
  up: boolean;
  /** Fraction of the ring the host holds now (0..1). */
  owns: number;
  persistedTimestamp?: string;
}

export function statusResponse(state: ClusterState, views: ReadonlyMap<string, HostView>): AdminStatusResponse {
  const up = new Set([...views].filter(([, v]) => v.up).map(([h]) => h));
  const segments = logSegments(state);
  const leaders = new Set(segments.map((s) => segmentLeader(state, s, up)).filter((h) => h !== undefined));
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
  return { nodes, replica_info: replicaInfo(state) };
}

const EPS = 1e-9;

/**
 * `Topologies.pendingStatus`: idle when no replica has missing segments; otherwise the share of the ring still
 * moving (summed over hosts, divided by the number of replicas moving), the number of moving "segments" (one
 * per receiving host here), receiving hosts and replicas.
 */
export function movementStatus(state: ClusterState, views: ReadonlyMap<string, HostView>): string {
  const moving = state.members
    .map((m) => ({ m, gap: ownershipGoal(state, m.hostId) - (views.get(m.hostId)?.owns ?? 0) }))
    .filter((x) => x.gap > EPS);
  if (moving.length === 0) return formatMovementStatus(null);
  const replicas = new Set(moving.map((x) => x.m.replica)).size;
  const pct = (moving.reduce((a, x) => a + x.gap, 0) * 100) / replicas;
  return formatMovementStatus({ percent: pct, segments: moving.length, hosts: moving.length, replicas });
}
