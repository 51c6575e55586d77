// A member cut off from everything (pod annotation local.fauna-operator.io/network=isolated, the tier's NetworkChaos)
// for longer than the dead-node grace, while its pod stays Running (issue 10): FaunaDB reports it down and the operator
// cannot reach it, but a Running pod is never evidence that the node is gone. The operator reports Degraded/NodeDown
// and waits; reconnected, the node is the same host with the same volume. Real simulator timings (failure detection
// ~18 s); the grace is cut to 20 s so that the cut outlasts it clearly.
// Run: npm run local:up && npm run local:exec -- node --test test/integration/topology-partition.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { canIsolate } from "../../src/localtier/runner/networkIsolation.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const CLUSTER = "fauna-3x1";
const GRACE_SECONDS = 20;
const CUT_MS = 75_000;
const NETWORK_ANNOTATION = "local.fauna-operator.io/network";

const suite = operatorSuite({ namespacePrefix: "topo-cut", healthPort: 18096, extraArgs: ["--force-remove-grace-seconds", String(GRACE_SECONDS)] });

const kubectlJson = async <T>(args: string[]) => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => kubectlJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", CLUSTER]);
const isReady = (c: FaunaCluster) => c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
const uidOf = async (kind: string, name: string) => (await kubectlJson<{ metadata: { uid: string } }>(["-n", suite.ns, "get", kind, name])).metadata.uid;

describe("a member cut off past the grace while its pod runs", { timeout: 900_000 }, () => {
  it("is reported Degraded/NodeDown and waited for, never replaced: same host ID and volume afterwards", async (t) => {
    if (!(await canIsolate())) {
      t.skip("nft is not available in the tier (install nftables): the partition cannot be made");
      return;
    }
    // replica-2 with 2 nodes: a replica's last data node can never be force-removed, so the victim needs a sibling.
    const doc = sample("cluster-3x1.yaml", suite.ns, (spec) => {
      const replicas = spec["replicas"] as { name: string; nodes: number }[];
      replicas[1]!.nodes = 2;
    });
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const ready = await eventually("Ready", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 420_000, 2000).catch(suite.failWithLogTail);
    const victim = `${CLUSTER}-replica-2-1`;
    const hostBefore = ready.status?.nodes?.find((n) => n.pod === victim)?.hostId;
    assert.ok(hostBefore, `${victim} is a member`);
    const pvcBefore = await uidOf("pvc", `data-${victim}`);
    const podBefore = await uidOf("pod", victim);

    await suite.tier.kubectl(["-n", suite.ns, "annotate", "pod", victim, `${NETWORK_ANNOTATION}=isolated`, "--overwrite"]);
    const cutAt = Date.now();
    const reasons = new Set<string>();
    let seenDown = false;
    while (Date.now() - cutAt < CUT_MS) {
      const c = await fc();
      const degraded = c.status?.conditions?.find((x) => x.type === "Degraded");
      if (degraded?.status === "True") reasons.add(degraded.reason);
      if (c.status?.nodes?.find((n) => n.pod === victim)?.status === "down") seenDown = true;
      const phase = (await kubectlJson<{ status: { phase: string } }>(["-n", suite.ns, "get", "pod", victim])).status.phase;
      assert.equal(phase, "Running", "the victim's pod keeps running while cut off");
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.ok(seenDown, "FaunaDB reported the cut-off host down");
    assert.ok(reasons.has("NodeDown"), `Degraded/NodeDown while cut off (seen: ${[...reasons].join(", ") || "none"})`);
    const events = (await kubectlJson<{ items: { reason: string; message: string }[] }>(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${CLUSTER}`])).items;
    const removals = events.filter((e) => e.reason === "RemovingNode" || e.reason === "DeletingVolume" || (e.reason === "DeletingPod" && e.message.includes(victim)));
    assert.deepEqual(removals.map((e) => `${e.reason}: ${e.message}`), [], "nothing removed, wiped or deleted");

    await suite.tier.kubectl(["-n", suite.ns, "annotate", "pod", victim, `${NETWORK_ANNOTATION}-`]);
    const after = await eventually("Ready again after reconnecting", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 480_000, 2000).catch(suite.failWithLogTail);
    assert.equal(after.status?.nodes?.find((n) => n.pod === victim)?.hostId, hostBefore, "the same host ID");
    assert.equal(await uidOf("pvc", `data-${victim}`), pvcBefore, "the same PVC");
    assert.equal(await uidOf("pod", victim), podBefore, "the same pod");
  });
});
