// The ConfigMap holding one faunadb.yml template per replica (no secrets: the root key is added at pod start).
import { createHash } from "node:crypto";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { resolveSpec, type ResolvedReplica } from "../../api/defaults.ts";
import { renderFaunaConfigTemplate, type TemplateOptions } from "../../api/faunaConfig.ts";
import { COMPONENTS, configMapName } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

/** The ConfigMap key of a replica's template. */
export function templateKey(replica: string): string {
  return `${replica}.yml`;
}

export function buildConfigMap(cluster: FaunaCluster, options: TemplateOptions = {}): V1ConfigMap {
  const spec = resolveSpec(cluster);
  const data: Record<string, string> = {};
  for (const r of [...spec.replicas].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    data[templateKey(r.name)] = renderFaunaConfigTemplate(cluster, spec, r, options);
  }
  return { apiVersion: "v1", kind: "ConfigMap", metadata: ownedMeta(cluster, configMapName(cluster), COMPONENTS.config), data };
}

/** Short content hash of a replica's template; a pod template annotation, so config changes roll the pods. */
export function configHash(cluster: FaunaCluster, replica: ResolvedReplica, options: TemplateOptions = {}): string {
  const text = renderFaunaConfigTemplate(cluster, resolveSpec(cluster), replica, options);
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
