// Server-side apply of every object the spec asks for, under the field manager `fauna-operator` with owner
// references (from the builders). An object whose applied-spec hash annotation already matches is not sent again,
// so a converged cluster costs no writes (issue 3); the price is that manual edits of owned objects are only
// reverted when the spec (or the operator) changes. StatefulSet `spec.replicas` is the planner's: a new StatefulSet
// starts at 0 and an existing one keeps its current size (plan/bootstrap.ts grows it, plan/scaleDown.ts shrinks it).
import { createHash } from "node:crypto";
import type { KubernetesObject, V1StatefulSet } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { adminClientCertName, LABEL_PREFIX, podDisruptionBudgetName, TLS_KEYS } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { isKubeError } from "../../kube/errors.ts";
import { Resources, type Resource } from "../../kube/resource.ts";
import { buildClientService } from "../build/clientService.ts";
import { buildConfigMap, templateKey } from "../build/configMap.ts";
import { buildHeadlessService } from "../build/headlessService.ts";
import { buildNetworkPolicy } from "../build/networkPolicy.ts";
import { buildPodDisruptionBudgets } from "../build/podDisruptionBudget.ts";
import { buildStatefulSet } from "../build/statefulSet.ts";
import { buildCaConfigMap, secretText } from "../tls/material.ts";
import { persistedPlanState } from "../topologyInput.ts";
import { EventReason } from "../events.ts";
import type { Observation } from "../observe.ts";
import { fail, next, type Step } from "../pass.ts";
import { replicaOf } from "../slots.ts";

export const APPLIED_HASH_ANNOTATION = `${LABEL_PREFIX}applied-hash`;

type Desired = { resource: Resource; object: KubernetesObject; current: KubernetesObject | undefined };

/** Hash of what we apply, without the fields the planner owns (StatefulSet replicas). */
export function appliedHash(object: KubernetesObject): string {
  const copy = structuredClone(object) as KubernetesObject & { spec?: { replicas?: number } };
  if (copy.kind === "StatefulSet" && copy.spec) delete copy.spec.replicas;
  return createHash("sha256").update(JSON.stringify(copy)).digest("hex").slice(0, 20);
}

function withHash<T extends KubernetesObject>(object: T): T {
  const hash = appliedHash(object);
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
}

/**
 * The cluster as the objects should show it: each replica typed as the planner accepted it. A type change the
 * planner refuses (or has not reached yet) must not relabel or re-template pods (compute pods lean on a neighbour
 * and sit behind the client Service): the objects follow FaunaDB's topology, not ahead of it.
 */
export function acceptedCluster(cluster: FaunaCluster, accepted: { name: string; type: FaunaCluster["spec"]["replicas"][number]["type"] }[] | null): FaunaCluster {
  if (!accepted) return cluster;
  const replicas = cluster.spec.replicas.map((r) => {
    const type = accepted.find((a) => a.name === r.name)?.type;
    return type === undefined || type === r.type ? r : { ...r, type };
  });
  return { ...cluster, spec: { ...cluster.spec, replicas } };
}

/** Replicas gone from the spec whose StatefulSet still exists: the planner drains them, DeleteRemovedReplicas deletes them. */
function drainingReplicas(obs: Observation): string[] {
  const inSpec = new Set(obs.cluster.spec.replicas.map((r) => r.name));
  return obs.kube.statefulSets.flatMap((s) => {
    const r = replicaOf(s);
    return r !== undefined && !inSpec.has(r) ? [r] : [];
  });
}

/** The CA clients should trust: the operator's, or (CertManager) the one the issuer handed out with the operator's certificate. */
function clientCa(obs: Observation): string | undefined {
  if (obs.tls.kind === "on") return obs.tls.ca.kind === "usable" ? obs.tls.ca.ca.cert : undefined;
  if (obs.tls.kind !== "certManager") return undefined;
  return secretText(obs.tls.secrets[adminClientCertName(obs.cluster)], TLS_KEYS.caCert);
}

export type DesiredOptions = {
  clusterDomain?: string | undefined;
  /** Where the operator's pods run: the NetworkPolicy admits them, from there only, to the admin port. */
  operatorNamespace: string;
  /** Per replica, the root key's BCrypt hashes its template carries (RootKeyHashes decides them). */
  rootKeyHashes?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Per replica, the node certificate Secret its template mounts (EnsureTls decides them). */
  tlsSecrets?: Readonly<Record<string, string>> | undefined;
  /** With tls.mode CertManager, per replica the issued version its template names (EnsureTls decides them). */
  tlsVersions?: Readonly<Record<string, string>> | undefined;
};

export function desiredObjects(obs: Observation, accepted: Parameters<typeof acceptedCluster>[1], opts: DesiredOptions): Desired[] {
  const o = obs.kube;
  const cluster = acceptedCluster(obs.cluster, accepted);
  const options = {
    clusterDomain: opts.clusterDomain,
    ...(opts.rootKeyHashes ? { rootKeyHashes: opts.rootKeyHashes } : {}),
    ...(opts.tlsSecrets ? { tlsSecrets: opts.tlsSecrets } : {}),
    ...(opts.tlsVersions ? { tlsVersions: opts.tlsVersions } : {}),
  };
  const byName = <T extends KubernetesObject>(items: T[], name: string | undefined) => items.find((i) => i.metadata?.name === name);
  const list: Desired[] = [];
  const cm = buildConfigMap(cluster, options);
  const currentCm = byName(o.configMaps, cm.metadata?.name);
  // A draining replica's pods may restart before their hosts left: keep the template they start from.
  for (const r of drainingReplicas(obs)) {
    const kept = currentCm?.data?.[templateKey(r)];
    if (kept !== undefined) cm.data = { ...cm.data, [templateKey(r)]: kept };
  }
  list.push({ resource: Resources.configMaps, object: cm, current: currentCm });
  const caCert = clientCa(obs);
  if (caCert !== undefined) {
    const caCm = buildCaConfigMap(cluster, caCert);
    list.push({ resource: Resources.configMaps, object: caCm, current: byName(o.configMaps, caCm.metadata?.name) });
  }
  for (const r of resolveSpec(cluster).replicas) {
    const svc = buildHeadlessService(cluster, r.name);
    list.push({ resource: Resources.services, object: svc, current: byName(o.services, svc.metadata?.name) });
  }
  const client = buildClientService(cluster);
  list.push({ resource: Resources.services, object: client, current: byName(o.services, client.metadata?.name) });
  for (const r of resolveSpec(cluster).replicas) {
    const sts: V1StatefulSet = buildStatefulSet(cluster, r.name, options);
    const current = o.statefulSets.find((s) => replicaOf(s) === r.name);
    if (sts.spec) sts.spec.replicas = current?.spec?.replicas ?? 0;
    list.push({ resource: Resources.statefulSets, object: sts, current });
  }
  for (const pdb of buildPodDisruptionBudgets(cluster)) {
    list.push({ resource: Resources.podDisruptionBudgets, object: pdb, current: byName(o.pdbs, pdb.metadata?.name) });
  }
  const np = buildNetworkPolicy(cluster, { operatorNamespace: opts.operatorNamespace }) as KubernetesObject;
  list.push({ resource: Resources.networkPolicies, object: np, current: byName(o.networkPolicies, np.metadata?.name) });
  return list;
}

export const applyObjects: Step = {
  name: "ApplyObjects",
  async run(pass, obs) {
    const o = obs.kube;
    const { client } = pass.deps;
    const desired = desiredObjects(obs, persistedPlanState(obs).state.accepted, {
      clusterDomain: pass.deps.clusterDomain, operatorNamespace: pass.deps.operatorNamespace, rootKeyHashes: pass.rootKeyHashes,
      tlsSecrets: pass.tlsSecrets,
      tlsVersions: pass.tlsVersions,
    });
    try {
      for (const d of desired) {
        const object = withHash(d.object);
        const hash = object.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
        if (d.current?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) continue;
        pass.log.info({ kind: object.kind, name: object.metadata?.name }, d.current ? "updating" : "creating");
        await client.apply(d.resource, object, { signal: pass.signal });
      }
      // Budgets the spec no longer asks for (disabled, or scope changed).
      const wanted = new Set(desired.filter((d) => d.resource === Resources.podDisruptionBudgets).map((d) => d.object.metadata?.name));
      // A draining replica keeps its budget until DeleteRemovedReplicas deletes it with the StatefulSet.
      for (const r of drainingReplicas(obs)) wanted.add(podDisruptionBudgetName(pass.cluster, r));
      for (const pdb of o.pdbs.filter((p) => !wanted.has(p.metadata?.name))) {
        await client.delete(Resources.podDisruptionBudgets, { namespace: pdb.metadata?.namespace, name: pdb.metadata?.name ?? "" }, { signal: pass.signal, preconditions: { uid: pdb.metadata?.uid } });
      }
    } catch (err) {
      const message = isKubeError(err) ? err.message : String(err);
      pass.findings.applyError = message;
      await pass.event({ type: "Warning", reason: EventReason.ApplyFailed, message });
      return fail(err);
    }
    return next();
  },
};
