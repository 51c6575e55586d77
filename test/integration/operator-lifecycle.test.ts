// Spec changes on the local tier (issue 3, "Done when") on one data+log replica of 3 nodes: a resources change and an
// image change each update the StatefulSet template and roll every pod (nodes keep their identity), then the replica
// grows from 3 to 4 nodes (the StatefulSet grows and the new node joins); after that the operator makes no object
// writes for 60 s (its own kube_api_object_writes_total). The rolls come first so that they move 3 pods, not 4.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-lifecycle.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { assertNoWritesFor, operatorSuite, sample } from "../support/operator.ts";

/** Issue 3: "after convergence the operator makes zero write calls in 60 s". */
const QUIET_MS = 60_000;
const NAME = "life";
const STS = `${NAME}-r1`;
const IMAGE_1 = "ghcr.io/fauna-operator/faunadb-simulator:0.1.0";
const IMAGE_2 = "ghcr.io/fauna-operator/faunadb-simulator:0.1.1";

const suite = operatorSuite({ namespacePrefix: "oplife", healthPort: 18111 });

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const sts = () => getJson<V1StatefulSet>(["-n", suite.ns, "get", "statefulset", STS]);
const pods = async () => (await getJson<{ items: V1Pod[] }>(["-n", suite.ns, "get", "pods", "-l", `fauna-operator.io/cluster=${NAME}`])).items;
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
const patch = (ops: unknown[]) => suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify(ops)]);

/** Ready for the current generation with `n` live members, and the StatefulSet fully rolled to its update revision. */
async function converged(n: number, what: string): Promise<{ c: FaunaCluster; s: V1StatefulSet }> {
  return eventually(what, async () => {
    const c = await fc();
    const s = await sts();
    const st = s.status;
    const rolled = st?.updateRevision === st?.currentRevision && st?.updatedReplicas === n && st?.readyReplicas === n &&
      st?.observedGeneration === s.metadata?.generation;
    return isReady(c) && (c.status?.nodes ?? []).filter((x) => x.state === "live").length === n && rolled ? { c, s } : undefined;
  }, 480_000, 1000).catch(suite.failWithLogTail);
}

describe("operator: spec changes on a 1 replica x 3 node cluster", { timeout: 900_000 }, () => {
  it("reaches Ready with 3 live nodes", async () => {
    // One data+log replica of 3 nodes: the smallest cluster where "nodes 3 -> 4" means something.
    const doc = sample("cluster-3x1.yaml", suite.ns, (spec) => {
      const replicas = spec["replicas"] as Record<string, unknown>[];
      spec["replicas"] = [{ ...replicas[0], name: "r1", nodes: 3 }];
      spec["image"] = IMAGE_1;
      // Rolls wait for each pod's termination: FaunaDB's 30 s shutdown grace (+30 s) would make each pod take a minute.
      spec["config"] = { shutdown_grace_period_seconds: 5 };
    });
    (doc["metadata"] as Record<string, unknown>)["name"] = NAME;
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const t0 = Date.now();
    const { c } = await converged(3, "Ready with 3 live nodes");
    console.log(`1x3 Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(c.status?.replicas?.[0]?.members, 3);
  });

  it("a resources change updates the StatefulSet template and rolls every pod (nodes keep their identity)", async () => {
    const before = await snapshot();
    await patch([{ op: "replace", path: "/spec/replicas/0/resources", value: { requests: { cpu: "60m", memory: "80Mi" }, limits: { memory: "1Gi" } } }]);
    const t0 = Date.now();
    const { s } = await converged(3, "resources rolled out");
    console.log(`resources change rolled 3 pods in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const container = s.spec?.template.spec?.containers[0];
    assert.deepEqual(container?.resources?.requests, { cpu: "60m", memory: "80Mi" });
    assert.notEqual(s.status?.updateRevision, before.revision, "a new controller revision");
    await assertRolled(before, (p) => assert.deepEqual(p.spec?.containers[0]?.resources?.requests, { cpu: "60m", memory: "80Mi" }));
  });

  it("an image change updates the StatefulSet template and rolls every pod", async () => {
    const before = await snapshot();
    await patch([{ op: "replace", path: "/spec/image", value: IMAGE_2 }]);
    const t0 = Date.now();
    const { c, s } = await converged(3, "image rolled out");
    console.log(`image change rolled 3 pods in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(s.spec?.template.spec?.containers[0]?.image, IMAGE_2);
    assert.notEqual(s.status?.updateRevision, before.revision);
    await assertRolled(before, (p) => assert.equal(p.spec?.containers[0]?.image, IMAGE_2));
    assert.equal(c.status?.replicas?.[0]?.members, 3);
  });

  it("nodes 3 -> 4: the StatefulSet grows and the new node joins as a live member", async () => {
    const hostsBefore = new Set((await fc()).status?.nodes?.map((n) => n.hostId));
    await patch([{ op: "replace", path: "/spec/replicas/0/nodes", value: 4 }]);
    const t0 = Date.now();
    const { c, s } = await converged(4, "Ready with 4 live nodes");
    console.log(`3 -> 4 nodes converged after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(s.spec?.replicas, 4);
    const joined = (c.status?.nodes ?? []).filter((n) => !hostsBefore.has(n.hostId));
    assert.equal(joined.length, 1, JSON.stringify(c.status?.nodes));
    assert.equal(joined[0]?.pod, `${STS}-3`);
    assert.equal(c.status?.replicas?.[0]?.members, 4);
    assert.equal(c.status?.readyNodes, 4);
  });

  it(`makes no object writes for ${QUIET_MS / 1000} s after convergence`, async () => {
    const op = suite.op;
    assert.ok(op);
    await assertNoWritesFor(op, QUIET_MS);
    assert.equal(op.proc.exitCode, null, "the operator is still running");
  });
});

type Snapshot = { revision: string | undefined; uids: Map<string, string>; hosts: Map<string, string | undefined> };

async function snapshot(): Promise<Snapshot> {
  const c = await fc();
  return {
    revision: (await sts()).status?.updateRevision,
    uids: new Map((await pods()).map((p) => [p.metadata?.name ?? "", p.metadata?.uid ?? ""])),
    hosts: new Map((c.status?.nodes ?? []).map((n) => [n.pod ?? "", n.hostId])),
  };
}

/** Every pod was replaced (new uid), carries the new template, and its node came back with the same host ID. */
async function assertRolled(before: Snapshot, check: (p: V1Pod) => void): Promise<void> {
  const now = await pods();
  assert.equal(now.length, before.uids.size);
  for (const p of now) {
    const name = p.metadata?.name ?? "";
    assert.notEqual(p.metadata?.uid, before.uids.get(name), `${name} was recreated`);
    check(p);
  }
  const c = await fc();
  for (const n of c.status?.nodes ?? []) assert.equal(n.hostId, before.hosts.get(n.pod ?? ""), `${n.pod} kept its host ID across the roll`);
}
