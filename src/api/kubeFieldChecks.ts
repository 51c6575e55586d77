// The CEL rules schema.ts writes for fields Kubernetes copies into the pod template and the client Service (label
// and annotation keys, resource names, tolerations, spread constraints), in TS. Shapes that are OpenAPI patterns are
// checked by schemaCheck.ts already; these are the rest. Both sides use the rules of kubeNames.ts.
import type { V1Toleration, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import {
  annotationKey,
  containerResourceName,
  labelKey,
  overcommitForbidden,
  qualifiedNameLengths,
  type NameRule,
} from "./kubeNames.ts";
import type { FieldError } from "./schemaCheck.ts";
import type { FaunaCluster, FaunaReplicaSpec, ResourceRequirements } from "./types.ts";

const LABEL_KEY_LENGTHS = `must be a label key: ${qualifiedNameLengths.shape}`;

function keys(map: Record<string, unknown> | undefined, rule: NameRule, field: string, what: string): FieldError[] {
  const bad = Object.keys(map ?? {}).find((k) => !rule.test(k));
  return bad === undefined ? [] : [{ field, message: `key ${JSON.stringify(bad)} is not ${what}: ${rule.shape}` }];
}

function resourceErrors(resources: ResourceRequirements | undefined, field: string): FieldError[] {
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  const errors = [
    ...keys(limits, containerResourceName, `${field}.limits`, "a container resource name"),
    ...keys(requests, containerResourceName, `${field}.requests`, "a container resource name"),
  ];
  const unlimited = Object.keys(requests).find((k) => overcommitForbidden.test(k) && !(k in limits));
  if (unlimited !== undefined) {
    errors.push({ field: `${field}.limits`, message: `must name ${unlimited}: extended resources and hugepages cannot be overcommitted` });
  }
  const names = [...Object.keys(limits), ...Object.keys(requests)];
  if (names.some((k) => k.startsWith("hugepages-")) && !names.some((k) => k === "cpu" || k === "memory")) {
    errors.push({ field, message: "resources with hugepages must also set cpu or memory" });
  }
  return errors;
}

function tolerationErrors(t: V1Toleration, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (t.key && !qualifiedNameLengths.test(t.key)) {
    errors.push({ field: `${field}.key`, message: LABEL_KEY_LENGTHS });
  }
  if (!t.key && t.operator !== "Exists") errors.push({ field: `${field}.operator`, message: "must be Exists when key is empty" });
  if (t.operator === "Exists" && t.value) errors.push({ field: `${field}.value`, message: "must be empty when operator is Exists" });
  if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
    errors.push({ field: `${field}.effect`, message: "must be NoExecute when tolerationSeconds is set" });
  }
  return errors;
}

function spreadErrors(list: V1TopologySpreadConstraint[], field: string): FieldError[] {
  const errors: FieldError[] = [];
  const pairs = new Set<string>();
  list.forEach((c, j) => {
    const pair = JSON.stringify([c.topologyKey, c.whenUnsatisfiable]);
    if (pairs.has(pair)) errors.push({ field: `${field}[${j}]`, message: "repeats a topologyKey + whenUnsatisfiable pair" });
    pairs.add(pair);
    if (c.minDomains !== undefined && c.whenUnsatisfiable !== "DoNotSchedule") {
      errors.push({ field: `${field}[${j}].minDomains`, message: "requires whenUnsatisfiable DoNotSchedule" });
    }
    (c.matchLabelKeys ?? []).forEach((k, n) => {
      if (!qualifiedNameLengths.test(k)) {
        errors.push({ field: `${field}[${j}].matchLabelKeys[${n}]`, message: LABEL_KEY_LENGTHS });
      }
    });
  });
  return errors;
}

function replicaErrors(r: FaunaReplicaSpec, field: string): FieldError[] {
  const p = r.placement;
  return [
    ...keys(p?.nodeSelector, labelKey, `${field}.placement.nodeSelector`, "a label key"),
    ...resourceErrors(r.resources, `${field}.resources`),
    ...(p?.tolerations ?? []).flatMap((t, j) => tolerationErrors(t, `${field}.placement.tolerations[${j}]`)),
    ...spreadErrors(p?.topologySpreadConstraints ?? [], `${field}.placement.topologySpreadConstraints`),
  ];
}

/** Errors the apiserver would otherwise report only when the operator applies the StatefulSet or Service. */
export function kubeFieldErrors(cluster: FaunaCluster): FieldError[] {
  const spec = cluster.spec;
  return [
    ...spec.replicas.flatMap((r, i) => replicaErrors(r, `spec.replicas[${i}]`)),
    ...keys(spec.podMetadata?.labels, labelKey, "spec.podMetadata.labels", "a label key"),
    ...keys(spec.podMetadata?.annotations, annotationKey, "spec.podMetadata.annotations", "an annotation key"),
    ...keys(spec.service?.annotations, annotationKey, "spec.service.annotations", "an annotation key"),
  ];
}
