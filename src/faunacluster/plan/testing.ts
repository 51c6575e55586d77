// Fixture builder for planner tests: a cluster described as replica → per-ordinal node looks, e.g.
// cluster({ r1: ["live", "live", "live"], r2: ["live", "new"] }). Only tests import this module.
import type { MemberStatus } from "../../fauna/statusParse.ts";
import { mergeViews, NO_VIEW, type MemberView } from "../faunaView.ts";
import type { ReplicaType } from "../../fauna/wire.ts";
import { initialPlanState, type DesiredReplica, type PlanInput, type PlanState, type PodObservation } from "./types.ts";

/**
 * live: running member, up · new: running, not a member yet · starting: pod up, admin not answering ·
 * absent: no pod, no volume · down: pod gone (volume kept), member down · wiped: pod back with an empty
 * disk while the old host is down in membership · leaving: member marked removed · left: pod still there,
 * host already out of membership · stale: a fresh pod that still reports the removed host ID · mute: member up,
 * its pod running, but its admin API does not answer · partitioned: pod answers as a member, membership says down ·
 * leaving-down: marked removed, then its pod died (membership says down) · drained: marked removed and its data
 * moved away (Owns 0, goal 0), still in membership until forced out (FACTS Corrections 2).
 */
export type Look = "live" | "new" | "starting" | "absent" | "down" | "wiped" | "leaving" | "leaving-down" | "drained" | "left" | "stale" | "mute" | "partitioned";

export interface ClusterOptions {
  /** Current types in FaunaDB's replication; default data+log for every replica in the layout. */
  types?: Record<string, ReplicaType>;
  /** Desired spec; default = the layout with `types`. */
  spec?: Record<string, [ReplicaType, number]>;
  statefulSets?: Record<string, number>;
  state?: Partial<PlanState>;
  movementIdle?: boolean | null;
  needsCleanup?: boolean | undefined;
  now?: number;
  settleSeconds?: number;
  graceSeconds?: number;
  /** No member answered: fauna view is unknown. */
  noFaunaView?: boolean;
  /** Log segments (= ordinals here) left without a leader; every other segment's first up member leads. */
  leaderless?: number[];
  /** Member pods (by name) whose view the operator did not get (their identity still answered). */
  silent?: string[];
  /** Member pods (by name) that report another membership (one without the last listed host). */
  disagreeing?: string[];
  /** Stall watchdog period FaunaDB would use (null: disabled). */
  stallRestartSeconds?: number | null;
}

export const NOW = 1_000_000_000;
export const hostId = (replica: string, ordinal: number) => `${replica}-${ordinal}-host`;
export const podName = (replica: string, ordinal: number) => `fc-${replica}-${ordinal}`;
export const address = (replica: string, ordinal: number) => `${podName(replica, ordinal)}.fc.ns.svc`;

export function cluster(layout: Record<string, Look[]>, options: ClusterOptions = {}): PlanInput {
  const types = options.types ?? Object.fromEntries(Object.keys(layout).map((r) => [r, "data+log" as ReplicaType]));
  const spec = options.spec ?? Object.fromEntries(Object.entries(layout).map(([r, looks]) => [r, [types[r] ?? "data+log", looks.length]]));
  const pods: PodObservation[] = [];
  const members: MemberStatus[] = [];
  for (const [replica, looks] of Object.entries(layout)) {
    looks.forEach((look, ordinal) => {
      const id = hostId(replica, ordinal);
      const exists = look !== "absent" && look !== "down" && look !== "leaving-down";
      const adminKind =
        look === "new" || look === "wiped" ? "not-member" : !exists || look === "starting" || look === "mute" ? "unreachable" : "member";
      pods.push({
        name: podName(replica, ordinal),
        replica,
        ordinal,
        exists,
        ready: look === "live",
        address: address(replica, ordinal),
        uid: exists ? `uid-${podName(replica, ordinal)}` : undefined,
        running: exists,
        podIP: exists ? `10.244.0.${pods.length + 1}` : null,
        pvc: { exists: look !== "absent", bound: look !== "absent", uid: look !== "absent" ? `uid-data-${podName(replica, ordinal)}` : undefined },
        admin:
          adminKind === "member"
            ? { kind: "member", hostId: id, needsCleanup: options.needsCleanup ?? false }
            : { kind: adminKind },
      });
      if (["live", "down", "wiped", "leaving", "leaving-down", "drained", "mute", "partitioned"].includes(look)) {
        const down = look === "down" || look === "wiped" || look === "partitioned" || look === "leaving-down";
        const m = member(replica, ordinal, down ? "down" : "up", ["leaving", "leaving-down", "drained"].includes(look) ? "removed" : "live");
        members.push(look === "drained" ? { ...m, ownership: 0, ownershipGoal: 0 } : m);
      }
    });
  }
  const desired: DesiredReplica[] = Object.entries(spec).map(([name, [type, nodes]]) => ({ name, type, nodes }));
  for (const m of members) {
    const segmentLed = members.some((o) => o.leader && o.logSegment === m.logSegment);
    m.leader = !segmentLed && m.status === "up" && m.state === "live" && !(options.leaderless ?? []).includes(m.logSegment as number);
  }
  const withMembers = new Set(members.map((m) => m.replica));
  const replication = {
    replicas: Object.entries(types).filter(([r]) => withMembers.has(r)).map(([name, type]) => ({ name, type })),
    etag: '"etag-1"',
  };
  const movementIdle = options.movementIdle === undefined ? true : options.movementIdle;
  const views: MemberView[] = pods.flatMap((p) => {
    if (p.admin.kind !== "member" || (options.silent ?? []).includes(p.name)) return [];
    const listed = (options.disagreeing ?? []).includes(p.name) ? members.slice(0, -1) : members;
    return [{ pod: p.name, hostId: p.admin.hostId, members: listed.map((m) => ({ ...m })), replication, movementIdle }];
  });
  return {
    desired: {
      replicas: desired,
      settleSeconds: options.settleSeconds ?? 30,
      forceRemoveGraceSeconds: options.graceSeconds ?? 300,
      peerPort: 7500,
      stallRestartSeconds: options.stallRestartSeconds === undefined ? 30 : options.stallRestartSeconds,
    },
    kube: {
      pods,
      statefulSets: options.statefulSets ?? Object.fromEntries(Object.entries(layout).map(([r, looks]) => [r, looks.length])),
    },
    fauna: options.noFaunaView || members.length === 0 ? NO_VIEW : mergeViews(views),
    state: {
      ...initialPlanState(),
      accepted: Object.entries(layout).map(([name, looks]) => ({ name, type: types[name] ?? "data+log", nodes: looks.length })),
      bootstrapped: true,
      initialized: true,
      membersDigest: members.map((m) => m.hostId).sort().join(","),
      membershipChangedAt: NOW - 3_600_000,
      ...options.state,
    },
    now: options.now ?? NOW,
  };
}

function member(replica: string, ordinal: number, status: "up" | "down", state: "live" | "removed"): MemberStatus {
  return {
    hostId: hostId(replica, ordinal), address: address(replica, ordinal), replica, status, state,
    ownership: 1, ownershipGoal: 1, workerId: 512 + ordinal, logSegment: ordinal, leader: false, persistedTimestamp: null,
  };
}
