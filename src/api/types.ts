// FaunaCluster v1alpha1: the spec a user writes and the status the operator reports.
// The CRD schema in schema.ts describes the same shape; schema.test.ts proves the two agree field by field.
import type {
  V1Affinity,
  V1LocalObjectReference,
  V1ObjectMeta,
  V1ResourceRequirements,
  V1Toleration,
  V1TopologySpreadConstraint,
} from "@kubernetes/client-node";
import type { FaunaConfig } from "./faunaConfigKeys.ts";

export const API_GROUP = "fauna-operator.io";
export const API_VERSION = "v1alpha1";
export const KIND = "FaunaCluster";
export const PLURAL = "faunaclusters";
export const SINGULAR = "faunacluster";
export const SHORT_NAMES = ["fc"] as const;
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}` as const;

/** Replica types FaunaDB knows (FACTS §7.1). Kept here too so api/ imports nothing; api/types.test.ts pins it to fauna/wire.ts. */
export const REPLICA_TYPES = ["data+log", "data", "compute"] as const;
export type ReplicaType = (typeof REPLICA_TYPES)[number];

export const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Which pods the client Service sends traffic to. `auto`: compute nodes when a compute replica exists, else all. */
export const SERVICE_TARGETS = ["auto", "all", "compute"] as const;
export type ServiceTargets = (typeof SERVICE_TARGETS)[number];

/** FaunaDB `peer_encryption_level` (FACTS §3.2). */
export const PEER_ENCRYPTION_LEVELS = ["none", "dc", "all"] as const;
export type PeerEncryptionLevel = (typeof PEER_ENCRYPTION_LEVELS)[number];

/**
 * `Managed` (default): the operator's CA per cluster issues the nodes' certificate; the admin API answers only over
 * mutual TLS and the query API only over TLS (issue 13). `CertManager`: the same, with the certificates issued by a
 * cert-manager issuer (`tls.issuerRef`) through Certificate objects. `Disabled`: both in cleartext, as FaunaDB's defaults.
 */
export const TLS_MODES = ["Managed", "CertManager", "Disabled"] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const UPDATE_STRATEGY_TYPES = ["RollingUpdate", "OnDelete"] as const;
export type UpdateStrategyType = (typeof UPDATE_STRATEGY_TYPES)[number];

export const PDB_SCOPES = ["Replica", "Cluster"] as const;
export type PdbScope = (typeof PDB_SCOPES)[number];

export const PVC_DELETE_POLICIES = ["Retain", "Delete"] as const;
export type PvcDeletePolicy = (typeof PVC_DELETE_POLICIES)[number];

export type ResourceRequirements = Omit<V1ResourceRequirements, "claims">;

export interface SecretKeyRef {
  name: string;
  key?: string;
}

export interface StorageSpec {
  /** PVC size, a Kubernetes quantity such as `100Gi`. */
  size: string;
  storageClassName?: string;
}

export interface PlacementSpec {
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  /** Shorthand for a nodeSelector on `topology.kubernetes.io/zone`. */
  zone?: string;
}

export interface FaunaReplicaSpec {
  /** FaunaDB replica name; also part of the StatefulSet and Service names, so DNS-1123 label characters only. */
  name: string;
  type: ReplicaType;
  nodes: number;
  storage?: StorageSpec;
  /** CPU and memory (core/v1 ResourceRequirements without `claims`, which would need pod-level resourceClaims). */
  resources?: ResourceRequirements;
  placement?: PlacementSpec;
}

export interface JvmSpec {
  /** `MAX_HEAP_SIZE` for the launcher, e.g. `4G` or `4096M` (FACTS §6). Derived from the memory limit when absent. */
  maxHeapSize?: string;
  /** `MAX_DIRECT_SIZE` for the launcher. Derived from the memory limit when absent. */
  maxDirectSize?: string;
}

export interface ServiceSpec {
  type?: ServiceType;
  annotations?: Record<string, string>;
  port?: number;
  targets?: ServiceTargets;
}

export interface PeerEncryptionSpec {
  level?: PeerEncryptionLevel;
  /** Secret holding the PEM key shared by all nodes (FACTS §3.2); `key` defaults to `peer.pem`. */
  secretRef?: SecretKeyRef;
}

export interface TlsSpec {
  mode?: TlsMode;
  /**
   * Your own CA instead of one the operator makes: a Secret in the cluster's namespace with `tls.crt` (a CA
   * certificate) and `tls.key`, labelled `fauna-operator.io/tls-ca=true`. The operator issues the node certificates
   * and its own client certificate from it, and never changes it.
   */
  caSecretRef?: { name: string };
  /** With mode CertManager: the cert-manager issuer of every certificate (node and operator). */
  issuerRef?: IssuerRef;
}

export interface IssuerRef {
  name: string;
  /** `Issuer` (default, in the cluster's namespace) or `ClusterIssuer`; another group's kinds for external issuers. */
  kind?: string;
  /** Default `cert-manager.io`. */
  group?: string;
}

export interface PodDisruptionBudgetSpec {
  enabled?: boolean;
  maxUnavailable?: number;
  /** `Replica`: one PDB per replica. `Cluster`: one PDB over every node of the cluster (FACTS §7.2: safer for quorum). */
  scope?: PdbScope;
}

export interface UpdateStrategySpec {
  type?: UpdateStrategyType;
}

export interface PodMetadataSpec {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PersistentVolumeClaimRetentionSpec {
  /** What happens to the node PVCs when the FaunaCluster is deleted. Scale-down PVCs are always the operator's to delete. */
  whenDeleted?: PvcDeletePolicy;
}

export interface FaunaClusterSpec {
  image: string;
  imagePullPolicy?: PullPolicy;
  imagePullSecrets?: V1LocalObjectReference[];
  replicas: FaunaReplicaSpec[];
  /** Secret with the root key; generated as `<cluster>-root-key` when absent. `key` defaults to `root-key`. */
  rootKeySecretRef?: SecretKeyRef;
  /** FaunaDB `cluster_name`; defaults to metadata.name. Immutable (peers reject a mismatch, FACTS §3.2). */
  clusterName?: string;
  /** Extra faunadb.yml keys: only tunables FaunaDB knows and the operator does not manage (FACTS §3.1; faunaConfigKeys.ts). */
  config?: FaunaConfig;
  jvm?: JvmSpec;
  service?: ServiceSpec;
  peerEncryption?: PeerEncryptionSpec;
  /** TLS of the admin API (mutual) and the query API; on by default (issue 13). */
  tls?: TlsSpec;
  podDisruptionBudget?: PodDisruptionBudgetSpec;
  updateStrategy?: UpdateStrategySpec;
  persistentVolumeClaimRetention?: PersistentVolumeClaimRetentionSpec;
  /** Stop reconciling (objects and topology) while true. */
  paused?: boolean;
  /** Seconds to wait after nodes start or join before changing replication (FACTS §7.3). */
  settleSeconds?: number;
  podMetadata?: PodMetadataSpec;
}

// ---- status --------------------------------------------------------------------------------------------------

export const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** metav1.Condition as it travels on the wire (timestamps are RFC 3339 strings). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export const PHASES = ["Pending", "Creating", "Running", "Updating", "Degraded", "Paused", "Failed"] as const;
export type Phase = (typeof PHASES)[number];

export interface ReplicaStatus {
  name: string;
  type: ReplicaType;
  desired: number;
  /** Pods passing readiness. */
  ready: number;
  /** Nodes FaunaDB lists as members of this replica. */
  members?: number;
  /** Replica type as FaunaDB currently reports it (may lag `type` while a change is in flight). */
  currentType?: ReplicaType;
}

/** One node as FaunaDB sees it (FACTS §1.5 `/admin/status`), joined to its pod. */
export interface NodeStatus {
  pod: string;
  replica: string;
  hostId?: string;
  address?: string;
  status?: "up" | "down";
  /** `live`, `removed`, or `unknown` when the admin API could not be asked. */
  state?: string;
  ownership?: number;
  ownershipGoal?: number;
  logSegment?: string;
  leader?: boolean;
  workerId?: string;
}

/** A multi-pass topology operation in flight (init, join, update-replica, remove ...), so a restart can resume it. */
export interface TopologyOperationStatus {
  operation: string;
  replica?: string;
  node?: string;
  hostId?: string;
  step?: string;
  startedAt?: string;
  message?: string;
}

export interface FaunaClusterStatus {
  observedGeneration?: number;
  phase?: Phase;
  conditions?: Condition[];
  replicas?: ReplicaStatus[];
  replicaCount?: number;
  readyNodes?: number;
  desiredNodes?: number;
  nodes?: NodeStatus[];
  topology?: TopologyOperationStatus;
  /** Name of the Secret holding the root key actually in use (never the key itself). */
  rootKeySecretName?: string;
}

export interface FaunaCluster {
  apiVersion: typeof GROUP_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: FaunaClusterSpec;
  status?: FaunaClusterStatus;
}
