// Inputs, persisted state and output of the pure topology planner (STYLE idioms 5, 6). The planner reads one
// observation and answers the next safe action(s); the reconciler executes them in order and persists `state`.
import type { ReplicaSpec, ReplicaType } from "../../fauna/wire.ts";
import type { FaunaObservation } from "../faunaView.ts";

export type { FaunaObservation } from "../faunaView.ts";

export interface DesiredReplica {
  name: string;
  type: ReplicaType;
  nodes: number;
}

export interface DesiredTopology {
  /** In spec order: the first data+log replica holds the node that initialises the cluster. */
  replicas: DesiredReplica[];
  /** Wait after the last membership change before changing replication (FACTS §7.3). */
  settleSeconds: number;
  /** How long a member may stay down with its pod gone before it is force-removed and replaced. */
  forceRemoveGraceSeconds: number;
  /** The PEER port used in join seeds (7500, 7501 with TLS; FACTS §1.3, §4). */
  peerPort: number;
  /**
   * FaunaDB's own stall watchdog restarts a node whose log segment stalls this long (consensus_stall_restart_period_*,
   * CoreConfig.scala); null when it is disabled. The operator's own restart of a stuck segment waits well past it.
   */
  stallRestartSeconds: number | null;
}

/** What this pod's own admin API says about it. */
export type PodAdmin =
  | { kind: "unreachable" }
  | { kind: "not-member" }
  | { kind: "member"; hostId: string; needsCleanup?: boolean | undefined };

export interface PodObservation {
  name: string;
  /** The pod's UID (deletes carry it as a precondition); absent when there is no pod. */
  uid?: string | undefined;
  replica: string;
  ordinal: number;
  exists: boolean;
  phase?: string | undefined;
  /** Phase Running, not being deleted, with an IP: its process may be alive even when it does not answer. */
  running: boolean;
  ready: boolean;
  deletionTimestamp?: number | null | undefined;
  podIP?: string | null | undefined;
  /** The broadcast address the node registers under: its stable DNS name (FACTS §3.3). */
  address: string;
  pvc: { exists: boolean; bound: boolean; uid?: string | undefined };
  /** Epoch ms of pod creation, when the pod exists. */
  createdAt?: number | undefined;
  admin: PodAdmin;
}

export interface KubeObservation {
  pods: PodObservation[];
  /** Current `spec.replicas` of each replica's StatefulSet (absent = not created yet). */
  statefulSets: Record<string, number>;
}

/** A multi-pass procedure, written to status BEFORE the admin call that needs it (STYLE idiom 6). */
export type InFlight =
  | { kind: "init"; pod: string; replica: string }
  | { kind: "remove"; stage: RemoveStage; replica: string; ordinal: number; pod: string; hostId: string | null }
  | { kind: "replace"; stage: ReplaceStage; replica: string; ordinal: number; pod: string; hostId: string };

/**
 * Scale-down (FACTS Corrections 2, FaunaDB QA RemoveNode → WaitForTopology → ForceRemoveNode): clean storage →
 * graceful remove (the host is marked leaving) → its data moves away → forced remove (out of membership) → shrink.
 */
export const REMOVE_STAGES = ["cleaning", "leaving", "forcing", "shrinking"] as const;
export type RemoveStage = (typeof REMOVE_STAGES)[number];
export const REPLACE_STAGES = ["removing", "wiping"] as const;
export type ReplaceStage = (typeof REPLACE_STAGES)[number];

/** Everything the planner remembers between passes; lives in the FaunaCluster status. */
export interface PlanState {
  /** The topology being worked towards; a new spec is accepted only when it is safe (see refusals.ts). */
  accepted: DesiredReplica[] | null;
  /** True once the accepted topology was reached once: from then on, one change at a time. */
  bootstrapped: boolean;
  /** Set before the first init: never initialise a second cluster. */
  initialized: boolean;
  inFlight: InFlight | null;
  /** Sorted host IDs of the members last seen, and when that set last changed (settle clock). */
  membersDigest: string;
  membershipChangedAt: number;
  /** First time each member was seen down with no running pod (grace clock). */
  downSince: Record<string, number>;
  /** A node was added to a data replica: run clean-storage once movement is idle (FACTS §7.5). */
  cleanupPending: boolean;
  /** Since when a log segment has had no leader (reset by a restart of one of its nodes); absent in older status. */
  leaderlessSince?: number | null;
  /** In how many consecutive observations a segment was seen without a leader (one reading can be a blip). */
  leaderlessSeen?: number;
}

export interface PlanInput {
  desired: DesiredTopology;
  kube: KubeObservation;
  fauna: FaunaObservation;
  state: PlanState;
  now: number;
}

export type WaitReason =
  | "WaitingForPods"
  | "NoMemberReachable"
  | "Settling"
  | "DataMoving"
  | "StorageCleanup"
  | "HostLeaving"
  | "PodTerminating"
  | "NodeDown"
  | "SegmentLeaderless"
  /** The guard held a destructive action back: FaunaDB's view is not confirmed by a majority of the members. */
  | "FaunaViewIncomplete"
  /** The guard held a destructive action back for another rule (see the message). */
  | "Unsafe";

export type PlanAction =
  | { kind: "initNode"; pod: string; address: string; replica: string }
  | { kind: "joinNode"; pod: string; address: string; replica: string; seed: { host: string; peerPort: number } }
  | { kind: "wait"; reason: WaitReason; message: string; afterMs: number }
  | { kind: "putReplication"; via: string; replicas: ReplicaSpec[]; ifMatch: string | null }
  | { kind: "cleanStorage"; addresses: string[] }
  | { kind: "removeHost"; via: string; hostId: string; force: boolean; allowUnclean: boolean }
  | { kind: "scaleStatefulSet"; replica: string; replicas: number }
  | { kind: "deletePod"; pod: string; uid: string | undefined; why?: string; wipe?: boolean }
  | { kind: "deletePVC"; pod: string; uid: string | undefined }
  | { kind: "setInFlight"; record: InFlight }
  | { kind: "clearInFlight" }
  /** The in-flight record read from status does not fit the spec or the observation: dropped, with a Warning. */
  | { kind: "discardInFlight"; why: string }
  | { kind: "done" };

export type RefusalReason =
  | "InvalidSpec"
  | "LastDataNode"
  | "LogMajority"
  | "MultipleTopologyChanges"
  | "TopologyChangeInProgress"
  | "LastDataNodeDead";

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

export interface PlanDecision {
  /** Execute in order; stop at the first failure and requeue. `setInFlight` must be persisted before what follows. */
  actions: PlanAction[];
  /** Persist with the pass's status write (in-flight changes are already in it). */
  state: PlanState;
  /** Why the desired spec is not (yet) being applied; surfaced as a condition and a Warning event. */
  refusal: Refusal | null;
  /** Name of the step that decided, for logs and conditions. */
  step: StepName;
  /** Set when the guard held the step's destructive action back (its wait is the only action). */
  hold: { reason: WaitReason; message: string } | null;
}

export const STEP_NAMES = [
  "AcceptSpec",
  "ResumeInFlight",
  "GrowStatefulSets",
  "InitCluster",
  "RequireMembers",
  "ReplaceDeadNodes",
  "JoinNodes",
  "UpdateReplication",
  "WaitForMovement",
  "CleanupAfterAdds",
  "RestartStuckSegments",
  "StartScaleDown",
  "Done",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * How soon a waiting pass looks again. Movement is polled every 2 s (not 10): it is the last wait before Ready and
 * before each removal step, and one cluster moves at a time, so the extra passes are few (issue 14: up to 10 s of
 * operator overhead otherwise). Pods are polled every 5 s: a pod's admin port opening sends no event, and with many
 * clusters starting at once a shorter poll multiplies API load (the scale run, bench/RESULTS.md).
 */
export const WAIT_MS = { short: 5_000, pods: 5_000, movement: 2_000, cleanup: 10_000 } as const;

export function initialPlanState(): PlanState {
  return {
    accepted: null,
    bootstrapped: false,
    initialized: false,
    inFlight: null,
    membersDigest: "",
    membershipChangedAt: 0,
    downSince: {},
    cleanupPending: false,
    leaderlessSince: null,
    leaderlessSeen: 0,
  };
}
