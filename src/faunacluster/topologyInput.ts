// Builds the planner's input from one observation (pure): every ordinal that has a pod or a PVC, each with its own
// admin answer; StatefulSet sizes by replica; the cluster-wide FaunaDB view; the remembered plan state.
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { resolveSpec } from "../api/defaults.ts";
import { DATA_VOLUME, PORTS, podDnsName, statefulSetName } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import { timeOf } from "../kube/client.ts";
import { isPodReady, replicaOf, type FaunaView, type NodeAnswer, type Observed } from "./observe.ts";
import type { DesiredTopology, KubeObservation, PlanState, PodAdmin, PodObservation } from "./plan/types.ts";

export interface Slot {
  replica: string;
  ordinal: number;
  name: string;
  dnsName: string;
  pod: V1Pod | undefined;
  pvc: V1PersistentVolumeClaim | undefined;
}

/** Replicas in the spec, then replicas that only still have a StatefulSet. */
export function replicaNames(o: Observed): string[] {
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
export function slots(o: Observed, clusterDomain?: string): Slot[] {
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

function adminOf(answer: NodeAnswer | undefined): PodAdmin {
  if (!answer || answer.kind === "unreachable") return { kind: "unreachable" };
  if (answer.kind === "not-member") return { kind: "not-member" };
  if (answer.hostId === null) return { kind: "unreachable" };
  return { kind: "member", hostId: answer.hostId, needsCleanup: answer.needsCleanup };
}

export function podObservations(all: Slot[], answers: NodeAnswer[]): PodObservation[] {
  return all.map((s) => ({
    name: s.name,
    replica: s.replica,
    ordinal: s.ordinal,
    exists: s.pod !== undefined,
    phase: s.pod?.status?.phase,
    ready: s.pod ? isPodReady(s.pod) : false,
    deletionTimestamp: timeOf(s.pod?.metadata?.deletionTimestamp),
    podIP: s.pod?.status?.podIP,
    address: s.dnsName,
    pvc: { exists: s.pvc !== undefined, bound: s.pvc?.status?.phase === "Bound" },
    createdAt: timeOf(s.pod?.metadata?.creationTimestamp),
    admin: adminOf(answers.find((a) => a.pod === s.name)),
  }));
}

export function kubeObservation(o: Observed, all: Slot[], answers: NodeAnswer[]): KubeObservation {
  const statefulSets: Record<string, number> = {};
  for (const sts of o.statefulSets) {
    const r = replicaOf(sts);
    if (r !== undefined) statefulSets[r] = sts.spec?.replicas ?? 0;
  }
  return { pods: podObservations(all, answers), statefulSets };
}

export function desiredTopology(cluster: FaunaCluster, forceRemoveGraceSeconds: number): DesiredTopology {
  const spec = resolveSpec(cluster);
  return {
    replicas: spec.replicas.map((r) => ({ name: r.name, type: r.type, nodes: r.nodes })),
    settleSeconds: spec.settleSeconds,
    forceRemoveGraceSeconds,
    peerPort: spec.peerEncryption.level === "none" ? PORTS.peer : PORTS.peerSecure,
  };
}

export function faunaObservation(view: FaunaView) {
  return { members: view.members, replication: view.replication, movementIdle: view.movementIdle };
}

/** The plan state persisted in status.topology.plan, or undefined when none was written yet. */
export function persistedPlanState(cluster: FaunaCluster): PlanState | undefined {
  const plan = (cluster.status?.topology as { plan?: unknown } | undefined)?.plan;
  if (typeof plan !== "object" || plan === null) return undefined;
  return plan as PlanState;
}
