// Condition types and reasons (shared by status conditions and Events), and setCondition with the metav1 semantics:
// lastTransitionTime moves only when the status flips.
import type { Condition, ConditionStatus } from "./types.ts";

export const ConditionType = {
  Ready: "Ready",
  Progressing: "Progressing",
  Degraded: "Degraded",
  TopologyReady: "TopologyReady",
  DataMoving: "DataMoving",
  /** True while pods roll to a new root key's hashes (steps/rootKeyHashes.ts). */
  RootKeyRotating: "RootKeyRotating",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  // generic lifecycle
  Reconciled: "Reconciled",
  Reconciling: "Reconciling",
  Paused: "Paused",
  InvalidSpec: "InvalidSpec",
  ApplyFailed: "ApplyFailed",
  InternalError: "InternalError",
  // pods and objects
  PodsNotReady: "PodsNotReady",
  AllPodsReady: "AllPodsReady",
  RollingUpdate: "RollingUpdate",
  RootKeyGenerated: "RootKeyGenerated",
  RootKeyMissing: "RootKeyMissing",
  RootKeyRotating: "RootKeyRotating",
  RootKeyCurrent: "RootKeyCurrent",
  TlsProblem: "TlsProblem",
  // FaunaDB topology
  Initializing: "Initializing",
  Joining: "Joining",
  UpdatingReplication: "UpdatingReplication",
  RemovingNode: "RemovingNode",
  Settling: "Settling",
  TopologyConverged: "TopologyConverged",
  NodeDown: "NodeDown",
  FaunaViewIncomplete: "FaunaViewIncomplete",
  StatusDiscarded: "StatusDiscarded",
  LogSegmentWithoutLeader: "LogSegmentWithoutLeader",
  AdminUnreachable: "AdminUnreachable",
  DataMovementInProgress: "DataMovementInProgress",
  NoDataMovement: "NoDataMovement",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: Reason;
  message: string;
  observedGeneration?: number;
}

/**
 * Returns a new list with `update` applied. `now` is taken only when the condition is new or its status flips;
 * otherwise lastTransitionTime is kept. Other conditions keep their order; a new one is appended.
 */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: Date): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: existing && existing.status === update.status ? existing.lastTransitionTime : now.toISOString(),
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
  };
  return existing ? list.map((c) => (c.type === update.type ? next : c)) : [...list, next];
}

export function findCondition(conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: ConditionType): boolean {
  return findCondition(conditions, type)?.status === "True";
}
