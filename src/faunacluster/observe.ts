// Observe once (STYLE idiom 3, issue 10): the pass starts by building one read-only Observation — the FaunaCluster,
// the objects it owns, its pods and volumes, the root key, every node's own admin answers and the merged FaunaDB
// view with its provenance. Steps and the planner only read it; nothing after this file reads the API server or
// FaunaDB for the pass.
import type {
  V1ConfigMap,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { resolveSpec } from "../api/defaults.ts";
import { adminClientCertName, caSecretName, CLUSTER_LABEL, generatedRootKeySecretName, issuedTlsName, tlsEnabled } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import type { Clock } from "../controller/clock.ts";
import type { FaunaAdmin } from "../fauna/client.ts";
import type { AdminTls, AdminTlsFor } from "../fauna/transport.ts";
import { mountedTlsSecret, podHasTls } from "./build/statefulSet.ts";
import { CERTIFICATES, checkIssuedSecret, type Certificate } from "./tls/certManager.ts";
import { checkCa, type CaCheck } from "./tls/material.ts";
import type { KeyPair } from "./tls/pki.ts";
import type { KubeClient, KubernetesObject } from "../kube/client.ts";
import { Resources } from "../kube/resource.ts";
import { mergeViews, NO_VIEW, type FaunaObservation, type MemberView } from "./faunaView.ts";
import { adminKeyFor, rootKeyFrom } from "./rootKey.ts";
import { isPodRunning, replicaOf, slots, type Slot } from "./slots.ts";

/** What one pod's own admin API said; `error` explains `unreachable`. */
export type NodeAnswer =
  | { pod: string; kind: "unreachable"; error: string }
  | { pod: string; kind: "not-member" }
  | { pod: string; kind: "member"; hostId: string; needsCleanup: boolean | undefined; view: MemberView };

export interface Observed {
  cluster: FaunaCluster;
  statefulSets: V1StatefulSet[];
  pods: V1Pod[];
  pvcs: V1PersistentVolumeClaim[];
  services: V1Service[];
  configMaps: V1ConfigMap[];
  pdbs: V1PodDisruptionBudget[];
  networkPolicies: KubernetesObject[];
}

export type RootKeyObservation =
  | { kind: "usable"; secretName: string; key: string }
  /** `generate`: no rootKeySecretRef, so the operator creates `<cluster>-root-key`. */
  | { kind: "absent"; secretName: string; secretKey: string; generate: boolean }
  | { kind: "unusable"; secretName: string; problem: string };

/**
 * TLS as stored (issue 13): the CA, and per replica the node certificate Secret its StatefulSet's template mounts
 * (undefined: none mounted, or the Secret is gone).
 */
export type TlsObservation =
  | { kind: "off" }
  | { kind: "on"; ca: CaCheck; nodeSecrets: Readonly<Record<string, V1Secret | undefined>> }
  /** tls.mode CertManager: by name, each Certificate the cluster needs (replicas', the operator's) and its Secret. */
  | { kind: "certManager"; certificates: Readonly<Record<string, Certificate | undefined>>; secrets: Readonly<Record<string, V1Secret | undefined>> };

export interface Observation {
  readonly cluster: FaunaCluster;
  readonly tls: TlsObservation;
  readonly kube: Readonly<Observed>;
  readonly rootKey: RootKeyObservation;
  /** Every (replica, ordinal) with a pod or a PVC. */
  readonly slots: readonly Slot[];
  /** One answer per slot, in slot order. */
  readonly nodes: readonly NodeAnswer[];
  readonly fauna: FaunaObservation;
  /** The admin client built from the observed root key (absent without a usable key). */
  readonly admin: FaunaAdmin | undefined;
}

/** Where the operator reaches a pod's admin API: its stable DNS name by default, the pod IP in some tests. */
export type AdminAddressResolver = (pod: { name: string; dnsName: string; podIP: string | undefined }) => string | undefined;
export const byDnsName: AdminAddressResolver = (p) => p.dnsName;
export const byPodIp: AdminAddressResolver = (p) => p.podIP;

export interface ObserveDeps {
  client: KubeClient;
  makeAdmin: (rootKey: string, signal: AbortSignal, tls?: AdminTlsFor) => FaunaAdmin;
  adminAddress: AdminAddressResolver;
  clusterDomain?: string | undefined;
  /** The operator's client certificate for a cluster's CA (absent: TLS pods cannot be reached). */
  operatorTls?: ((ca: KeyPair) => Promise<AdminTls>) | undefined;
  clock?: Clock | undefined;
}

export async function observe(deps: ObserveDeps, cluster: FaunaCluster, signal: AbortSignal): Promise<Observation> {
  const [kube, rootKey] = await Promise.all([observeKube(deps.client, cluster, signal), observeRootKey(deps.client, cluster, signal)]);
  const tls = await observeTls(deps.client, cluster, kube.statefulSets, deps.clock?.now() ?? Date.now(), signal);
  const all = slots(kube, deps.clusterDomain);
  if (rootKey.kind !== "usable") {
    const nodes = all.map((s): NodeAnswer => ({ pod: s.name, kind: "unreachable", error: "the root key is not usable" }));
    return { cluster, tls, kube, rootKey, slots: all, nodes, fauna: NO_VIEW, admin: undefined };
  }
  const targets = all.map((s) => ({ pod: s.name, node: adminNode(deps, s), tls: podHasTls(s.pod) }));
  // Each pod as its own template says: during a roll that turns TLS on, some pods speak it and some not yet.
  const operatorTls =
    tls.kind === "on" && tls.ca.kind === "usable" && deps.operatorTls ? await deps.operatorTls(tls.ca.ca) : tls.kind === "certManager" ? issuedOperatorTls(cluster, tls, deps.clock?.now() ?? Date.now()) : undefined;
  const tlsNodes = new Set(targets.flatMap((t) => (t.tls && t.node !== undefined ? [t.node] : [])));
  const tlsFor = (node: string) => (tlsNodes.has(node) ? operatorTls : undefined);
  // During a root-key rotation, the key every pod accepted until the new one reaches them all (rootKey.ts).
  const admin = deps.makeAdmin(adminKeyFor(cluster, rootKey.key), signal, tlsFor);
  const nodes = await observeNodes(admin, targets);
  const views = nodes.flatMap((n) => (n.kind === "member" ? [n.view] : []));
  return { cluster, tls, kube, rootKey, slots: all, nodes, fauna: mergeViews(views), admin };
}

/** The admin address of a slot's pod, or undefined when its pod is not running. */
export function adminNode(deps: Pick<ObserveDeps, "adminAddress">, s: Slot): string | undefined {
  return s.pod && isPodRunning(s.pod) ? deps.adminAddress({ name: s.name, dnsName: s.dnsName, podIP: s.pod.status?.podIP }) : undefined;
}

export async function observeKube(client: KubeClient, cluster: FaunaCluster, signal?: AbortSignal): Promise<Observed> {
  const namespace = cluster.metadata.namespace;
  const labelSelector = `${CLUSTER_LABEL}=${cluster.metadata.name ?? ""}`;
  const owned = { namespace, labelSelector, signal };
  const [statefulSets, pods, pvcs, services, configMaps, pdbs, networkPolicies] = await Promise.all([
    client.list<V1StatefulSet>(Resources.statefulSets, owned),
    client.list<V1Pod>(Resources.pods, owned),
    client.list<V1PersistentVolumeClaim>(Resources.persistentVolumeClaims, owned),
    client.list<V1Service>(Resources.services, owned),
    client.list<V1ConfigMap>(Resources.configMaps, owned),
    client.list<V1PodDisruptionBudget>(Resources.podDisruptionBudgets, owned),
    client.list<KubernetesObject>(Resources.networkPolicies, owned),
  ]);
  const mine = <T extends { metadata?: { ownerReferences?: { uid?: string }[] } }>(items: T[]) =>
    items.filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === cluster.metadata.uid));
  return {
    cluster,
    statefulSets: mine(statefulSets.items),
    pods: pods.items,
    pvcs: pvcs.items,
    services: mine(services.items),
    configMaps: mine(configMaps.items),
    pdbs: mine(pdbs.items),
    networkPolicies: mine(networkPolicies.items),
  };
}

/** The root key named by the spec (or the generated Secret). Problems name the Secret, never its content. */
export async function observeRootKey(client: KubeClient, cluster: FaunaCluster, signal?: AbortSignal): Promise<RootKeyObservation> {
  const spec = resolveSpec(cluster);
  const ref = spec.rootKeySecretRef ?? { name: generatedRootKeySecretName(cluster), key: "root-key" };
  const secretKey = ref.key ?? "root-key";
  const secret = await client.find<V1Secret>(Resources.secrets, { namespace: cluster.metadata.namespace, name: ref.name }, { signal });
  return rootKeyFrom(cluster, { name: ref.name, key: secretKey }, secret, !spec.rootKeySecretRef);
}

/** The CA Secret, and the node certificate Secret each StatefulSet mounts (read by name: the operator cannot list Secrets). */
export async function observeTls(client: KubeClient, cluster: FaunaCluster, statefulSets: readonly V1StatefulSet[], now: number, signal?: AbortSignal): Promise<TlsObservation> {
  if (!tlsEnabled(cluster)) return { kind: "off" };
  const namespace = cluster.metadata.namespace;
  const get = (name: string) => client.find<V1Secret>(Resources.secrets, { namespace, name }, { signal });
  const spec = resolveSpec(cluster);
  if (spec.tls.mode === "CertManager") {
    const names = [...spec.replicas.map((r) => issuedTlsName(cluster, r.name)), adminClientCertName(cluster)];
    const [certificates, secrets] = await Promise.all([
      Promise.all(names.map((name) => client.find<Certificate>(CERTIFICATES, { namespace, name }, { signal }))),
      Promise.all(names.map(get)),
    ]);
    return { kind: "certManager", certificates: Object.fromEntries(names.map((n, i) => [n, certificates[i]])), secrets: Object.fromEntries(names.map((n, i) => [n, secrets[i]])) };
  }
  const mounted = statefulSets.flatMap((s) => {
    const replica = replicaOf(s);
    const secret = mountedTlsSecret(s);
    return replica !== undefined && secret !== undefined ? [{ replica, secret }] : [];
  });
  const [caSecret, ...nodes] = await Promise.all([get(caSecretName(cluster)), ...mounted.map((m) => get(m.secret))]);
  return {
    kind: "on",
    ca: checkCa(cluster, caSecret, now),
    nodeSecrets: Object.fromEntries(mounted.map((m, i) => [m.replica, nodes[i]])),
  };
}

/** The operator's client certificate as cert-manager issued it (undefined until it has). */
function issuedOperatorTls(cluster: FaunaCluster, tls: Extract<TlsObservation, { kind: "certManager" }>, now: number): AdminTls | undefined {
  const name = adminClientCertName(cluster);
  const check = checkIssuedSecret(name, tls.secrets[name], now);
  return check.kind === "ready" ? { ca: check.ca, cert: check.cert, key: check.key } : undefined;
}

/**
 * Asks every running pod, in parallel, who it is (GET /admin/identity: a fresh node answers 500, read as "not a
 * member", FACTS Corrections 1) and, for members, its view of the cluster. A pod that does not answer is
 * `unreachable` with the error — a restarted member keeps its admin port closed until its peers are reachable
 * (Corrections 3), so unreachable never means "gone". Nothing here throws.
 */
export async function observeNodes(admin: FaunaAdmin, targets: { pod: string; node: string | undefined }[]): Promise<NodeAnswer[]> {
  return Promise.all(
    targets.map(async ({ pod, node }): Promise<NodeAnswer> => {
      if (node === undefined) return { pod, kind: "unreachable", error: "the pod is not running" };
      let hostId: string | null;
      try {
        hostId = await admin.identity(node);
      } catch (err) {
        return { pod, kind: "unreachable", error: messageOf(err) };
      }
      if (hostId === null) return { pod, kind: "not-member" };
      const [status, replication, movement, needsCleanup] = await Promise.all([
        admin.status(node).catch(() => null),
        admin.getReplication(node).catch(() => null),
        admin.movementStatus(node).catch(() => null),
        admin.needsCleanup(node).catch(() => undefined),
      ]);
      const view: MemberView = {
        pod,
        hostId,
        members: status?.member ? status.cluster.members : null,
        replication,
        movementIdle: movement === null ? null : movement.idle,
      };
      return { pod, kind: "member", hostId, needsCleanup, view };
    }),
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
