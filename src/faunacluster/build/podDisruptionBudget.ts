// PodDisruptionBudgets. Scope Replica: one per replica (issue 3). Scope Cluster: one over all nodes, which also keeps
// two replicas from losing a node at once, each of which could cost a log segment its quorum (FACTS §7.2).
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { clusterSelector, COMPONENTS, podDisruptionBudgetName, replicaSelector } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

/** One budget for `replica`, or for the whole cluster when `replica` is undefined. */
export function buildPodDisruptionBudget(cluster: FaunaCluster, replica?: string): V1PodDisruptionBudget {
  const spec = resolveSpec(cluster);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: ownedMeta(cluster, podDisruptionBudgetName(cluster, replica), COMPONENTS.disruptionBudget, replica),
    spec: {
      maxUnavailable: spec.podDisruptionBudget.maxUnavailable,
      selector: { matchLabels: replica === undefined ? clusterSelector(cluster) : replicaSelector(cluster, replica) },
      // Pods that are not ready (e.g. waiting to join) may be evicted; they hold no quorum.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

/** Every budget the spec asks for (none when disabled). Any other budget the operator owns should be deleted. */
export function buildPodDisruptionBudgets(cluster: FaunaCluster): V1PodDisruptionBudget[] {
  const spec = resolveSpec(cluster);
  if (!spec.podDisruptionBudget.enabled) return [];
  if (spec.podDisruptionBudget.scope === "Cluster") return [buildPodDisruptionBudget(cluster)];
  return spec.replicas.map((r) => buildPodDisruptionBudget(cluster, r.name));
}
