// Log segments without a leader (FACTS §1.5: the log_segment and leader columns of `status`). A replication change
// made too soon after nodes start or join can leave a segment stuck without a leader, and then no write through it
// commits, until one of its nodes restarts (FACTS §7.3; the simulator models the same). The operator waits the
// settle time so that it does not cause this, but a shorter spec.settleSeconds or bad timing can: after a grace for
// an election in progress, restart one node of the segment (its pod; the host keeps its identity and data).
// `log_segment_leader` comes from a quorum of leader requests and can read false for a moment (TxnPipeline.logLeaders),
// so a segment counts as leaderless only once several observations in a row saw it so; and FaunaDB restarts a stalled
// node itself after consensus_stall_restart_period_seconds (CoreConfig.scala): the operator waits well past that.
import type { MemberStatus } from "../../fauna/statusParse.ts";
import type { PlanState } from "./types.ts";
import { wait, type Step, type View } from "./view.ts";

/** At least this long without a leader before one of its nodes is restarted (an election takes seconds). */
export const LEADERLESS_RESTART_MS = 60_000;
/** ...and seen so in this many consecutive observations. */
export const LEADERLESS_OBSERVATIONS = 3;

/** How long to wait: past FaunaDB's own stall watchdog (twice its period) and at least LEADERLESS_RESTART_MS. */
export function leaderlessRestartMs(stallRestartSeconds: number | null): number {
  return Math.max(LEADERLESS_RESTART_MS, stallRestartSeconds === null ? 0 : 2 * stallRestartSeconds * 1000);
}

/** Segments with a live member up but none leading. */
export function leaderlessSegments(members: readonly MemberStatus[]): number[] {
  const segments = new Map<number, { up: boolean; leader: boolean }>();
  for (const m of members) {
    if (typeof m.logSegment !== "number" || m.state !== "live") continue;
    const seg = segments.get(m.logSegment) ?? { up: false, leader: false };
    segments.set(m.logSegment, { up: seg.up || m.status === "up", leader: seg.leader || m.leader });
  }
  return [...segments].filter(([, s]) => s.up && !s.leader).map(([id]) => id).sort((a, b) => a - b);
}

/** For remember(): when the cluster was first seen with a leaderless segment since the last restart (null: none). */
export function leaderlessSince(members: readonly MemberStatus[], state: PlanState, now: number): number | null {
  return leaderlessSegments(members).length === 0 ? null : (state.leaderlessSince ?? now);
}

export const restartStuckSegments: Step = {
  name: "RestartStuckSegments",
  run(view, state) {
    const segment = leaderlessSegments(view.members)[0];
    if (segment === undefined) return null;
    const nodes = view.members.filter((m) => m.logSegment === segment && m.state === "live").sort((a, b) => a.hostId.localeCompare(b.hostId));
    const pods = nodes.map((m) => podOf(view, m));
    const stuckFor = view.now - (state.leaderlessSince ?? view.now);
    const restartMs = leaderlessRestartMs(view.input.desired.stallRestartSeconds);
    const says = `log segment ${segment} has no leader, so writes through it cannot commit`;
    if (nodes.some((m) => m.status !== "up") || pods.some((p) => p === undefined || !p.ready)) {
      return wait("SegmentLeaderless", `${says}; waiting for its nodes to be up and ready`, 5_000);
    }
    if (stuckFor < restartMs || (state.leaderlessSeen ?? 0) < LEADERLESS_OBSERVATIONS) {
      const inS = Math.max(1, Math.ceil((restartMs - stuckFor) / 1000));
      return wait("SegmentLeaderless", `${says}; restarting one of its nodes in ${inS} s unless a leader is elected`, Math.min(5_000, Math.max(1_000, restartMs - stuckFor)));
    }
    const pod = pods[0]!;
    return {
      actions: [{ kind: "deletePod", pod: pod.name, uid: pod.uid, why: `restarting it: ${says} (FACTS §7.3: a restart unsticks it)` }],
      state: { leaderlessSince: view.now, leaderlessSeen: 0 },
    };
  },
};

function podOf(view: View, member: MemberStatus) {
  return view.input.kube.pods.find((p) => p.exists && p.address === member.address);
}
