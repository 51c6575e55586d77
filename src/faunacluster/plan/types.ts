// Inputs, persisted state and output of the pure topology planner (STYLE idioms 5, 6). The planner reads one
// observation and answers the next safe action(s); the reconciler executes them in order and persists `state`.
import type { ReplicaSpec, ReplicaType } from "../../fauna/wire.ts";
import type { MemberStatus } from "../../fauna/statusParse.ts";

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
}

/** What this pod's own admin API says about it. */
export type PodAdmin =
  | { kind: "unreachable" }
  | { kind: "not-member" }
  | { kind: "member"; hostId: string; needsCleanup?: boolean | undefined };

export interface PodObservation {
  name: string;
  replica: string;
  ordinal: number;
  exists: boolean;
  phase?: string | undefined;
  ready: boolean;
  deletionTimestamp?: number | null | undefined;
  podIP?: string | null | undefined;
  /** The broadcast address the node registers under: its stable DNS name (FACTS §3.3). */
  address: string;
  pvc: { exists: boolean; bound: boolean };
  /** Epoch ms of pod creation, when the pod exists. */
  createdAt?: number | undefined;
  admin: PodAdmin;
}

export interface KubeObservation {
  pods: PodObservation[];
  /** Current `spec.replicas` of each replica's StatefulSet (absent = not created yet). */
  statefulSets: Record<string, number>;
}

export interface FaunaObservation {
  /** The cluster as one member sees it; null when no member answered. */
  members: MemberStatus[] | null;
  replication: { replicas: ReplicaSpec[]; etag: string | null } | null;
  /** null when unknown (no member answered). */
  movementIdle: boolean | null;
}

/** A multi-pass procedure, written to status BEFORE the admin call that needs it (STYLE idiom 6). */
export type InFlight =
  | { kind: "init"; pod: string; replica: string }
  | { kind: "remove"; stage: RemoveStage; replica: string; ordinal: number; pod: string; hostId: string | null }
  | { kind: "replace"; stage: ReplaceStage; replica: string; ordinal: number; pod: string; hostId: string };

export type RemoveStage = "cleaning" | "leaving" | "shrinking";
export type ReplaceStage = "removing" | "wiping";

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
  | "SegmentLeaderless";

export type PlanAction =
  | { kind: "initNode"; pod: string; address: string; replica: string }
  | { kind: "joinNode"; pod: string; address: string; replica: string; seed: { host: string; peerPort: number } }
  | { kind: "wait"; reason: WaitReason; message: string; afterMs: number }
  | { kind: "putReplication"; via: string; replicas: ReplicaSpec[]; ifMatch: string | null }
  | { kind: "cleanStorage"; addresses: string[] }
  | { kind: "removeHost"; via: string; hostId: string; force: boolean; allowUnclean: boolean }
  | { kind: "scaleStatefulSet"; replica: string; replicas: number }
  | { kind: "deletePod"; pod: string; why?: string }
  | { kind: "deletePVC"; pod: string }
  | { kind: "setInFlight"; record: InFlight }
  | { kind: "clearInFlight" }
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
  step: string;
}

export const WAIT_MS = { short: 5_000, pods: 5_000, movement: 10_000, cleanup: 10_000 } as const;

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
  };
}
