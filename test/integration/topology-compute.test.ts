// End to end on the local tier with the simulator: the 3x1 sample serves queries through its client Service (the
// cluster IP, served by the tier's userspace kube-proxy) from every node; once a compute replica is added and the
// cluster is Ready again, the Service's EndpointSlices list exactly the compute pods (service.targets `auto`,
// OPERATING.md: clients talk to compute nodes) and queries through the cluster IP succeed, during the addition too.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/topology-compute.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import faunadb from "faunadb";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { serviceEndpoint } from "../support/clusterAccess.ts";
import { ensureCollection, findLost, once, startLoad, type Endpoint } from "../support/load.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const q = faunadb.query;
const NAME = "fauna-3x1";
const COLLECTION = "ComputeLoad";

const suite = operatorSuite({ namespacePrefix: "topcompute", healthPort: 18094 });
let rootKey = "";
let service: Endpoint;

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;

/** IPs of the ready endpoints in the client Service's EndpointSlices. */
async function serviceEndpointIPs(): Promise<string[]> {
  const slices = await getJson<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>(
    ["-n", suite.ns, "get", "endpointslices", "-l", `kubernetes.io/service-name=${NAME}`]);
  return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses).sort();
}
async function podIPs(selector: string): Promise<string[]> {
  const pods = (await getJson<{ items: V1Pod[] }>(["-n", suite.ns, "get", "pods", "-l", selector])).items;
  return pods.map((p) => p.status?.podIP ?? "").sort();
}
/** Writes through the Service, each on a new connection (so the proxy spreads them), and reads each back. */
async function queriesThroughService(count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const doc = await once<{ ref: { id: string } }>(service, rootKey, q.Create(q.Collection(COLLECTION), { data: { n } }));
    const back = await once<{ data: { n: number } }>(service, rootKey, q.Get(q.Ref(q.Collection(COLLECTION), doc.ref.id)));
    assert.equal(back.data.n, n);
  }
}

describe("topology: a compute replica takes the load balancer", { timeout: 1_200_000 }, () => {
  it("the 3x1 sample reaches Ready and serves queries through its client Service from all three nodes", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns)));
    const t0 = Date.now();
    const c = await eventually("Ready", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`3x1 Ready after ${secs(Date.now() - t0)} s`);
    const secret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", c.status?.rootKeySecretName ?? ""]);
    rootKey = Buffer.from(secret.data["root-key"] ?? "", "base64").toString();
    const svc = await getJson<V1Service>(["-n", suite.ns, "get", "service", NAME]);
    assert.equal(svc.spec?.ports?.[0]?.port, 8443);
    service = await serviceEndpoint(suite.tier.kubectl, suite.ns, NAME);

    const all = await podIPs(`fauna-operator.io/cluster=${NAME}`);
    assert.equal(all.length, 3);
    await eventually("the Service's endpoints are the three pods", async () => (JSON.stringify(await serviceEndpointIPs()) === JSON.stringify(all) ? true : undefined), 15_000, 500);
    await ensureCollection(service, rootKey, COLLECTION);
    await queriesThroughService(6);
  });

  it("adding a compute replica puts only its pods behind the Service, and queries through the cluster IP succeed", async () => {
    const load = startLoad({ endpoint: () => service, secret: rootKey, collection: COLLECTION, workers: 1, pauseMs: 100 });
    const t0 = Date.now();
    await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify([
      { op: "add", path: "/spec/replicas/-", value: { name: "compute-1", type: "compute", nodes: 2, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "1Gi" } } } },
    ])]);
    const c = await eventually("Ready with 5 live members", async () => {
      const c = await fc();
      return isReady(c) && (c.status?.nodes ?? []).filter((n) => n.state === "live").length === 5 ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`compute replica added, Ready after ${secs(Date.now() - t0)} s`);
    assert.deepEqual(c.status?.replicas?.find((r) => r.name === "compute-1")?.currentType, "compute");

    const svc = await getJson<V1Service>(["-n", suite.ns, "get", "service", NAME]);
    assert.equal(svc.spec?.selector?.["fauna-operator.io/replica-type"], "compute", JSON.stringify(svc.spec?.selector));
    const compute = await podIPs(`fauna-operator.io/cluster=${NAME},fauna-operator.io/replica=compute-1`);
    const data = await podIPs(`fauna-operator.io/cluster=${NAME},fauna-operator.io/replica!=compute-1`);
    assert.equal(compute.length, 2);
    assert.equal(data.length, 3);
    const endpoints = await eventually("the Service's endpoints are exactly the compute pods", async () => {
      const ips = await serviceEndpointIPs();
      return JSON.stringify(ips) === JSON.stringify(compute) ? ips : undefined;
    }, 10_000, 500).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; endpoints ${JSON.stringify(await serviceEndpointIPs())}, compute ${JSON.stringify(compute)}, data ${JSON.stringify(data)}`);
    });
    assert.ok(endpoints.every((ip) => !data.includes(ip)));

    await queriesThroughService(6);
    const report = await load.stop();
    const check = await findLost(() => service, rootKey, COLLECTION, load.acked);
    console.log(`load while adding the compute replica: ${JSON.stringify(report)}; lost ${check.lost.length} of ${check.checked}`);
    assert.deepEqual(check.lost, []);
    assert.ok(report.writesAcknowledged > 0);
    // The Service moves to the compute nodes only once one is ready, so clients never find it empty.
    assert.equal(report.writesFailed + report.readsFailed, 0, `queries failed through the Service during the addition: ${JSON.stringify(report.errors)}`);
  });
});

const secs = (ms: number) => (ms / 1000).toFixed(1);
