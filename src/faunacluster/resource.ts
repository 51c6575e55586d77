// The FaunaCluster custom resource as KubeClient addresses it.
import { API_GROUP, API_VERSION, KIND, PLURAL } from "../api/types.ts";
import type { Resource } from "../kube/resource.ts";

export const FaunaClusterResource: Resource = { group: API_GROUP, version: API_VERSION, plural: PLURAL, kind: KIND, namespaced: true };
