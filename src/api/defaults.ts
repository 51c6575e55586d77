// Spec defaults. schema.ts publishes the same values as OpenAPI defaults (the apiserver fills them in);
// resolveSpec gives the operator a fully defaulted, typed view even of objects that skipped the apiserver.
import type {
  FaunaCluster,
  FaunaClusterSpec,
  FaunaReplicaSpec,
  PdbScope,
  PeerEncryptionLevel,
  PvcDeletePolicy,
  ServiceTargets,
  ServiceType,
  IssuerRef,
  TlsMode,
  StorageSpec,
  UpdateStrategyType,
} from "./types.ts";

export const DEFAULTS = {
  storageSize: "10Gi",
  rootKeySecretKey: "root-key",
  peerKeySecretKey: "peer.pem",
  serviceType: "ClusterIP",
  servicePort: 8443,
  serviceTargets: "auto",
  tlsMode: "Managed",
  pdbEnabled: true,
  pdbMaxUnavailable: 1,
  pdbScope: "Replica",
  updateStrategy: "RollingUpdate",
  pvcWhenDeleted: "Retain",
  paused: false,
  /** FACTS §7.3: replication changes right after start or join can wedge a log segment; the tests wait 30 s. */
  settleSeconds: 30,
} as const;

export interface ResolvedSecretRef {
  name: string;
  key: string;
}

export type ResolvedReplica = FaunaReplicaSpec & { storage: StorageSpec };

export interface ResolvedSpec extends FaunaClusterSpec {
  replicas: ResolvedReplica[];
  clusterName: string;
  rootKeySecretRef?: ResolvedSecretRef;
  service: { type: ServiceType; port: number; targets: ServiceTargets; annotations?: Record<string, string> };
  peerEncryption: { level: PeerEncryptionLevel; secretRef?: ResolvedSecretRef };
  tls: { mode: TlsMode; issuerRef?: Required<IssuerRef> };
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number; scope: PdbScope };
  updateStrategy: { type: UpdateStrategyType };
  persistentVolumeClaimRetention: { whenDeleted: PvcDeletePolicy };
  paused: boolean;
  settleSeconds: number;
}

export function resolveReplica(r: FaunaReplicaSpec): ResolvedReplica {
  return { ...r, storage: r.storage ?? { size: DEFAULTS.storageSize } };
}

/**
 * The peer bus's level: as set, else `all` with tls.mode Managed (the cluster's node certificates encrypt it) and
 * `none` with Disabled. Clusters created before this default store `level: none` (the CRD defaulted it then), so
 * their level does not change.
 */
export function peerEncryptionLevelOf(spec: Pick<FaunaClusterSpec, "peerEncryption" | "tls">): PeerEncryptionLevel {
  return spec.peerEncryption?.level ?? ((spec.tls?.mode ?? DEFAULTS.tlsMode) === "Disabled" ? "none" : "all");
}

/** Whether the peer bus is encrypted with the cluster's own node certificates (no shared key named). */
export function peerUsesNodeCertificates(spec: ResolvedSpec): boolean {
  return spec.peerEncryption.level !== "none" && spec.peerEncryption.secretRef === undefined;
}

/** The spec with every default applied. Pure; does not modify its argument. */
export function resolveSpec(cluster: FaunaCluster): ResolvedSpec {
  const { rootKeySecretRef: _rootRef, ...s } = cluster.spec;
  const secretRef = (ref: { name: string; key?: string } | undefined, key: string) =>
    ref ? { name: ref.name, key: ref.key ?? key } : undefined;
  const rootKeySecretRef = secretRef(cluster.spec.rootKeySecretRef, DEFAULTS.rootKeySecretKey);
  const peerSecretRef = secretRef(s.peerEncryption?.secretRef, DEFAULTS.peerKeySecretKey);
  return {
    ...s,
    replicas: (s.replicas ?? []).map(resolveReplica),
    clusterName: s.clusterName ?? cluster.metadata.name ?? "",
    ...(rootKeySecretRef ? { rootKeySecretRef } : {}),
    service: {
      ...s.service,
      type: s.service?.type ?? DEFAULTS.serviceType,
      port: s.service?.port ?? DEFAULTS.servicePort,
      targets: s.service?.targets ?? DEFAULTS.serviceTargets,
    },
    peerEncryption: {
      level: peerEncryptionLevelOf(s),
      ...(peerSecretRef ? { secretRef: peerSecretRef } : {}),
    },
    tls: {
      mode: s.tls?.mode ?? DEFAULTS.tlsMode,
      ...(s.tls?.issuerRef ? { issuerRef: { name: s.tls.issuerRef.name, kind: s.tls.issuerRef.kind ?? "Issuer", group: s.tls.issuerRef.group ?? "cert-manager.io" } } : {}),
    },
    podDisruptionBudget: {
      enabled: s.podDisruptionBudget?.enabled ?? DEFAULTS.pdbEnabled,
      maxUnavailable: s.podDisruptionBudget?.maxUnavailable ?? DEFAULTS.pdbMaxUnavailable,
      scope: s.podDisruptionBudget?.scope ?? DEFAULTS.pdbScope,
    },
    updateStrategy: { type: s.updateStrategy?.type ?? DEFAULTS.updateStrategy },
    persistentVolumeClaimRetention: { whenDeleted: s.persistentVolumeClaimRetention?.whenDeleted ?? DEFAULTS.pvcWhenDeleted },
    paused: s.paused ?? DEFAULTS.paused,
    settleSeconds: s.settleSeconds ?? DEFAULTS.settleSeconds,
  };
}
