// A log segment left without a leader is found and repaired, end to end on the local tier with the simulator. With
// spec.settleSeconds far below FaunaDB's settle time, the replication change lands right after the joins and leaves
// a log segment stuck, as FaunaDB does (FACTS §7.3): no write through it commits. The operator must not call that
// cluster Ready: it reports the segment (Degraded, LogSegmentWithoutLeader), restarts one of its nodes after the
// grace for an election (a restart unsticks it), and only then says Ready; writes then commit.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/topology-stuck-segment.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import faunadb from "faunadb";
import type { FaunaCluster } from "../../src/api/types.ts";
import { formatSimEnv, SIM_ENV_ANNOTATION } from "../../src/localtier/runner/simEnv.ts";
import { serviceEndpoint } from "../support/clusterAccess.ts";
import { eventually } from "../support/localtier.ts";
import { ensureCollection, once } from "../support/load.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const q = faunadb.query;
const NAME = "fauna-3x1";
const suite = operatorSuite({ namespacePrefix: "stuckseg", healthPort: 18095 });

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const condition = (c: FaunaCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);
const isReady = (c: FaunaCluster) => condition(c, "Ready")?.status === "True" && condition(c, "Ready")?.observedGeneration === c.metadata.generation;

describe("topology: a log segment without a leader", { timeout: 1_200_000 }, () => {
  it("is reported instead of Ready, repaired by restarting one of its nodes, and writes commit afterwards", async () => {
    // The simulator's settle trap is FaunaDB's measured ~3 s window by default; a 60 s window (an explicit setting)
    // makes the trap certain whatever the machine's speed.
    const doc = sample("cluster-3x1.yaml", suite.ns, (spec) => {
      spec.settleSeconds = 0;
      (spec.podMetadata as { annotations: Record<string, string> }).annotations[SIM_ENV_ANNOTATION] = formatSimEnv({ FAUNA_SIM_SETTLE_MS: "60000" });
    });
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const t0 = Date.now();

    const stuck = await eventually("Degraded: LogSegmentWithoutLeader", async () => {
      const c = await fc();
      assert.ok(!isReady(c), "never Ready while a segment has no leader");
      return condition(c, "Degraded")?.reason === "LogSegmentWithoutLeader" ? c : undefined;
    }, 480_000, 500).catch(suite.failWithLogTail);
    console.log(`segment reported after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${condition(stuck, "Degraded")?.message}`);
    assert.ok((stuck.status?.nodes ?? []).every((n) => n.state === "live"), "every node is a member: only the segment is wrong");

    const ready = await eventually("Ready once a node of the segment restarted", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const restarts = JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${NAME},reason=DeletingPod`, "-o", "json"])) as { items: { message: string }[] };
    assert.ok(restarts.items.some((e) => /restarting it: log segment \d+ has no leader/.test(e.message)), JSON.stringify(restarts.items.map((e) => e.message)));
    for (const n of ready.status?.nodes ?? []) assert.equal(n.state, "live");
    assert.equal(condition(ready, "Degraded")?.status, "False");

    const secret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", ready.status?.rootKeySecretName ?? ""]);
    const rootKey = Buffer.from(secret.data["root-key"] ?? "", "base64").toString();
    // Through the client Service, over TLS (on by default): the CA from ConfigMap <name>-ca.
    const service = await serviceEndpoint(suite.tier.kubectl, suite.ns, NAME);
    await ensureCollection(service, rootKey, "AfterRepair");
    for (let n = 0; n < 6; n++) {
      const created = await once<{ ref: { id: string } }>(service, rootKey, q.Create(q.Collection("AfterRepair"), { data: { n } }));
      const back = await once<{ data: { n: number } }>(service, rootKey, q.Get(q.Ref(q.Collection("AfterRepair"), created.ref.id)));
      assert.equal(back.data.n, n);
    }
  });
});
