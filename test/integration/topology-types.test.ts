// End to end on the local tier with the simulator: replica type changes and replica removal (issue 5). On the 3x1
// sample: refusals first (a change that drops below a data+log majority, two changes at once: a condition, an Event,
// nothing changed), then replica-3 data+log -> compute -> data+log (FaunaDB's replication follows, writes work), then
// a compute replica added and removed whole (its StatefulSet, Service, PDB and PVC go only after its host left).
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/topology-types.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { podDnsName } from "../../src/api/funcs.ts";
import { adminClient } from "../support/clusterAccess.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const CLUSTER = "fauna-3x1";

const suite = operatorSuite({ namespacePrefix: "topo-types", healthPort: 18092 });

type Event = { reason: string; message: string; count?: number };

const fc = async () => JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "faunacluster", CLUSTER, "-o", "json"])) as FaunaCluster;
const condition = (c: FaunaCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);
const isReady = (c: FaunaCluster) => condition(c, "Ready")?.status === "True" && condition(c, "Ready")?.observedGeneration === c.metadata.generation;
const events = async (): Promise<Event[]> =>
  (JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${CLUSTER}`, "-o", "json"])) as { items: Event[] }).items;
const patch = (ops: unknown[]) => suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", CLUSTER, "--type=json", "-p", JSON.stringify(ops)]);
const setType = (i: number, type: string) => ({ op: "replace", path: `/spec/replicas/${i}/type`, value: type });
const readyWith = (what: string, ok: (c: FaunaCluster) => boolean | Promise<boolean>, timeoutMs = 480_000) =>
  eventually(what, async () => {
    const c = await fc();
    return isReady(c) && (await ok(c)) ? c : undefined;
  }, timeoutMs, 1000).catch(suite.failWithLogTail);
const admin = async () => {
  const secret = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "secret", `${CLUSTER}-root-key`, "-o", "json"])) as { data: Record<string, string> };
  return adminClient(suite.tier.kubectl, suite.ns, CLUSTER, { rootKey: Buffer.from(secret.data["root-key"] ?? "", "base64").toString() });
};
const seed = () => podDnsName({ metadata: { name: CLUSTER, namespace: suite.ns } } as FaunaCluster, "replica-1", 0);
const replication = async () =>
  Object.fromEntries((await (await admin()).getReplication(seed())).replicas.map((r) => [r.name, r.type]));
/** What a refused spec must leave alone: FaunaDB's replication, StatefulSet sizes and pod templates. */
const snapshot = async () => {
  const sets = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "statefulsets", "-o", "json"])) as {
    items: { metadata: { name: string; generation: number }; spec: { replicas: number } }[];
  };
  return { replication: await replication(), sets: sets.items.map((s) => [s.metadata.name, s.metadata.generation, s.spec.replicas]) };
};

describe("topology: replica types and replica removal on the simulator", { timeout: 900_000 }, () => {
  it("reaches Ready", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns)));
    const t0 = Date.now();
    await readyWith("Ready", () => true);
    console.log(`Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.deepEqual(await replication(), { "replica-1": "data+log", "replica-2": "data+log", "replica-3": "data+log" });
  });

  for (const refused of [
    { name: "LogMajority", ops: [setType(1, "compute"), setType(2, "compute")], why: /below a majority/ },
    { name: "MultipleTopologyChanges", ops: [{ op: "replace", path: "/spec/replicas/0/nodes", value: 2 }, setType(2, "compute")], why: /at once/ },
  ]) {
    it(`refuses ${refused.name}: a condition and an Event say why, and nothing changes`, async () => {
      const before = await snapshot();
      const original = (await fc()).spec.replicas;
      await patch(refused.ops);
      const c = await eventually(`refusal ${refused.name} reported`, async () => {
        const c = await fc();
        const d = condition(c, "Degraded");
        return d?.status === "True" && d.observedGeneration === c.metadata.generation && refused.why.test(d.message ?? "") ? c : undefined;
      }, 60_000, 1000);
      assert.equal(condition(c, "Ready")?.status, "False");
      assert.equal((c.status?.topology as { refusal?: { reason: string } } | undefined)?.refusal?.reason, refused.name);
      const event = await eventually("TopologyRefused event", async () =>
        (await events()).find((e) => e.reason === "TopologyRefused" && e.message.startsWith(`${refused.name}:`)), 30_000, 1000);
      assert.match(event.message, refused.why);
      await new Promise((r) => setTimeout(r, 8000)); // a few more passes: still nothing may change
      assert.deepEqual(await snapshot(), before, "replication, StatefulSet sizes and templates unchanged");
      await patch([{ op: "replace", path: "/spec/replicas", value: original }]);
      await readyWith("Ready again after the refused spec is reverted", () => true, 60_000);
    });
  }

  it("changes replica-3 data+log -> compute: replication follows, the cluster stays writable", async () => {
    const t0 = Date.now();
    await patch([setType(2, "compute")]);
    const c = await readyWith("Ready with replica-3 compute", async (c) =>
      c.status?.replicas?.find((r) => r.name === "replica-3")?.currentType === "compute" && (await replication())["replica-3"] !== "data+log");
    console.log(`data+log -> compute Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(!(await replication())["replica-3"] || (await replication())["replica-3"] === "compute");
    const node3 = c.status?.nodes?.find((n) => n.replica === "replica-3");
    assert.equal(node3?.state, "live");
    assert.ok(node3?.logSegment === undefined || node3.logSegment === "none", `a compute node is in no log segment: ${JSON.stringify(node3)}`);
    assert.equal((await (await admin()).ping(seed(), "write")).ok, true);
  });

  it("changes replica-3 back compute -> data+log: data moves in, Owns = Goal, writes available", async () => {
    const t0 = Date.now();
    await patch([setType(2, "data+log")]);
    const c = await readyWith("Ready with replica-3 data+log", async (c) =>
      c.status?.replicas?.find((r) => r.name === "replica-3")?.currentType === "data+log" && (await replication())["replica-3"] === "data+log");
    console.log(`compute -> data+log Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of c.status?.nodes ?? []) {
      assert.equal(n.state, "live");
      assert.equal(n.ownership, n.ownershipGoal, `Owns = Goal on ${n.pod}`);
    }
    assert.ok((c.status?.nodes?.find((n) => n.replica === "replica-3")?.ownership ?? 0) > 0, "replica-3 holds data again");
    assert.equal((await (await admin()).ping(seed(), "write")).ok, true);
  });

  it("adds a compute replica-4 and removes it whole: its objects go only after its host left; the cluster stays Ready", async () => {
    const replica4 = { ...(await fc()).spec.replicas[2], name: "replica-4", type: "compute", nodes: 1 };
    await patch([{ op: "add", path: "/spec/replicas/-", value: replica4 }]);
    const added = await readyWith("Ready with replica-4", (c) => c.status?.nodes?.some((n) => n.replica === "replica-4" && n.state === "live") ?? false);
    const host4 = added.status?.nodes?.find((n) => n.replica === "replica-4")?.hostId;
    assert.ok(host4);
    const names = [`statefulset.apps/${CLUSTER}-replica-4`, `service/${CLUSTER}-replica-4`, `poddisruptionbudget.policy/${CLUSTER}-replica-4`, `persistentvolumeclaim/data-${CLUSTER}-replica-4-0`];
    const present = async () => {
      const out = await suite.tier.kubectl(["-n", suite.ns, "get", "statefulsets,services,pdb,pvc", "-o", "name"]);
      return names.filter((n) => out.split("\n").includes(n));
    };
    assert.deepEqual(await present(), names);
    const t0 = Date.now();
    await patch([{ op: "remove", path: "/spec/replicas/3" }]);
    // While the host is a member, every object of replica-4 stays; watch until it left.
    const violations: string[] = [];
    await eventually("replica-4's host left membership", async () => {
      const [c, objects] = await Promise.all([fc(), present()]);
      const member = (c.status?.nodes ?? []).some((n) => n.hostId === host4);
      const cm = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "configmap", `${CLUSTER}-config`, "-o", "json"])) as { data: Record<string, string> };
      if (member && objects.length < names.length) violations.push(`objects gone while ${host4} is a member: ${JSON.stringify(objects)}`);
      if (member && !("replica-4.yml" in cm.data)) violations.push("the ConfigMap dropped replica-4's template while it drains");
      return member ? undefined : true;
    }, 180_000, 500);
    assert.deepEqual(violations, []);
    const c = await readyWith("Ready with replica-4's objects gone", async () => (await present()).length === 0, 120_000);
    console.log(`replica-4 removed, Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(c.status?.nodes?.length, 3);
    assert.deepEqual(await replication(), { "replica-1": "data+log", "replica-2": "data+log", "replica-3": "data+log" });
    const cm = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "configmap", `${CLUSTER}-config`, "-o", "json"])) as { data: Record<string, string> };
    await eventually("replica-4's template dropped", async () => {
      const now = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "configmap", `${CLUSTER}-config`, "-o", "json"])) as { data: Record<string, string> };
      return "replica-4.yml" in now.data ? undefined : true;
    }, 30_000, 1000).catch(() => assert.fail(`ConfigMap keys: ${Object.keys(cm.data).join(", ")}`));
    assert.equal((await (await admin()).ping(seed(), "write")).ok, true);
  });
});
