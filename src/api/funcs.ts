// Names, labels, selectors and owner references derived from a FaunaCluster. Every builder and the reconciler use
// these, so an object's name or selector is defined in exactly one place.
import type { V1OwnerReference } from "@kubernetes/client-node";
import { DEFAULTS } from "./defaults.ts";
import { API_GROUP, GROUP_VERSION, KIND, type FaunaCluster, type ReplicaType, type ServiceTargets } from "./types.ts";

export const FIELD_MANAGER = "fauna-operator";
export const LABEL_PREFIX = `${API_GROUP}/`;
export const CLUSTER_LABEL = `${LABEL_PREFIX}cluster`;
export const REPLICA_LABEL = `${LABEL_PREFIX}replica`;
/** On pods: lets the client Service select compute nodes. Changing a replica's type therefore rolls its pods. */
export const REPLICA_TYPE_LABEL = `${LABEL_PREFIX}replica-type`;
export const CONFIG_HASH_ANNOTATION = `${LABEL_PREFIX}config-hash`;
/** On a Secret named by spec.rootKeySecretRef: `"true"` lets the operator use it (it reads no Secret not marked so). */
export const ROOT_KEY_SECRET_LABEL = `${LABEL_PREFIX}root-key`;
/** On a Secret named by spec.tls.caSecretRef: `"true"` lets the operator issue certificates from that CA. */
export const TLS_CA_SECRET_LABEL = `${LABEL_PREFIX}tls-ca`;
/** `"true"` on a FaunaCluster confirms spec.persistentVolumeClaimRetention.whenDeleted: Delete (the data goes with it). */
export const CONFIRM_VOLUME_DELETION_ANNOTATION = `${LABEL_PREFIX}confirm-volume-deletion`;

/** Delete only when asked for AND confirmed by the annotation; anything else keeps the volumes (issue 10). */
export function volumesWhenDeleted(cluster: FaunaCluster): "Retain" | "Delete" {
  const asked = cluster.spec.persistentVolumeClaimRetention?.whenDeleted === "Delete";
  return asked && cluster.metadata.annotations?.[CONFIRM_VOLUME_DELETION_ANNOTATION] === "true" ? "Delete" : "Retain";
}
/** The label the operator's own pods carry; the NetworkPolicy admits only them to the admin port. */
export const OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "fauna-operator" } as const;

export const COMPONENTS = {
  replica: "replica",
  client: "client",
  config: "config",
  rootKey: "root-key",
  tls: "tls",
  networkPolicy: "network-policy",
  disruptionBudget: "disruption-budget",
} as const;
export type Component = (typeof COMPONENTS)[keyof typeof COMPONENTS];

/** FACTS §4 ports. */
export const PORTS = { peer: 7500, peerSecure: 7501, api: 8443, admin: 8444 } as const;

export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";


function clusterName(cluster: FaunaCluster): string {
  return cluster.metadata.name ?? "";
}

export function namespaceOf(cluster: FaunaCluster): string {
  return cluster.metadata.namespace ?? "default";
}

export function statefulSetName(cluster: FaunaCluster, replica: string): string {
  return `${clusterName(cluster)}-${replica}`;
}

/** The headless Service shares the StatefulSet's name (its `serviceName`). */
export function headlessServiceName(cluster: FaunaCluster, replica: string): string {
  return statefulSetName(cluster, replica);
}

export function podName(cluster: FaunaCluster, replica: string, ordinal: number): string {
  return `${statefulSetName(cluster, replica)}-${ordinal}`;
}

/** Stable DNS name of a node; it is the node's broadcast address (FACTS §3.3). */
export function podDnsName(cluster: FaunaCluster, replica: string, ordinal: number, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${podName(cluster, replica, ordinal)}.${headlessServiceName(cluster, replica)}.${namespaceOf(cluster)}.svc.${clusterDomain}`;
}

export const DATA_VOLUME = "data";

/** Name of a node's PVC as the StatefulSet controller creates it. */
export function pvcName(cluster: FaunaCluster, replica: string, ordinal: number): string {
  return `${DATA_VOLUME}-${podName(cluster, replica, ordinal)}`;
}

export function clientServiceName(cluster: FaunaCluster): string {
  return clusterName(cluster);
}

export function configMapName(cluster: FaunaCluster): string {
  return `${clusterName(cluster)}-config`;
}

export function generatedRootKeySecretName(cluster: FaunaCluster): string {
  return `${clusterName(cluster)}-root-key`;
}

/** The CA: `spec.tls.caSecretRef` (the user's), else `<name>-ca` (the operator's): `tls.crt`, `tls.key`. */
export function caSecretName(cluster: FaunaCluster): string {
  return cluster.spec.tls?.caSecretRef?.name ?? generatedCaSecretName(cluster);
}

export function generatedCaSecretName(cluster: FaunaCluster): string {
  return `${clusterName(cluster)}-ca`;
}

/** The CA's certificate alone (public), for clients of the query and admin APIs: key `ca.crt`. */
export function caConfigMapName(cluster: FaunaCluster): string {
  return `${clusterName(cluster)}-ca`;
}

/**
 * A replica's node certificate: `tls.crt`, `tls.key`, `ca.crt`, and `faunadb.pem` (key + chain, FaunaDB's key file).
 * Immutable, so a renewal is a new Secret and the StatefulSet's template naming it rolls the pods, which read the key
 * file only at start. `suffix`: lowercase hex, at most 10 characters (tls/material.ts nodeCertSuffix).
 */
export function tlsSecretName(cluster: FaunaCluster, replica: string, suffix: string): string {
  return `${statefulSetName(cluster, replica)}-tls-${suffix.slice(0, 10).toLowerCase()}`;
}

/** With tls.mode CertManager: a replica's Certificate and the Secret cert-manager keeps it in (renewed in place). */
export function issuedTlsName(cluster: FaunaCluster, replica: string): string {
  return `${statefulSetName(cluster, replica)}-tls`;
}

/** With tls.mode CertManager: the operator's client certificate for the admin API, and its Secret. */
export function adminClientCertName(cluster: FaunaCluster): string {
  return `${clusterName(cluster)}-admin-client`;
}

/** On a pod template (tls.mode CertManager): the digests of the certificate and CA its pods load, `<cert>.<ca>`. */
export const TLS_VERSION_ANNOTATION = `${LABEL_PREFIX}tls-version`;

export const TLS_KEYS = { caCert: "ca.crt", cert: "tls.crt", key: "tls.key", faunaKeyFile: "faunadb.pem" } as const;

/** TLS is on unless the spec turns it off (issue 13: on by default). */
export function tlsEnabled(cluster: FaunaCluster): boolean {
  return (cluster.spec.tls?.mode ?? DEFAULTS.tlsMode) !== "Disabled";
}

/** The name a client checks the nodes' certificate against when it reaches them through the client Service. */
export function tlsServerName(cluster: FaunaCluster): string {
  return `${clientServiceName(cluster)}.${namespaceOf(cluster)}.svc`;
}

export function podDisruptionBudgetName(cluster: FaunaCluster, replica?: string): string {
  return replica === undefined ? clusterName(cluster) : statefulSetName(cluster, replica);
}

export function networkPolicyName(cluster: FaunaCluster): string {
  return clusterName(cluster);
}

/** Labels that select every FaunaDB pod of the cluster. Never change them: StatefulSet selectors are immutable. */
export function clusterSelector(cluster: FaunaCluster): Record<string, string> {
  return {
    "app.kubernetes.io/name": "faunadb",
    "app.kubernetes.io/instance": clusterName(cluster),
    [CLUSTER_LABEL]: clusterName(cluster),
  };
}

export function replicaSelector(cluster: FaunaCluster, replica: string): Record<string, string> {
  return { ...clusterSelector(cluster), [REPLICA_LABEL]: replica };
}

/** The standard labels of an object the operator owns. */
export function labels(cluster: FaunaCluster, component: Component, replica?: string): Record<string, string> {
  return {
    ...clusterSelector(cluster),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "fauna-operator",
    "app.kubernetes.io/part-of": "fauna-operator",
    ...(replica === undefined ? {} : { [REPLICA_LABEL]: replica }),
  };
}

/** `data+log` is not a valid label value; label values are `data-log`, `data`, `compute`. */
export function replicaTypeLabelValue(type: ReplicaType): string {
  return type.replace("+", "-");
}

/** Labels of a FaunaDB pod (the StatefulSet's pod template). */
export function podLabels(cluster: FaunaCluster, replica: string, type: ReplicaType): Record<string, string> {
  return { ...labels(cluster, COMPONENTS.replica, replica), [REPLICA_TYPE_LABEL]: replicaTypeLabelValue(type) };
}

/** The controller owner reference every owned object carries, so deleting the FaunaCluster deletes them. */
export function ownerReference(cluster: FaunaCluster): V1OwnerReference {
  return {
    apiVersion: GROUP_VERSION,
    kind: KIND,
    name: clusterName(cluster),
    uid: cluster.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** What the client Service targets: `auto` is compute nodes when a compute replica exists, else all. */
export function effectiveServiceTargets(targets: ServiceTargets, replicaTypes: readonly ReplicaType[]): "all" | "compute" {
  if (targets === "auto") return replicaTypes.includes("compute") ? "compute" : "all";
  return targets;
}
