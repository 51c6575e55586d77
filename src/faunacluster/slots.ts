// The ordinals a cluster has in Kubernetes: every (replica, ordinal) with a pod or a PVC, and the pod facts the
// rest of the operator reads (pure).
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { DATA_VOLUME, REPLICA_LABEL, podDnsName, statefulSetName } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";

export interface Slot {
  replica: string;
  ordinal: number;
  name: string;
  dnsName: string;
  pod: V1Pod | undefined;
  pvc: V1PersistentVolumeClaim | undefined;
}

interface Lists {
  cluster: FaunaCluster;
  statefulSets: { metadata?: { labels?: Record<string, string> } }[];
  pods: V1Pod[];
  pvcs: V1PersistentVolumeClaim[];
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

/** Replicas in the spec, then replicas that only still have a StatefulSet. */
export function replicaNames(o: Lists): string[] {
  const names = o.cluster.spec.replicas.map((r) => r.name);
  for (const sts of o.statefulSets) {
    const r = replicaOf(sts);
    if (r !== undefined && !names.includes(r)) names.push(r);
  }
  return names;
}

function ordinalOf(name: string | undefined, prefix: string): number | undefined {
  if (!name?.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

/** Every (replica, ordinal) with a pod or a PVC, in replica then ordinal order. */
export function slots(o: Lists, clusterDomain?: string): Slot[] {
  const out: Slot[] = [];
  for (const replica of replicaNames(o)) {
    const base = `${statefulSetName(o.cluster, replica)}-`;
    const ordinals = new Set<number>();
    for (const p of o.pods) if (replicaOf(p) === replica) ordinals.add(ordinalOf(p.metadata?.name, base) ?? -1);
    for (const c of o.pvcs) ordinals.add(ordinalOf(c.metadata?.name, `${DATA_VOLUME}-${base}`) ?? -1);
    ordinals.delete(-1);
    for (const ordinal of [...ordinals].sort((a, b) => a - b)) {
      const name = `${base}${ordinal}`;
      out.push({
        replica,
        ordinal,
        name,
        dnsName: podDnsName(o.cluster, replica, ordinal, clusterDomain),
        pod: o.pods.find((p) => p.metadata?.name === name),
        pvc: o.pvcs.find((c) => c.metadata?.name === `${DATA_VOLUME}-${name}`),
      });
    }
  }
  return out;
}
