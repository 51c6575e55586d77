// Validation in TypeScript: the schema's structural checks, a mirror of its CEL rules (so unit tests and objects that
// skipped the apiserver get the same answers), and the checks CEL cannot express (JVM sizes vs memory). The
// reconciler reports the result as an InvalidSpec condition plus a Warning Event. Never throws.
import type { V1ResourceRequirements } from "@kubernetes/client-node";
import { CA_REF_FIXED_BY_PEER, faunaClusterSchema, CLUSTER_NAME_MAX, ISSUER_FIXED_BY_PEER, ISSUER_REF_NEEDS_CERT_MANAGER, PEER_KEY_FIXED, PEER_LEVEL_IMMUTABLE, PEER_SECRET_REQUIRED, STATEFULSET_NAME_MAX } from "./schema.ts";
import { checkSchema, type FieldError } from "./schemaCheck.ts";
import { containerMemoryBytes, jvmBytes, jvmSizes } from "./jvm.ts";
import { MiB, parseJvmSize, parseQuantity } from "./quantity.ts";
import type { FaunaCluster, FaunaReplicaSpec } from "./types.ts";
import { peerEncryptionLevelOf, resolveReplica } from "./defaults.ts";
import { kubeFieldErrors } from "./kubeFieldChecks.ts";
import { overcommitForbidden } from "./kubeNames.ts";

export type { FieldError } from "./schemaCheck.ts";

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MIN_STORAGE = 100 * MiB;
const MAX_STORAGE = 64 * 2 ** 40;
/** Heap + direct may use at most this share of the memory limit; the rest is metaspace, threads, native buffers. */
const MAX_JVM_SHARE = 0.9;

export interface ValidateOptions {
  /** Report fields the schema does not know (as the apiserver does under strict field validation). */
  rejectUnknownFields?: boolean;
}

/** Every problem with a FaunaCluster, each naming its field. Empty means valid. */
export function validateFaunaCluster(object: unknown, options: ValidateOptions = {}): FieldError[] {
  const structural = checkSchema(faunaClusterSchema, object, { rejectUnknownFields: options.rejectUnknownFields ?? false });
  if (structural.length > 0) return structural;
  const cluster = object as FaunaCluster;
  return [...celMirror(cluster), ...kubeFieldErrors(cluster), ...semanticChecks(cluster)];
}

/** The CEL rules of schema.ts that do not involve oldSelf, in TS. */
function celMirror(cluster: FaunaCluster): FieldError[] {
  const errors: FieldError[] = [];
  const name = cluster.metadata?.name ?? "";
  const spec = cluster.spec;
  if (name.length > CLUSTER_NAME_MAX || !DNS_1035.test(name)) {
    errors.push({ field: "metadata.name", message: `must be a DNS-1035 label of at most ${CLUSTER_NAME_MAX} characters` });
  }
  spec.replicas.forEach((r, i) => {
    if (name.length + 1 + r.name.length > STATEFULSET_NAME_MAX) {
      errors.push({
        field: `spec.replicas[${i}].name`,
        message: `metadata.name + '-' + name is longer than ${STATEFULSET_NAME_MAX} characters (StatefulSet name)`,
      });
    }
    if (r.storage) {
      const bytes = parseQuantity(r.storage.size);
      if (bytes === undefined || bytes < MIN_STORAGE || bytes > MAX_STORAGE) {
        errors.push({ field: `spec.replicas[${i}].storage.size`, message: "must be a quantity between 100Mi and 64Ti" });
      }
    }
  });
  if (!spec.replicas.some((r) => r.type === "data+log")) {
    errors.push({ field: "spec.replicas", message: "at least one replica must be of type data+log (FACTS §7.1)" });
  }
  const pdb = spec.podDisruptionBudget;
  if (pdb?.scope === "Cluster" && (pdb.maxUnavailable ?? 1) > 1 && spec.replicas.filter((r) => r.type === "data+log").length >= 2) {
    errors.push({ field: "spec.podDisruptionBudget.maxUnavailable", message: "above 1 with scope Cluster lets two log nodes of one segment go at once (FACTS §7.2)" });
  }
  if (spec.tls?.caSecretRef && (spec.tls.mode ?? "Managed") !== "Managed") {
    errors.push({ field: "spec.tls.caSecretRef", message: "tls.caSecretRef needs tls.mode Managed" });
  }
  if ((spec.tls?.issuerRef !== undefined) !== (spec.tls?.mode === "CertManager")) {
    errors.push({ field: "spec.tls.issuerRef", message: ISSUER_REF_NEEDS_CERT_MANAGER });
  }
  if (peerEncryptionLevelOf(spec) !== "none" && !spec.peerEncryption?.secretRef && spec.tls?.mode === "Disabled") {
    errors.push({ field: "spec.peerEncryption.secretRef", message: PEER_SECRET_REQUIRED });
  }
  const c = spec.config;
  if (c?.cluster_min_worker_id !== undefined && c.cluster_max_worker_id !== undefined && c.cluster_min_worker_id > c.cluster_max_worker_id) {
    errors.push({ field: "spec.config.cluster_min_worker_id", message: "must not exceed config.cluster_max_worker_id" });
  }
  return errors;
}

/** What core/v1 checks between requests and limits; CEL cannot afford to parse int-or-string quantities. */
function resourceChecks(resources: V1ResourceRequirements | undefined, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set([...Object.keys(resources?.limits ?? {}), ...Object.keys(resources?.requests ?? {})]);
  for (const name of names) {
    const request = parseQuantity(resources?.requests?.[name]);
    const limit = parseQuantity(resources?.limits?.[name]);
    const hugepages = name.startsWith("hugepages-");
    const pageSize = hugepages ? parseQuantity(name.slice("hugepages-".length)) : undefined;
    const whole = overcommitForbidden.test(name) && !hugepages;
    for (const [which, value] of [["requests", request], ["limits", limit]] as const) {
      if (whole && value !== undefined && !Number.isInteger(value)) {
        errors.push({ field: `${field}.${which}.${name}`, message: "must be a whole number (extended resource)" });
      }
      if (pageSize && value !== undefined && value % pageSize !== 0) {
        errors.push({ field: `${field}.${which}.${name}`, message: `must be a whole number of ${name.slice("hugepages-".length)} pages` });
      }
    }
    if (request === undefined || limit === undefined) continue;
    if (overcommitForbidden.test(name) && request !== limit) {
      errors.push({ field: `${field}.requests.${name}`, message: `must equal limits.${name} (cannot be overcommitted)` });
    } else if (request > limit) {
      errors.push({ field: `${field}.requests.${name}`, message: `must be less than or equal to limits.${name}` });
    }
  }
  return errors;
}

function jvmChecks(cluster: FaunaCluster, r: FaunaReplicaSpec, i: number): FieldError[] {
  const jvm = cluster.spec.jvm;
  const memory = containerMemoryBytes(r.resources);
  for (const [key, value] of Object.entries(jvm ?? {})) {
    if (value !== undefined && parseJvmSize(value) === undefined) {
      return [{ field: `spec.jvm.${key}`, message: `${JSON.stringify(value)} is not a JVM size such as 4G or 512M` }];
    }
  }
  if (memory === undefined) return [];
  const total = jvmBytes(jvmSizes(jvm, r.resources));
  if (total <= memory * MAX_JVM_SHARE) return [];
  return [
    {
      field: jvm?.maxHeapSize !== undefined || jvm?.maxDirectSize !== undefined ? "spec.jvm" : `spec.replicas[${i}].resources.limits.memory`,
      message:
        `JVM heap + direct memory (${Math.round(total / MiB)}Mi) must stay below 90% of replica ${r.name}'s memory ` +
        `(${Math.round(memory / MiB)}Mi) or the pod is OOM-killed (FACTS §6)`,
    },
  ];
}

/** Checks CEL cannot express. */
function semanticChecks(cluster: FaunaCluster): FieldError[] {
  return cluster.spec.replicas.flatMap((r, i) => [
    ...resourceChecks(r.resources, `spec.replicas[${i}].resources`),
    ...jvmChecks(cluster, r, i),
  ]);
}

/** The transition rules (oldSelf) of schema.ts, in TS: fields that must not change after creation. */
export function validateUpdate(old: FaunaCluster, next: FaunaCluster): FieldError[] {
  const errors: FieldError[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(old.spec?.clusterName, next.spec?.clusterName)) {
    errors.push({ field: "spec.clusterName", message: "clusterName is immutable" });
  }
  const ref = (c: FaunaCluster) => c.spec?.rootKeySecretRef && [c.spec.rootKeySecretRef.name, c.spec.rootKeySecretRef.key ?? "root-key"];
  if (!same(ref(old), ref(next))) {
    errors.push({ field: "spec.rootKeySecretRef", message: "rootKeySecretRef is immutable" });
  }
  next.spec?.replicas?.forEach((r, i) => {
    const before = old.spec?.replicas?.find((o) => o.name === r.name);
    if (before && !same(resolveReplica(before).storage, resolveReplica(r).storage)) {
      errors.push({ field: `spec.replicas[${i}].storage`, message: "storage is immutable" });
    }
    if (before && (before.placement?.zone ?? "") !== (r.placement?.zone ?? "")) {
      errors.push({ field: `spec.replicas[${i}].placement.zone`, message: "placement.zone of an existing replica is immutable: its nodes' volumes are bound where they run" });
    }
    if (before && !same(before.placement?.nodeSelector ?? {}, r.placement?.nodeSelector ?? {})) {
      errors.push({ field: `spec.replicas[${i}].placement.nodeSelector`, message: "placement.nodeSelector of an existing replica is immutable: its nodes' volumes are bound where they run" });
    }
  });
  if (old.spec && next.spec && peerEncryptionLevelOf(old.spec) !== peerEncryptionLevelOf(next.spec)) {
    errors.push({ field: "spec.peerEncryption.level", message: PEER_LEVEL_IMMUTABLE });
  }
  const peerKey = (c: FaunaCluster) => (c.spec?.peerEncryption?.secretRef ? `${c.spec.peerEncryption.secretRef.name}/${c.spec.peerEncryption.secretRef.key ?? ""}` : "");
  if (next.spec && peerEncryptionLevelOf(next.spec) !== "none" && peerKey(old) !== peerKey(next)) {
    errors.push({ field: "spec.peerEncryption.secretRef", message: PEER_KEY_FIXED });
  }
  const caRef = (c: FaunaCluster) => c.spec?.tls?.caSecretRef?.name ?? "";
  if (next.spec && peerEncryptionLevelOf(next.spec) !== "none" && !next.spec.peerEncryption?.secretRef && caRef(old) !== caRef(next)) {
    errors.push({ field: "spec.tls.caSecretRef", message: CA_REF_FIXED_BY_PEER });
  }
  const issuer = (c: FaunaCluster) => {
    const t = c.spec?.tls;
    return t?.mode === "CertManager" && t.issuerRef ? `${t.issuerRef.name}/${t.issuerRef.kind ?? ""}/${t.issuerRef.group ?? ""}` : "operator";
  };
  if (next.spec && peerEncryptionLevelOf(next.spec) !== "none" && !next.spec.peerEncryption?.secretRef && issuer(old) !== issuer(next)) {
    errors.push({ field: "spec.tls.issuerRef", message: ISSUER_FIXED_BY_PEER });
  }
  return errors;
}
