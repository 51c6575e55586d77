// Event reasons (STYLE idiom 12): what a person sees in `kubectl describe faunacluster`.
export const EventReason = {
  InvalidSpec: "InvalidSpec",
  RootKeyGenerated: "RootKeyGenerated",
  RootKeyMissing: "RootKeyMissing",
  RotatingRootKey: "RotatingRootKey",
  RootKeyRotated: "RootKeyRotated",
  ApplyFailed: "ApplyFailed",
  Initializing: "Initializing",
  Joining: "Joining",
  UpdatingReplication: "UpdatingReplication",
  CleaningStorage: "CleaningStorage",
  RemovingNode: "RemovingNode",
  Scaling: "Scaling",
  DeletingPod: "DeletingPod",
  DeletingVolume: "DeletingVolume",
  DeletingReplica: "DeletingReplica",
  TopologyActionFailed: "TopologyActionFailed",
  TopologyRefused: "TopologyRefused",
  TopologyConverged: "TopologyConverged",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
