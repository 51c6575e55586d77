// End to end on the local tier with the simulator: node replacement (issue 5). A pod deleted with its volume kept comes
// back under the same host ID with no remove and no join; a pod deleted together with its PVC comes back with an
// empty disk, so the operator force-removes the old host, joins the fresh node (a new host ID) and data moves back.
// The cluster is the 3x1 sample with replica-2 at 2 nodes: FaunaDB refuses to force-remove the last node of a data
// replica (FACTS §7.5), so the replaced node needs a sibling.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/topology-replace.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const CLUSTER = "fauna-3x1";
const GRACE_SECONDS = 20;
/**
 * The local tier removes a deleted pod only when its termination grace runs out (60 s for FaunaDB pods), longer
 * than GRACE_SECONDS: a short deletion grace keeps a restart shorter than the force-remove grace, as in production
 * where the grace (300 s by default) is far longer than a pod restart.
 */
const DELETE_POD = ["--grace-period=5", "--wait=true"];

const suite = operatorSuite({ namespacePrefix: "topo-replace", healthPort: 18091, extraArgs: ["--force-remove-grace-seconds", String(GRACE_SECONDS)] });

type Event = { reason: string; message: string; count?: number };

const fc = async () => JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "faunacluster", CLUSTER, "-o", "json"])) as FaunaCluster;
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
const hostOf = (c: FaunaCluster, pod: string) => c.status?.nodes?.find((n) => n.pod === pod)?.hostId;
const events = async (): Promise<Event[]> =>
  (JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${CLUSTER}`, "-o", "json"])) as { items: Event[] }).items;
/** Events that are new, or were repeated, since `before` (the recorder aggregates repeats into `count`). */
const since = (before: Event[], now: Event[]) =>
  now.filter((e) => {
    const old = before.find((b) => b.reason === e.reason && b.message === e.message);
    return !old || (old.count ?? 1) < (e.count ?? 1);
  });
const readyWith = (what: string, ok: (c: FaunaCluster) => boolean, timeoutMs = 480_000) =>
  eventually(what, async () => {
    const c = await fc();
    return isReady(c) && ok(c) ? c : undefined;
  }, timeoutMs, 1000).catch(suite.failWithLogTail);

describe("topology: node replacement on the simulator", { timeout: 1_200_000 }, () => {
  it("reaches Ready (replica-2 with 2 nodes)", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns, (spec) => {
      const replicas = spec.replicas as { nodes: number }[];
      if (replicas[1]) replicas[1].nodes = 2;
    })));
    const t0 = Date.now();
    const c = await readyWith("Ready with 4 live nodes", (c) => (c.status?.nodes ?? []).filter((n) => n.state === "live").length === 4);
    console.log(`Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(new Set(c.status?.nodes?.map((n) => n.hostId)).size, 4);
  });

  it("a deleted pod (volume kept) comes back with the same host ID, with no remove and no join", async () => {
    const pod = `${CLUSTER}-replica-2-0`;
    const c0 = await fc();
    const host = hostOf(c0, pod);
    assert.ok(host, `host ID of ${pod}`);
    const hosts0 = (c0.status?.nodes ?? []).map((n) => n.hostId).sort();
    const ev0 = await events();
    const t0 = Date.now();
    await suite.tier.kubectl(["-n", suite.ns, "delete", "pod", pod, ...DELETE_POD]);
    // The pod goes away and comes back: wait to see the member down or the pod recreated (new UID) before waiting for Ready.
    await eventually("the member seen down or the pod not ready", async () => {
      const c = await fc();
      const n = c.status?.nodes?.find((x) => x.pod === pod);
      return !isReady(c) || n?.status === "down" ? true : undefined;
    }, 30_000, 200).catch(() => undefined); // the restart may be quicker than a status write; the host-ID checks decide
    const c = await readyWith(`${pod} back and Ready`, (c) => c.status?.nodes?.find((n) => n.pod === pod)?.status === "up");
    console.log(`pod deleted -> Ready again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(hostOf(c, pod), host, "same host ID after the restart");
    assert.deepEqual((c.status?.nodes ?? []).map((n) => n.hostId).sort(), hosts0, "membership unchanged");
    const fresh = since(ev0, await events());
    const touched = fresh.filter((e) => ["RemovingNode", "Joining", "DeletingVolume", "DeletingPod", "Initializing"].includes(e.reason));
    assert.deepEqual(touched, [], "no remove, join, wipe or init for a restarted pod");
  });

  it("a pod deleted with its PVC is replaced: old host force-removed, fresh host joined, data moved back", async () => {
    const pod = `${CLUSTER}-replica-2-1`;
    const c0 = await fc();
    const oldHost = hostOf(c0, pod);
    assert.ok(oldHost, `host ID of ${pod}`);
    const ev0 = await events();
    const t0 = Date.now();
    // The PVC is protected while the pod uses it: it goes once the pod is deleted; the StatefulSet then makes both anew.
    await suite.tier.kubectl(["-n", suite.ns, "delete", "pvc", `data-${pod}`, "--wait=false"]);
    await suite.tier.kubectl(["-n", suite.ns, "delete", "pod", pod, ...DELETE_POD]);
    const c = await readyWith(`${pod} replaced and Ready`, (c) => {
      const n = c.status?.nodes?.find((x) => x.pod === pod);
      return n?.state === "live" && n.status === "up" && n.hostId !== oldHost && (c.status?.nodes ?? []).length === 4;
    });
    console.log(`pod+PVC deleted -> Ready with a new host after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const newHost = hostOf(c, pod);
    assert.ok(newHost && newHost !== oldHost, "a new host ID");
    assert.ok(!(c.status?.nodes ?? []).some((n) => n.hostId === oldHost), "the old host left membership");
    for (const n of c.status?.nodes ?? []) {
      assert.equal(n.state, "live", JSON.stringify(n));
      assert.equal(n.ownership, n.ownershipGoal, `Owns = Goal on ${n.pod}`);
    }
    const replaced = c.status?.nodes?.find((n) => n.pod === pod);
    assert.ok((replaced?.ownership ?? 0) > 0, `data moved back to ${pod}: owns ${replaced?.ownership}`);
    const fresh = since(ev0, await events());
    const forced = fresh.find((e) => e.reason === "RemovingNode" && e.message.includes(`force-removing host ${oldHost}`));
    const joined = fresh.find((e) => e.reason === "Joining" && e.message.includes(pod));
    assert.ok(forced, `a force-remove event for ${oldHost}: ${JSON.stringify(fresh)}`);
    assert.ok(joined, `a join event for ${pod}: ${JSON.stringify(fresh)}`);
  });
});
