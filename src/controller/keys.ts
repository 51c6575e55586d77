// Queue keys are `namespace/name` (or just `name` for cluster-scoped objects), as in client-go's MetaNamespaceKey.
import type { KubernetesObject } from "../kube/client.ts";

export type ObjectKey = { namespace?: string | undefined; name: string };

export function keyOf(ref: ObjectKey): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function objectKey(obj: KubernetesObject): string | undefined {
  const name = obj.metadata?.name;
  return name ? keyOf({ namespace: obj.metadata?.namespace, name }) : undefined;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
