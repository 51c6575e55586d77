// Event reasons (STYLE idiom 12): what a person sees in `kubectl describe faunacluster`.
export const EventReason = {
  InvalidSpec: "InvalidSpec",
  RootKeyGenerated: "RootKeyGenerated",
  TlsCaCreated: "TlsCaCreated",
  TlsCertificateIssued: "TlsCertificateIssued",
  TlsProblem: "TlsProblem",
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
  /** A destructive action was held back: a member is down while its pod runs. */
  NodeDown: "NodeDown",
  /** A destructive action was held back: FaunaDB's view is not confirmed by a majority of the members. */
  FaunaViewIncomplete: "FaunaViewIncomplete",
  /** Something read from status did not fit the spec or the observation and was dropped. */
  StatusDiscarded: "StatusDiscarded",
  /** whenDeleted: Delete asked for without the confirmation annotation: volumes are retained. */
  VolumeDeletionNotConfirmed: "VolumeDeletionNotConfirmed",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];
