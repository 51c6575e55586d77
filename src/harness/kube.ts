// What the harness reads and does through kubectl, given as a function so the scenarios run the same against the
// local tier, a kind cluster, or a fake in unit tests.
import { CLUSTER_LABEL, PORTS, REPLICA_LABEL } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import type { FaunaAdmin } from "../fauna/client.ts";
import type { Endpoint } from "../load/load.ts";
import type { ClientCertTls } from "../load/tls.ts";
import type { Backend } from "./backend.ts";
import { adminClientTls, kubectlObjects, queryEndpoint } from "./clusterTls.ts";

/** Runs kubectl with `args` (stdin `input`); resolves to stdout, rejects on a non-zero exit. */
export type Kubectl = (args: string[], input?: string) => Promise<string>;

/** The FaunaCluster under test and the operator that manages it. */
export interface HarnessTarget {
  kubectl: Kubectl;
  namespace: string;
  cluster: string;
  operator: { namespace: string; lease: string };
  /** The faults and access that depend on where the cluster runs (local tier, kind). */
  backend: Backend;
  /** The clock of a pod's FaunaDB node, in epoch ms (its own persisted_timestamp); null when it cannot be read. */
  nodeClock?: (pod: string) => Promise<number | null>;
}

export async function getJson<T>(kubectl: Kubectl, args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"])) as T;
}

export function readCluster(t: HarnessTarget): Promise<FaunaCluster> {
  return getJson<FaunaCluster>(t.kubectl, ["-n", t.namespace, "get", "faunacluster", t.cluster]);
}

/** Ready=True for the current spec: the condition (or, lacking its own, the status) observed this generation. */
export function isReadyAtGeneration(fc: FaunaCluster): boolean {
  const ready = fc.status?.conditions?.find((c) => c.type === "Ready");
  const observed = ready?.observedGeneration ?? fc.status?.observedGeneration;
  return ready?.status === "True" && observed === fc.metadata.generation;
}

export interface PodIdentity {
  name: string;
  uid: string;
}

/** The cluster's pods of one replica (by the operator's labels). */
export async function replicaPods(t: HarnessTarget, replica: string): Promise<PodIdentity[]> {
  const list = await getJson<{ items: { metadata: { name: string; uid: string } }[] }>(t.kubectl,
    ["-n", t.namespace, "get", "pods", "-l", `${CLUSTER_LABEL}=${t.cluster},${REPLICA_LABEL}=${replica}`]);
  return list.items.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Deletes pods the way a crash does: no grace period, the object is gone at once. */
export async function forceDeletePods(t: HarnessTarget, namespace: string, pods: string[]): Promise<void> {
  await t.kubectl(["-n", namespace, "delete", "pod", ...pods, "--grace-period=0", "--force", "--wait=false"]);
}

/** The operator Lease's holder ("" when none). The operator's identity is its pod name (POD_NAME). */
export async function leaseHolder(t: HarnessTarget): Promise<string> {
  const lease = await getJson<{ spec?: { holderIdentity?: string } }>(t.kubectl, ["-n", t.operator.namespace, "get", "lease", t.operator.lease]);
  return lease.spec?.holderIdentity ?? "";
}

/** The root key from the cluster's Secret, read in-process (never printed, never on a command line). */
export async function readRootKey(t: HarnessTarget): Promise<string> {
  const secret = await getJson<{ data?: Record<string, string> }>(t.kubectl, ["-n", t.namespace, "get", "secret", `${t.cluster}-root-key`]);
  return Buffer.from(secret.data?.["root-key"] ?? "", "base64").toString("utf8").trim();
}

/** The client Service (named after the cluster) at its cluster IP, FQL port 8443; over TLS when the cluster has it. */
export async function clientServiceEndpoint(t: HarnessTarget): Promise<Endpoint> {
  const ip = (await t.kubectl(["-n", t.namespace, "get", "service", t.cluster, "-o", "jsonpath={.spec.clusterIP}"])).trim();
  return queryEndpoint(kubectlObjects(t.kubectl), await readCluster(t), { domain: ip, port: PORTS.api });
}

/** The admin API's TLS options for the target (a client certificate from its CA), or undefined when TLS is off. */
export async function targetAdminTls(t: HarnessTarget): Promise<ClientCertTls | undefined> {
  return adminClientTls(kubectlObjects(t.kubectl), await readCluster(t), { commonName: "fauna-operator-harness" });
}

/** targetAdminTls once per cluster (a client certificate costs an RSA key); a failure is not kept. */
export function adminTlsCache(): { get(t: HarnessTarget): Promise<ClientCertTls | undefined> } {
  const cache = new Map<string, Promise<ClientCertTls | undefined>>();
  return {
    get(t) {
      const key = `${t.namespace}/${t.cluster}`;
      let tls = cache.get(key);
      if (!tls) {
        tls = targetAdminTls(t);
        cache.set(key, tls);
        tls.catch(() => cache.delete(key));
      }
      return tls;
    },
  };
}

/** Sets (value) or removes (null) one annotation of a pod. */
export async function annotatePod(t: HarnessTarget, pod: string, key: string, value: string | null): Promise<void> {
  await t.kubectl(["-n", t.namespace, "annotate", "pod", pod, value === null ? `${key}-` : `${key}=${value}`, ...(value === null ? [] : ["--overwrite"])]);
}

/**
 * A node's clock as the node itself reports it: its own row's persisted_timestamp in /admin/status (FACTS §1.5),
 * asked at its stable address. Compared with the harness's clock, it shows a node's skew.
 */
export async function nodeClockMs(t: HarnessTarget, admin: FaunaAdmin, pod: string, via?: string): Promise<number | null> {
  const address = (await readCluster(t)).status?.nodes?.find((n) => n.pod === pod)?.address;
  if (!address) return null;
  // `via`: where the node's admin API is reached when its own address is not routable from here (a port-forward).
  const answer = await admin.status(via ?? address).catch(() => undefined);
  if (!answer?.member) return null;
  const at = answer.cluster.members.find((m) => m.address === address)?.persistedTimestamp;
  return at ? Date.parse(at) : null;
}
