// Resolves a container's environment as the kubelet does: literal values, the downward API, Secret and ConfigMap
// keys, envFrom, and $(VAR) expansion of earlier variables (also used for command and args).
import type { V1Container, V1Pod } from "@kubernetes/client-node";

export interface KeyLookup {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export class PodConfigError extends Error {}

/** A whole labels/annotations map as kubelet writes it into a downward API file: sorted `key="value"` lines. */
export function downwardApiMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map?.[k] ?? "")}`).join("\n");
}

export function fieldPathValue(pod: V1Pod, fieldPath: string): string {
  if (fieldPath === "metadata.labels") return downwardApiMap(pod.metadata?.labels);
  if (fieldPath === "metadata.annotations") return downwardApiMap(pod.metadata?.annotations);
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2] ?? ""] ?? "";
  const values: Record<string, string | undefined> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.podIP": pod.status?.podIP,
    "status.hostIP": pod.status?.hostIP,
  };
  if (!(fieldPath in values)) throw new PodConfigError(`unsupported fieldRef ${fieldPath}`);
  return values[fieldPath] ?? "";
}

/** Kubernetes `$(VAR)` expansion: `$$(VAR)` escapes, unknown variables stay as written. */
export function expandVars(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === "$$") return "$";
    return name !== undefined && name in vars ? (vars[name] ?? "") : whole;
  });
}

export async function resolveEnv(pod: V1Pod, container: V1Container, lookup: KeyLookup): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const env: Record<string, string> = {};
  const source = async (kind: "secret" | "configMap", name: string, optional: boolean | undefined) => {
    const data = await lookup[kind](ns, name);
    if (!data && !optional) throw new PodConfigError(`${kind} ${ns}/${name} not found`);
    return data ?? {};
  };
  for (const from of container.envFrom ?? []) {
    const data = from.secretRef
      ? await source("secret", from.secretRef.name ?? "", from.secretRef.optional)
      : from.configMapRef ? await source("configMap", from.configMapRef.name ?? "", from.configMapRef.optional) : {};
    for (const [k, v] of Object.entries(data)) env[(from.prefix ?? "") + k] = v;
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandVars(e.value ?? "", env);
    } else if (vf.fieldRef) {
      env[e.name] = fieldPathValue(pod, vf.fieldRef.fieldPath);
    } else if (vf.secretKeyRef || vf.configMapKeyRef) {
      const ref = (vf.secretKeyRef ?? vf.configMapKeyRef)!;
      const data = await source(vf.secretKeyRef ? "secret" : "configMap", ref.name ?? "", ref.optional);
      const value = data[ref.key];
      if (value === undefined && !ref.optional) throw new PodConfigError(`key ${ref.key} not found in ${ref.name}`);
      if (value !== undefined) env[e.name] = value;
    } else if (vf.resourceFieldRef) {
      env[e.name] = resourceValue(container, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor);
    }
  }
  return env;
}

function resourceValue(container: V1Container, resource: string, divisor: unknown): string {
  const [kind, name] = resource.split(".") as ["limits" | "requests", string];
  const raw = container.resources?.[kind]?.[name];
  if (raw === undefined) return "0";
  const bytes = parseQuantity(String(raw));
  const div = divisor === undefined ? 1 : parseQuantity(String(divisor)) || 1;
  return String(Math.ceil(bytes / div));
}

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3, "": 1,
};

export function parseQuantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  return Number(m[1]) * (SUFFIX[m[2] ?? ""] ?? 1);
}
