// End to end on the local tier: the 3x3 local sample (the seed topology) reaches Ready while the operator is
// SIGKILLed at random points of the creation and restarted each time (no leader election, so a restart does not
// wait out the Lease). Ready means: nine live members, three data+log replicas, Owns = Goal, one leader per segment.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-3x3.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const KILLS = Number(process.env.OPERATOR_KILLS ?? 6);

// The test starts the operator itself, and again after each kill.
const suite = operatorSuite({ namespacePrefix: "op3x3", healthPort: 18082, extraArgs: ["--leader-elect=false"], startInBefore: false });

const fc = async () => JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "faunacluster", "fauna", "-o", "json"])) as FaunaCluster;

describe("operator: 3x3 sample on the simulator", { timeout: 900_000 }, () => {
  it(`reaches Ready although the operator is killed ${KILLS} times while creating it`, async () => {
    let op = await suite.startOperator();
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster.yaml", suite.ns)));
    const t0 = Date.now();
    const seen: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * 6000));
      const c = await fc();
      seen.push(`${c.status?.topology?.operation ?? "-"}/${c.status?.topology?.step ?? "-"}`);
      op.proc.kill("SIGKILL");
      await op.stop();
      op = await suite.startOperator();
    }
    console.log(`killed at: ${seen.join(", ")}`);
    const ready = await eventually("FaunaCluster Ready", async () => {
      const c = await fc();
      const ok = c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation);
      return ok ? c : undefined;
    }, 400_000, 1000).catch(suite.failWithLogTail);
    console.log(`3x3 Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s (settle ${ready.spec.settleSeconds ?? 30} s included)`);
    const nodes = ready.status?.nodes ?? [];
    assert.equal(nodes.length, 9);
    for (const n of nodes) {
      assert.equal(n.state, "live", JSON.stringify(n));
      assert.equal(n.status, "up", JSON.stringify(n));
      assert.equal(n.ownership, n.ownershipGoal, `Owns = Goal on ${n.pod}`);
    }
    assert.equal(new Set(nodes.map((n) => n.hostId)).size, 9, "nine distinct hosts: nothing was initialised twice");
    assert.deepEqual(ready.status?.replicas?.map((r) => [r.name, r.members, r.currentType]), [
      ["replica-1", 3, "data+log"],
      ["replica-2", 3, "data+log"],
      ["replica-3", 3, "data+log"],
    ]);
    const segments = new Map<string, number>();
    for (const n of nodes) {
      if (n.logSegment === undefined || n.logSegment === "none") continue;
      segments.set(n.logSegment, (segments.get(n.logSegment) ?? 0) + (n.leader ? 1 : 0));
    }
    assert.ok(segments.size > 0, "log segments reported");
    for (const [segment, leaders] of segments) assert.equal(leaders, 1, `segment ${segment} has ${leaders} leaders`);
  });
});
