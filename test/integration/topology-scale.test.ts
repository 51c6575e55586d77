// End to end on the local tier with the simulator: a 3-replica cluster whose replica-1 is scaled 3 → 5 → 2 nodes
// while a load generator writes through the client Service. Every acknowledged write must be readable at the end
// (failed writes during a change are allowed), and no PVC may be released while its host is still a FaunaDB member:
// a poller samples FaunaDB membership (from a node that is never scaled) and then the PVCs, over and over, and the
// operator's Events must say RemovingNode before DeletingVolume (issue 5; cockroach-operator #1138/#1151).
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/topology-scale.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { podDnsName } from "../../src/api/funcs.ts";
import { adminClient, serviceEndpoint } from "../support/clusterAccess.ts";
import { eventually } from "../support/localtier.ts";
import { ensureCollection, findLost, startLoad, type Endpoint, type RunningLoad } from "../support/load.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const NAME = "fauna-3x1";
const COLLECTION = "ScaleLoad";

let load: RunningLoad | undefined;
let rootKey = "";
let service: Endpoint;
let stopPoll: (() => void) | undefined;
const suite = operatorSuite({
  namespacePrefix: "topscale",
  healthPort: 18093,
  teardownFirst: async () => {
    await load?.stop();
    stopPoll?.();
  },
});

/**
 * Sequential samples: FaunaDB's member host IDs (asked of an unscaled node), THEN the PVCs that exist and are not
 * being deleted. Within a sample the membership is older than the PVC list, so "host absent in sample i and its
 * PVC still there in sample i" proves the host had left before the PVC was released.
 */
const samples: { at: number; hosts: Set<string>; pvcs: Set<string> }[] = [];

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
const setReplica1Nodes = (nodes: number) =>
  suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: nodes }])]);

describe("topology: scaling a replica 3 → 5 → 2 under writes", { timeout: 900_000 }, () => {
  it("reaches Ready with replica-1 at 3 nodes (5 live members)", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns, (spec) => {
      (spec.replicas as { nodes: number }[])[0]!.nodes = 3;
    })));
    const t0 = Date.now();
    const c = await eventually("Ready with 5 live members", async () => {
      const c = await fc();
      return isReady(c) && (c.status?.nodes ?? []).filter((n) => n.state === "live").length === 5 ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`created (3+1+1 nodes) Ready after ${secs(Date.now() - t0)} s`);

    const secret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", c.status?.rootKeySecretName ?? ""]);
    rootKey = Buffer.from(secret.data["root-key"] ?? "", "base64").toString();
    assert.ok(rootKey.length > 0, "root key read from the root-key Secret");
    service = await serviceEndpoint(suite.tier.kubectl, suite.ns, NAME);
    await ensureCollection(service, rootKey, COLLECTION);
    await startSampling();
  });

  it("scales replica-1 to 5 nodes under writes and gets Ready with 7 live members", async () => {
    load = startLoad({ endpoint: () => service, secret: rootKey, collection: COLLECTION, workers: 2, pauseMs: 250 });
    await sleep(3000);
    const before = load.report().writesAcknowledged;
    assert.ok(before > 0, `writes are acknowledged before the change: ${JSON.stringify(load.report())}`);
    const t0 = Date.now();
    await setReplica1Nodes(5);
    const c = await eventually("Ready with 7 live members", async () => {
      const c = await fc();
      return isReady(c) && (c.status?.nodes ?? []).filter((n) => n.state === "live").length === 7 ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`3 → 5 Ready after ${secs(Date.now() - t0)} s; load so far: ${JSON.stringify(load.report())}`);
    assert.equal(c.status?.replicas?.find((r) => r.name === "replica-1")?.members, 5);
    assert.ok(load.report().writesAcknowledged > before, "writes were acknowledged while scaling up");
  });

  it("scales replica-1 down to 2 nodes under writes: hosts leave before their PVCs are released", async () => {
    assert.ok(load);
    const hostsBefore = new Map((await fc()).status?.nodes?.map((n) => [n.pod ?? "", n.hostId ?? ""]) ?? []);
    const before = load.report().writesAcknowledged;
    const t0 = Date.now();
    await setReplica1Nodes(2);
    const removed = [2, 3, 4].map((i) => `${NAME}-replica-1-${i}`);
    const c = await eventually("Ready with 4 members and the PVCs of ordinals 2-4 released", async () => {
      const c = await fc();
      const pvcs = await suite.tier.kubectl(["-n", suite.ns, "get", "pvc", "-o", "name"]);
      return isReady(c) && (c.status?.nodes ?? []).length === 4 && removed.every((p) => !pvcs.includes(`data-${p}`)) ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`5 → 2 Ready after ${secs(Date.now() - t0)} s; load so far: ${JSON.stringify(load.report())}`);
    assert.equal(c.status?.replicas?.find((r) => r.name === "replica-1")?.members, 2);
    assert.ok(load.report().writesAcknowledged > before, "writes were acknowledged while scaling down");
    await sleep(1500); // one more membership sample after the last release

    // Membership over time: each removed pod's host is absent from some sample that still has its PVC, and from
    // every sample after that (it never came back).
    for (const pod of removed) {
      const host = hostsBefore.get(pod);
      assert.ok(host, `host of ${pod} known before the scale-down`);
      const lastPresent = samples.findLastIndex((s) => s.hosts.has(host));
      const lastWithPvc = samples.findLastIndex((s) => s.pvcs.has(`data-${pod}`));
      assert.ok(lastWithPvc >= 0 && lastWithPvc + 1 < samples.length, `data-${pod} was sampled before and after its release`);
      assert.ok(lastPresent < lastWithPvc,
        `host ${host} of ${pod} was still a member (sample ${lastPresent}) after data-${pod} was released (after sample ${lastWithPvc})`);
      console.log(`${pod}: host absent from ${secs(samples[lastPresent + 1]!.at - t0)} s, PVC released by ${secs(samples[lastWithPvc + 1]!.at - t0)} s`);
    }
    // The operator's own account agrees: RemovingNode for the host before DeletingVolume for its PVC.
    const events = (await getJson<{ items: { reason: string; firstTimestamp?: string; eventTime?: string; message: string }[] }>(
      ["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${NAME}`])).items;
    const when = (e: { firstTimestamp?: string; eventTime?: string }) => Date.parse(e.firstTimestamp ?? e.eventTime ?? "");
    for (const pod of removed) {
      const removing = events.find((e) => e.reason === "RemovingNode" && e.message.includes(hostsBefore.get(pod) ?? "?"));
      const releasing = events.find((e) => e.reason === "DeletingVolume" && e.message.includes(`data-${pod}`));
      assert.ok(removing && releasing, `events for ${pod}: ${JSON.stringify(events.map((e) => `${e.reason}: ${e.message}`))}`);
      assert.ok(when(removing) <= when(releasing), `host of ${pod} removed before its volume was released`);
    }
  });

  it("loses no acknowledged write", async () => {
    assert.ok(load);
    await sleep(2000);
    const report = await load.stop();
    const t0 = Date.now();
    const check = await findLost(() => service, rootKey, COLLECTION, load.acked);
    console.log(`load: ${JSON.stringify(report)}; read back ${check.checked} acknowledged writes in ${secs(Date.now() - t0)} s: ` +
      `${check.lost.length} lost, ${check.unreadable.length} unreadable`);
    assert.ok(report.writesAcknowledged >= 100, `enough writes were acknowledged to mean something: ${report.writesAcknowledged}`);
    assert.deepEqual(check.lost, [], "acknowledged writes lost");
    assert.deepEqual(check.unreadable, [], "acknowledged writes that could not be read back");
    assert.equal(report.readsMissing, 0, "no read during the changes missed an acknowledged write");
  });
});

/** Samples membership (from replica-2's node, never scaled) then PVCs, every 300 ms; resolves after a first sample. */
async function startSampling(): Promise<void> {
  const admin = await adminClient(suite.tier.kubectl, suite.ns, NAME, { rootKey, timeoutMs: { default: 2000 }, retry: { attempts: 1 } });
  // Its stable DNS name, which its certificate carries when TLS is on.
  const ip = podDnsName({ metadata: { name: NAME, namespace: suite.ns } } as FaunaCluster, "replica-2", 0);
  let running = true;
  const sampleOnce = async () => {
    const at = Date.now();
    const answer = await admin.status(ip).catch(() => undefined);
    if (!answer?.member) return;
    const pvcs = await suite.tier.core.listNamespacedPersistentVolumeClaim({ namespace: suite.ns }).catch(() => undefined);
    if (!pvcs) return;
    samples.push({
      at,
      hosts: new Set(answer.cluster.members.map((m) => m.hostId)),
      pvcs: new Set(pvcs.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? "")),
    });
  };
  await eventually("a first membership sample", async () => {
    await sampleOnce();
    return samples.length > 0;
  }, 30_000, 500);
  void (async () => {
    while (running) {
      await sampleOnce();
      await sleep(300);
    }
  })();
  stopPoll = () => {
    running = false;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => (ms / 1000).toFixed(1);
