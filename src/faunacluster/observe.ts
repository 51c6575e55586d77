// Observe once (STYLE idiom 3): one read of everything a pass needs: the FaunaCluster, the objects it owns, its pods
// and volumes, and each node's own admin view gathered in parallel with per-node errors (idiom 9). Steps never read
// the API server or FaunaDB themselves; they only act.
import type {
  V1ConfigMap,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { CLUSTER_LABEL, REPLICA_LABEL } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import type { FaunaAdmin } from "../fauna/client.ts";
import type { MemberStatus } from "../fauna/statusParse.ts";
import type { ReplicaSpec } from "../fauna/wire.ts";
import type { KubeClient, KubernetesObject } from "../kube/client.ts";
import { Resources } from "../kube/resource.ts";

/** What one pod's own admin API said; `error` explains `unreachable`. */
export type NodeAnswer =
  | { pod: string; kind: "unreachable"; error: string }
  | { pod: string; kind: "not-member" }
  | { pod: string; kind: "member"; hostId: string | null; members: MemberStatus[]; needsCleanup: boolean | undefined };

export interface FaunaView {
  members: MemberStatus[] | null;
  replication: { replicas: ReplicaSpec[]; etag: string | null } | null;
  movementIdle: boolean | null;
  /** The pod whose view this is. */
  source: string | null;
}

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

/** Where the operator reaches a pod's admin API: its stable DNS name by default, the pod IP in some tests. */
export type AdminAddressResolver = (pod: { name: string; dnsName: string; podIP: string | undefined }) => string | undefined;
export const byDnsName: AdminAddressResolver = (p) => p.dnsName;
export const byPodIp: AdminAddressResolver = (p) => p.podIP;

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

export function replicaOf(obj: { metadata?: { labels?: Record<string, string> } }): string | undefined {
  return obj.metadata?.labels?.[REPLICA_LABEL];
}

export function isPodRunning(pod: V1Pod): boolean {
  return pod.status?.phase === "Running" && !pod.metadata?.deletionTimestamp && !!pod.status?.podIP;
}

export function isPodReady(pod: V1Pod): boolean {
  return !!pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * Asks every running pod for its own view, in parallel. A pod that does not answer is `unreachable` with the error;
 * nothing here throws. `needsCleanup` is asked only when `withCleanup` (scale-down needs it; unknown = needs cleanup).
 */
export async function observeNodes(
  admin: FaunaAdmin,
  targets: { pod: string; node: string | undefined; address: string }[],
  withCleanup: boolean,
): Promise<NodeAnswer[]> {
  return Promise.all(
    targets.map(async ({ pod, node, address }): Promise<NodeAnswer> => {
      if (node === undefined) return { pod, kind: "unreachable", error: "the pod is not running" };
      try {
        const status = await admin.status(node);
        if (!status.member) return { pod, kind: "not-member" };
        const self = status.cluster.members.find((m) => m.address === address);
        let needsCleanup: boolean | undefined;
        if (withCleanup) needsCleanup = await admin.needsCleanup(node).catch(() => undefined);
        return { pod, kind: "member", hostId: self?.hostId ?? null, members: status.cluster.members, needsCleanup };
      } catch (err) {
        return { pod, kind: "unreachable", error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/** The cluster-wide view (members, replication, movement) from the first member that answers all three. */
export async function observeFauna(admin: FaunaAdmin, candidates: { pod: string; node: string }[]): Promise<FaunaView> {
  for (const { pod, node } of candidates) {
    try {
      const [status, replication, movement] = await Promise.all([
        admin.status(node),
        admin.getReplication(node),
        admin.movementStatus(node),
      ]);
      if (!status.member) continue;
      return { members: status.cluster.members, replication, movementIdle: movement.idle, source: pod };
    } catch {
      // try the next member
    }
  }
  return { members: null, replication: null, movementIdle: null, source: null };
}
