// What an undisturbed operator would have made of a FaunaCluster, computed by the pure builders (through the same
// desiredObjects() list ApplyObjects uses), compared with what sits on the API server: the set of owned objects by
// kind and name, and each built object as a subset of the live one (the API server adds defaults), plus the
// applied-hash annotation the operator stamps on what it sent.
import type { KubernetesObject, V1StatefulSet } from "@kubernetes/client-node";
import { caSecretName, configMapName, generatedRootKeySecretName, TLS_KEYS, tlsEnabled } from "../../src/api/funcs.ts";
import { mountedTlsSecret } from "../../src/faunacluster/build/statefulSet.ts";
import { replicaOf } from "../../src/faunacluster/slots.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import type { Observation } from "../../src/faunacluster/observe.ts";
import { templateKey } from "../../src/faunacluster/build/configMap.ts";
import { hashesInTemplate } from "../../src/faunacluster/rootKeyHashes.ts";
import { APPLIED_HASH_ANNOTATION, appliedHash, desiredObjects } from "../../src/faunacluster/steps/applyObjects.ts";
import type { TestTier } from "./localtier.ts";

const OWNED_KINDS = "statefulsets,services,configmaps,secrets,poddisruptionbudgets,networkpolicies";

/** TLS as the live objects show it: the CA's certificate and, per replica, the node certificate Secret it mounts. */
export interface LiveTls {
  caCert: string | undefined;
  secrets: Record<string, string>;
}

/**
 * The objects ApplyObjects would apply for this cluster, StatefulSets at their node counts. `rootKeyHashes`: the
 * hashes the live templates carry (BCrypt salts make every hash differ, so they are read, not rebuilt); `tls`: the
 * live CA and certificate Secrets (their keys are random, so they too are read).
 */
export function builtObjects(cluster: FaunaCluster, rootKeyHashes?: Record<string, string[]>, tls?: LiveTls): KubernetesObject[] {
  const empty = { cluster, statefulSets: [], pods: [], pvcs: [], services: [], configMaps: [], pdbs: [], networkPolicies: [] };
  const ca = tls?.caCert ? { kind: "usable" as const, ca: { cert: tls.caCert, key: "" } } : { kind: "absent" as const };
  const obs = { cluster, kube: empty, tls: tlsEnabled(cluster) ? { kind: "on", ca, nodeSecrets: {} } : { kind: "off" } } as unknown as Observation;
  // The operators of the tests run outside a pod: no POD_NAMESPACE, so `run`'s default.
  return desiredObjects(obs, null, { operatorNamespace: "fauna-operator-system", rootKeyHashes, tlsSecrets: tls?.secrets }).map((d) => {
    const o = structuredClone(d.object) as KubernetesObject & { spec?: { replicas?: number } };
    if (o.kind === "StatefulSet" && o.spec) {
      const replica = cluster.spec.replicas.find((r) => o.metadata?.name?.endsWith(`-${r.name}`));
      o.spec.replicas = replica?.nodes ?? 0;
    }
    return o;
  });
}

function liveTls(cluster: FaunaCluster, live: KubernetesObject[]): LiveTls {
  const ca = live.find((o) => o.kind === "Secret" && o.metadata?.name === caSecretName(cluster)) as (KubernetesObject & { data?: Record<string, string> }) | undefined;
  const b64 = ca?.data?.[TLS_KEYS.cert];
  const secrets = Object.fromEntries(live.filter((o) => o.kind === "StatefulSet").flatMap((s) => {
    const replica = replicaOf(s);
    const mounted = mountedTlsSecret(s as V1StatefulSet);
    return replica !== undefined && mounted !== undefined ? [[replica, mounted]] : [];
  }));
  return { caCert: b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined, secrets };
}

const key = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name ?? ""}`;

export async function ownedObjects(tier: TestTier, cluster: FaunaCluster): Promise<KubernetesObject[]> {
  const ns = cluster.metadata.namespace ?? "";
  const list = JSON.parse(await tier.kubectl(["-n", ns, "get", OWNED_KINDS, "-o", "json"])) as { items: KubernetesObject[] };
  return list.items.filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === cluster.metadata.uid && r.controller === true));
}

/** First path where `expected` is not contained in `actual` (objects: every expected key; arrays: same length). */
export function subsetDiff(expected: unknown, actual: unknown, path = ""): string | undefined {
  if (expected === undefined) return undefined;
  // The API server omits zero values (omitempty): "" / false / 0 / [] / {} sent come back absent.
  if (actual === undefined && isZero(expected)) return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const d = subsetDiff(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const d = subsetDiff(v, (actual as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function isZero(v: unknown): boolean {
  if (v === "" || v === false || v === 0 || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

/** Every difference between the live owned objects and the built ones; empty when they match. */
export async function differencesFromBuilders(tier: TestTier, cluster: FaunaCluster): Promise<string[]> {
  const live = await ownedObjects(tier, cluster);
  const cm = live.find((o) => o.kind === "ConfigMap" && o.metadata?.name === configMapName(cluster)) as (KubernetesObject & { data?: Record<string, string> }) | undefined;
  const hashes = Object.fromEntries(cluster.spec.replicas.map((r) => [r.name, hashesInTemplate(cm?.data?.[templateKey(r.name)]) ?? []]));
  const tls = liveTls(cluster, live);
  const built = builtObjects(cluster, hashes, tls);
  const problems: string[] = [];
  // The Secrets are made once, not applied: the root key, and with TLS the CA and the certificate each replica mounts
  // (a certificate Secret no StatefulSet mounts is a stray one, reported as unexpected).
  const secrets = [generatedRootKeySecretName(cluster), ...(tlsEnabled(cluster) ? [caSecretName(cluster), ...Object.values(tls.secrets)] : [])];
  const wanted = new Set([...built.map(key), ...secrets.map((n) => `Secret/${n}`)]);
  const have = live.map(key);
  for (const k of have) if (!wanted.has(k)) problems.push(`unexpected owned object ${k}`);
  for (const k of wanted) if (!have.includes(k)) problems.push(`missing owned object ${k}`);
  if (new Set(have).size !== have.length) problems.push(`duplicate owned objects: ${have.join(", ")}`);
  for (const b of built) {
    const l = live.find((x) => key(x) === key(b));
    if (!l) continue;
    const hash = l.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
    if (hash !== appliedHash(b)) problems.push(`${key(b)}: applied-hash ${hash ?? "absent"}, the builders give ${appliedHash(b)}`);
    const { metadata, ...body } = b as KubernetesObject & Record<string, unknown>;
    const d = subsetDiff({ labels: metadata?.labels, annotations: metadata?.annotations, ownerReferences: metadata?.ownerReferences }, l.metadata, "metadata") ?? subsetDiff(body, l);
    if (d) problems.push(`${key(b)}: ${d}`);
  }
  return problems;
}
