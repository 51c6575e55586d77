// One StatefulSet per FaunaDB replica. Parallel pod management: every node must be running before any can become a
// member, and 8443 (readiness) opens only after joining (FACTS §5), so OrderedReady would deadlock.
import type { V1Container, V1PodSpec, V1StatefulSet, V1TopologySpreadConstraint, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { resolveSpec, type ResolvedReplica, type ResolvedSpec } from "../../api/defaults.ts";
import { PATHS, terminationGracePeriodSeconds, type TemplateOptions } from "../../api/faunaConfig.ts";
import {
  volumesWhenDeleted,
  CONFIG_HASH_ANNOTATION,
  configMapName,
  COMPONENTS,
  DATA_VOLUME,
  headlessServiceName,
  labels,
  PORTS,
  podLabels,
  replicaSelector,
  statefulSetName,
  TLS_KEYS,
  TLS_VERSION_ANNOTATION,
} from "../../api/funcs.ts";
import { jvmSizes } from "../../api/jvm.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { configHash, templateKey } from "./configMap.ts";
import { ownedMeta } from "./meta.ts";
import { startScript } from "./startScript.ts";

export const CONTAINER_NAME = "faunadb";
/** Non-root IDs for the restricted Pod Security Standard; the image must tolerate an arbitrary UID. */
export const RUN_AS_USER = 65532;
const ZONE_LABEL = "topology.kubernetes.io/zone";

const VOLUMES = { template: "template", peerKey: "peer-key", tls: "tls", tlsIssued: "tls-issued", run: "run", logs: "logs", tmp: "tmp", podInfo: "podinfo" } as const;

/**
 * A replica's node certificate: `managed`, the operator's Secret holding FaunaDB's key file, mounted as is; `issued`,
 * cert-manager's Secret (`tls.key`, `tls.crt`, `ca.crt`), mounted beside a memory volume the start script writes the
 * key file into (FaunaDB reads key and chain from one file).
 */
type PodTls = { kind: "managed" | "issued"; secret: string };

function findReplica(spec: ResolvedSpec, name: string): ResolvedReplica {
  const replica = spec.replicas.find((r) => r.name === name);
  if (!replica) throw new Error(`buildStatefulSet: replica ${JSON.stringify(name)} is not in the FaunaCluster spec`);
  return replica;
}

/** A pod speaks TLS when its template mounts a node certificate (the start script then renders the TLS keys). */
export function podHasTls(pod: { spec?: { volumes?: V1Volume[] } } | undefined): boolean {
  return pod?.spec?.volumes?.some((v) => (v.name === VOLUMES.tls || v.name === VOLUMES.tlsIssued) && v.secret !== undefined) ?? false;
}

/** The node certificate Secret a StatefulSet's pods mount, if any. */
export function mountedTlsSecret(sts: V1StatefulSet): string | undefined {
  return sts.spec?.template.spec?.volumes?.find((v) => v.name === VOLUMES.tls)?.secret?.secretName;
}

function tlsVolumes(tls: PodTls | undefined): V1Volume[] {
  if (!tls) return [];
  if (tls.kind === "managed")
    return [{ name: VOLUMES.tls, secret: { secretName: tls.secret, items: [{ key: TLS_KEYS.faunaKeyFile, path: "faunadb.pem" }, { key: TLS_KEYS.caCert, path: "ca.crt" }], defaultMode: 0o400 } }];
  const items = [TLS_KEYS.key, TLS_KEYS.cert, TLS_KEYS.caCert].map((k) => ({ key: k, path: k }));
  return [
    { name: VOLUMES.tlsIssued, secret: { secretName: tls.secret, items, defaultMode: 0o400 } },
    { name: VOLUMES.tls, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
  ];
}

function volumes(cluster: FaunaCluster, spec: ResolvedSpec, replica: ResolvedReplica, tls: PodTls | undefined): V1Volume[] {
  const peer = spec.peerEncryption.level !== "none" ? spec.peerEncryption.secretRef : undefined;
  return [
    {
      name: VOLUMES.template,
      configMap: { name: configMapName(cluster), items: [{ key: templateKey(replica.name), path: "faunadb.yml" }] },
    },
    ...(peer ? [{ name: VOLUMES.peerKey, secret: { secretName: peer.name, items: [{ key: peer.key, path: "peer.pem" }], defaultMode: 0o400 } }] : []),
    ...tlsVolumes(tls),
    { name: VOLUMES.run, emptyDir: {} },
    { name: VOLUMES.logs, emptyDir: {} },
    { name: VOLUMES.tmp, emptyDir: {} },
    // The pod's labels and annotations as files, updated by kubelet while the pod runs: what runs in the container
    // can follow its own pod's metadata without API access (the pod has no service account token).
    {
      name: VOLUMES.podInfo,
      downwardAPI: {
        items: [
          { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
          { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
        ],
      },
    },
  ];
}

function volumeMounts(spec: ResolvedSpec, tls: PodTls | undefined): V1VolumeMount[] {
  return [
    { name: DATA_VOLUME, mountPath: PATHS.data },
    { name: VOLUMES.template, mountPath: PATHS.templateDir, readOnly: true },
    ...(spec.peerEncryption.level !== "none" && spec.peerEncryption.secretRef
      ? [{ name: VOLUMES.peerKey, mountPath: PATHS.peerKeyDir, readOnly: true }]
      : []),
    ...(tls ? [{ name: VOLUMES.tls, mountPath: PATHS.tlsDir, readOnly: tls.kind === "managed" }] : []),
    ...(tls?.kind === "issued" ? [{ name: VOLUMES.tlsIssued, mountPath: PATHS.tlsIssuedDir, readOnly: true }] : []),
    { name: VOLUMES.run, mountPath: PATHS.run },
    { name: VOLUMES.logs, mountPath: PATHS.logs },
    { name: VOLUMES.tmp, mountPath: PATHS.tmp },
    { name: VOLUMES.podInfo, mountPath: PATHS.podInfoDir, readOnly: true },
  ];
}

function container(spec: ResolvedSpec, replica: ResolvedReplica, tls: PodTls | undefined): V1Container {
  const jvm = jvmSizes(spec.jvm, replica.resources);
  return {
    name: CONTAINER_NAME,
    image: spec.image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    command: ["/bin/sh", "-c", startScript()],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "FAUNADB_CONFIG", value: PATHS.config },
      // FACTS §6: the launcher runs under `set -u` and reads JAVA_OPTS without a default.
      { name: "JAVA_OPTS", value: "" },
      { name: "MAX_HEAP_SIZE", value: jvm.maxHeapSize },
      { name: "MAX_DIRECT_SIZE", value: jvm.maxDirectSize },
      { name: "GC_LOG_PATH", value: PATHS.logs },
    ],
    ports: [
      { name: "peer", containerPort: PORTS.peer, protocol: "TCP" },
      { name: "peer-tls", containerPort: PORTS.peerSecure, protocol: "TCP" },
      { name: "api", containerPort: PORTS.api, protocol: "TCP" },
      { name: "admin", containerPort: PORTS.admin, protocol: "TCP" },
    ],
    // FACTS §5: /ping?scope=node answers once the node is a running member; it also drains the LB during shutdown.
    readinessProbe: {
      // With TLS the query API speaks only TLS; the kubelet does not verify the certificate of an HTTPS probe.
      httpGet: { path: "/ping?scope=node", port: "api", scheme: tls ? "HTTPS" : "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    },
    // No liveness or startup probe, on purpose: no port is open through every healthy phase. A fresh node has 8444
    // open and 7500 closed; a member that restarts has 7500 open and keeps 8444 (and 8443) closed until its peers are
    // reachable, which may take as long as a whole replica is down (FACTS Corrections 3, FaunaApp.start). A probe on
    // either would restart a healthy node in a loop. A crashed JVM exits and the kubelet restarts it.
    ...(replica.resources ? { resources: structuredClone(replica.resources) } : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: volumeMounts(spec, tls),
  };
}

function spreadConstraints(cluster: FaunaCluster, replica: ResolvedReplica): V1TopologySpreadConstraint[] | undefined {
  const list = replica.placement?.topologySpreadConstraints;
  if (!list || list.length === 0) return undefined;
  return list.map((c) => ({ ...structuredClone(c), labelSelector: c.labelSelector ?? { matchLabels: replicaSelector(cluster, replica.name) } }));
}

function podSpec(cluster: FaunaCluster, spec: ResolvedSpec, replica: ResolvedReplica, tls: PodTls | undefined): V1PodSpec {
  const p = replica.placement;
  const nodeSelector = { ...p?.nodeSelector, ...(p?.zone ? { [ZONE_LABEL]: p.zone } : {}) };
  const spread = spreadConstraints(cluster, replica);
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: terminationGracePeriodSeconds(spec),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      fsGroup: RUN_AS_USER,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...(spec.imagePullSecrets?.length ? { imagePullSecrets: spec.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(p?.affinity ? { affinity: structuredClone(p.affinity) } : {}),
    ...(p?.tolerations?.length ? { tolerations: structuredClone(p.tolerations) } : {}),
    ...(spread ? { topologySpreadConstraints: spread } : {}),
    containers: [container(spec, replica, tls)],
    volumes: volumes(cluster, spec, replica, tls),
  };
}

export function buildStatefulSet(cluster: FaunaCluster, replicaName: string, options: TemplateOptions = {}): V1StatefulSet {
  const spec = resolveSpec(cluster);
  const replica = findReplica(spec, replicaName);
  const secret = options.tlsSecrets?.[replica.name];
  const mode = spec.tls.mode;
  const tls: PodTls | undefined = secret && mode !== "Disabled" ? { kind: mode === "CertManager" ? "issued" : "managed", secret } : undefined;
  const tlsVersion = options.tlsVersions?.[replica.name];
  const podMeta = spec.podMetadata;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: ownedMeta(cluster, statefulSetName(cluster, replica.name), COMPONENTS.replica, replica.name),
    spec: {
      serviceName: headlessServiceName(cluster, replica.name),
      replicas: replica.nodes,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: replicaSelector(cluster, replica.name) },
      updateStrategy: spec.updateStrategy.type === "OnDelete" ? { type: "OnDelete" } : { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      // Scale-down PVCs are deleted by the operator only after FaunaDB has removed the node (FACTS §7.5).
      persistentVolumeClaimRetentionPolicy: { whenDeleted: volumesWhenDeleted(cluster), whenScaled: "Retain" },
      template: {
        metadata: {
          // Ours win over podMetadata: selectors and the client Service depend on them.
          labels: { ...podMeta?.labels, ...podLabels(cluster, replica.name, replica.type) },
          annotations: {
            ...podMeta?.annotations,
            [CONFIG_HASH_ANNOTATION]: configHash(cluster, replica, options),
            ...(tls?.kind === "issued" && tlsVersion ? { [TLS_VERSION_ANNOTATION]: tlsVersion } : {}),
          },
        },
        spec: podSpec(cluster, spec, replica, tls),
      },
      volumeClaimTemplates: [
        {
          metadata: { name: DATA_VOLUME, labels: labels(cluster, COMPONENTS.replica, replica.name) },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(replica.storage.storageClassName ? { storageClassName: replica.storage.storageClassName } : {}),
            resources: { requests: { storage: replica.storage.size } },
          },
        },
      ],
    },
  };
}
