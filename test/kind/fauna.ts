// FaunaCluster helpers for the kind tier: apply a manifests/samples/kind/ sample, wait for Ready, check the health
// the suite asserts (every node live and up, Owns = Goal, one leader per log segment), reach the query API from the
// host, read the root key.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import YAML from "yaml";
import { clientServiceName, clusterSelector } from "../../src/api/funcs.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { type KindCluster, QUERY_NODE_PORT } from "./kind.ts";
import type { Endpoint } from "../../src/load/load.ts";
import { kubectlObjects, queryEndpoint } from "../../src/harness/clusterTls.ts";

/** The real FaunaDB image manifests/samples/kind/cluster.yaml names (images/faunadb; needs GitHub to build). */
export const FAUNADB_SAMPLE = "cluster.yaml";
/** The same topology on the simulator image hack/kind/up.sh always builds. */
export const SIMULATOR_SAMPLE = "simulator.yaml";

/** Real FaunaDB when its image is in Docker (hack/kind/up.sh then loads it into the nodes), else the simulator. */
export function defaultSample(imagePresent: (image: string) => boolean = dockerHasImage): string {
  const image = kindSample(FAUNADB_SAMPLE, "default").spec.image;
  return imagePresent(image) ? FAUNADB_SAMPLE : SIMULATOR_SAMPLE;
}

function dockerHasImage(image: string): boolean {
  return spawnSync("docker", ["image", "inspect", image], { stdio: "ignore", timeout: 20_000 }).status === 0;
}

export const SAMPLE = process.env.KIND_SAMPLE ?? defaultSample();

export function kindSample(file: string, namespace: string): FaunaCluster {
  const doc = YAML.parse(readFileSync(`manifests/samples/kind/${file}`, "utf8")) as FaunaCluster;
  doc.metadata.namespace = namespace;
  return doc;
}

export function expectedNodes(c: FaunaCluster): number {
  return c.spec.replicas.reduce((sum, r) => sum + r.nodes, 0);
}

export const getCluster = (kind: KindCluster, ns: string, name: string) => kind.json<FaunaCluster>(["-n", ns, "get", "faunacluster", name]);

export function isReady(c: FaunaCluster): boolean {
  return c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
}

/** What is wrong with a cluster the suite calls healthy, or [] when nothing is. */
export function healthProblems(c: FaunaCluster): string[] {
  const problems: string[] = [];
  const nodes = c.status?.nodes ?? [];
  const want = expectedNodes(c);
  if (!isReady(c)) problems.push("Ready is not True for the current generation");
  if (nodes.length !== want) problems.push(`${nodes.length} nodes in status, ${want} wanted`);
  for (const n of nodes) {
    if (n.state !== "live" || n.status !== "up") problems.push(`${n.pod}: ${n.status ?? "?"}/${n.state ?? "?"}`);
    if (n.ownership !== n.ownershipGoal) problems.push(`${n.pod}: owns ${n.ownership} of goal ${n.ownershipGoal}`);
  }
  if (new Set(nodes.map((n) => n.hostId)).size !== nodes.length) problems.push("host IDs are not distinct");
  const leaders = new Map<string, number>();
  for (const n of nodes) {
    if (n.logSegment === undefined || n.logSegment === "none") continue;
    leaders.set(n.logSegment, (leaders.get(n.logSegment) ?? 0) + (n.leader ? 1 : 0));
  }
  if (leaders.size === 0) problems.push("no log segment reported");
  for (const [segment, count] of leaders) if (count !== 1) problems.push(`log segment ${segment} has ${count} leaders`);
  return problems;
}

export function assertHealthy(c: FaunaCluster): void {
  assert.deepEqual(healthProblems(c), [], `FaunaCluster ${c.metadata.name}:\n${nodeTable(c)}`);
}

export function nodeTable(c: FaunaCluster): string {
  return (c.status?.nodes ?? [])
    .map((n) => `  ${n.pod} host=${n.hostId ?? "-"} ${n.status ?? "-"}/${n.state ?? "-"} owns=${n.ownership ?? "-"}/${n.ownershipGoal ?? "-"} segment=${n.logSegment ?? "-"}${n.leader ? " leader" : ""}`)
    .join("\n");
}

/** Waits until the cluster is healthy and `extra` holds; on timeout the error carries the last status and the operator's log. */
export async function waitHealthy(kind: KindCluster, ns: string, name: string, timeoutMs: number, extra: (c: FaunaCluster) => boolean = () => true): Promise<FaunaCluster> {
  let last: FaunaCluster | undefined;
  try {
    return await eventually(`FaunaCluster ${ns}/${name} healthy`, async () => {
      last = await getCluster(kind, ns, name);
      return healthProblems(last).length === 0 && extra(last) ? last : undefined;
    }, timeoutMs, 2000);
  } catch (err) {
    const problems = last ? healthProblems(last).join("; ") : "no status read";
    throw new Error(`${String(err)}\nlast problems: ${problems}\n${last ? nodeTable(last) : ""}\noperator log tail:\n${await operatorLogTail(kind)}`, { cause: err });
  }
}

export async function operatorLogTail(kind: KindCluster, lines = 40): Promise<string> {
  return kind.kubectl(["-n", "fauna-operator-system", "logs", "deployment/fauna-operator", `--tail=${lines}`]).catch((err: unknown) => String(err));
}

export function podSelector(c: FaunaCluster): string {
  return Object.entries(clusterSelector(c)).map(([k, v]) => `${k}=${v}`).join(",");
}

export async function faunaPods(kind: KindCluster, c: FaunaCluster): Promise<V1Pod[]> {
  const list = await kind.json<{ items: V1Pod[] }>(["-n", c.metadata.namespace ?? "", "get", "pods", "-l", podSelector(c)]);
  return list.items;
}

export function isPodReady(p: V1Pod | undefined): boolean {
  return p?.metadata?.deletionTimestamp === undefined && (p?.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false);
}

/**
 * The query API (8443) on the host: a NodePort Service with the client Service's selector (ready nodes only), whose
 * node port hack/kind/cluster.yaml maps to 127.0.0.1. Each new connection is balanced by kube-proxy, so deleting a
 * pod only fails the operations that were on it.
 */
export async function exposeQueryApi(kind: KindCluster, c: FaunaCluster): Promise<Endpoint> {
  const ns = c.metadata.namespace ?? "";
  const client = await kind.json<V1Service>(["-n", ns, "get", "service", clientServiceName(c)]);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${c.metadata.name}-kind-host`, namespace: ns, labels: { "fauna-operator.io/test": "true" } },
    spec: {
      type: "NodePort",
      selector: client.spec?.selector,
      ports: [{ name: "api", port: 8443, targetPort: 8443, nodePort: QUERY_NODE_PORT, protocol: "TCP" }],
    },
  };
  await kind.kubectl(["apply", "-f", "-"], JSON.stringify(service));
  // With TLS on: the CA from ConfigMap <name>-ca, the certificate checked against <svc>.<ns>.svc (not 127.0.0.1).
  return queryEndpoint(kubectlObjects(kind.kubectl), c, { domain: "127.0.0.1", port: QUERY_NODE_PORT });
}

/** The root key from the Secret the status names; kept in memory only, never logged. */
export async function rootKey(kind: KindCluster, c: FaunaCluster): Promise<string> {
  const secretName = c.status?.rootKeySecretName;
  assert.ok(secretName, "status.rootKeySecretName is set");
  const secret = await kind.json<{ data?: Record<string, string> }>(["-n", c.metadata.namespace ?? "", "get", "secret", secretName]);
  const key = Buffer.from(secret.data?.["root-key"] ?? "", "base64").toString("utf8").trim();
  assert.ok(key.length > 0, `Secret ${secretName} holds a root key`);
  return key;
}
