// Maps an event on an owned object (StatefulSet, Pod, ...) to its owner's queue key, like controller-runtime's
// EnqueueRequestForOwner with OnlyControllerOwner, plus cass-operator's managed-by label predicate so objects we
// did not create (or that someone copied our ownerReference onto) do not trigger passes.
import type { KubernetesObject } from "../kube/client.ts";
import { keyOf } from "./keys.ts";

export type OwnerMatch = {
  /** API group of the owner kind (any version matches: references survive version bumps). */
  group: string;
  kind: string;
  /** When set, the owned object must carry this label with this value. */
  managedBy?: { label: string; value: string } | undefined;
  /** Only follow the reference marked `controller: true` (default true). */
  onlyController?: boolean | undefined;
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

export function ownerKeys(obj: KubernetesObject, match: OwnerMatch): string[] {
  const meta = obj.metadata;
  if (!meta) return [];
  if (match.managedBy && meta.labels?.[match.managedBy.label] !== match.managedBy.value) return [];
  const onlyController = match.onlyController ?? true;
  const keys: string[] = [];
  for (const ref of meta.ownerReferences ?? []) {
    if (ref.kind !== match.kind || groupOf(ref.apiVersion) !== match.group) continue;
    if (onlyController && ref.controller !== true) continue;
    // Owner references cannot cross namespaces: the owner lives in the owned object's namespace.
    const key = keyOf({ namespace: meta.namespace, name: ref.name });
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}
