// Resource descriptors and URL paths: the only place that knows how the API server lays out its REST paths.

/** What the API server needs to address a kind: group ("" for core), version, plural, and whether it is namespaced. */
export type Resource = {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
};

export function apiVersionOf(r: Resource): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** The metric and log label for a resource: `pods`, `statefulsets.apps`, `faunaclusters.<group>`. */
export function resourceLabel(r: Resource): string {
  return r.group === "" ? r.plural : `${r.plural}.${r.group}`;
}

export type PathOptions = {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: "status" | "scale" | undefined;
};

export function resourcePath(r: Resource, opts: PathOptions = {}): string {
  const root = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let path = root;
  if (r.namespaced && opts.namespace !== undefined) {
    path += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  }
  path += `/${r.plural}`;
  if (opts.name !== undefined) {
    path += `/${encodeURIComponent(opts.name)}`;
    if (opts.subresource) path += `/${opts.subresource}`;
  } else if (opts.subresource) {
    throw new Error(`resourcePath: subresource ${opts.subresource} needs a name (${resourceLabel(r)})`);
  }
  return path;
}

function core(plural: string, kind: string, namespaced = true): Resource {
  return { group: "", version: "v1", plural, kind, namespaced };
}

/** The built-in kinds the operator touches. Custom resources are declared where their API lives. */
export const Resources = {
  pods: core("pods", "Pod"),
  services: core("services", "Service"),
  configMaps: core("configmaps", "ConfigMap"),
  secrets: core("secrets", "Secret"),
  persistentVolumeClaims: core("persistentvolumeclaims", "PersistentVolumeClaim"),
  serviceAccounts: core("serviceaccounts", "ServiceAccount"),
  events: core("events", "Event"),
  namespaces: core("namespaces", "Namespace", false),
  statefulSets: { group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true },
  podDisruptionBudgets: {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
  },
  networkPolicies: {
    group: "networking.k8s.io",
    version: "v1",
    plural: "networkpolicies",
    kind: "NetworkPolicy",
    namespaced: true,
  },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
} as const satisfies Record<string, Resource>;
