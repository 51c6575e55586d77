// Metadata every owned object carries: name, namespace, standard labels, the controller owner reference.
import type { V1ObjectMeta } from "@kubernetes/client-node";
import { labels, namespaceOf, ownerReference, type Component } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";

export function ownedMeta(cluster: FaunaCluster, name: string, component: Component, replica?: string): V1ObjectMeta {
  return {
    name,
    namespace: namespaceOf(cluster),
    labels: labels(cluster, component, replica),
    ownerReferences: [ownerReference(cluster)],
  };
}
