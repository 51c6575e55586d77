// The kind tier: the local tier's scenarios on kind with the simulator image, or real FaunaDB (images/faunadb) when its
// image is present, and the operator running as the Deployment of manifests/ (hack/kind/up.sh builds and installs
// them). One 3x3 cluster (manifests/samples/kind/simulator.yaml or cluster.yaml) is shared by
// the tests, in order: it reaches Ready; it returns to Ready after random pod deletions under a bounded write load,
// losing no acknowledged write; a node whose pod and PVC are deleted is replaced by a fresh host.
// Without a Docker engine (or kind) every test skips with the reason; see test/kind/README.md.
// Run: hack/kind/up.sh && node_modules/.bin/node --test test/kind/
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { REPLICA_LABEL } from "../../src/api/funcs.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import {
  assertHealthy,
  exposeQueryApi,
  expectedNodes,
  faunaPods,
  getCluster,
  isPodReady,
  kindSample,
  nodeTable,
  rootKey,
  SAMPLE,
  waitHealthy,
} from "./fauna.ts";
import { type KindCluster, useKind } from "./kind.ts";
import { type AckedWrite, type Endpoint, ensureCollection, findLost, startLoad } from "../../src/load/load.ts";

const minutes = (n: number) => n * 60_000;
/** Nine JVMs starting on one machine, then init, joins, the settle wait and replication (FACTS §7.4). */
const READY_TIMEOUT_MS = minutes(Number(process.env.KIND_READY_TIMEOUT_MIN ?? 20));
const CHAOS_ROUNDS = Number(process.env.KIND_CHAOS_ROUNDS ?? 3);
/** The operator's default --force-remove-grace-seconds (300) comes before the old host of a wiped node is removed. */
const REPLACE_TIMEOUT_MS = minutes(20);

interface Shared {
  kind: KindCluster;
  ns: string;
  cluster: FaunaCluster;
  endpoint: () => Endpoint;
  rootKey: string;
}

let shared: Promise<Shared> | undefined;
let namespace: { kind: KindCluster; ns: string } | undefined;
/** Writes acknowledged during the chaos test, read back again after the node replacement. */
let chaosWrites: { collection: string; acked: readonly AckedWrite[] } | undefined;

/** The sample applied in a fresh namespace and Ready, created by whichever test needs it first. */
function readyCluster(kind: KindCluster): Promise<Shared> {
  shared ??= (async () => {
    const ns = await kind.namespace("kind-fauna");
    namespace = { kind, ns };
    const doc = kindSample(SAMPLE, ns);
    await kind.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    const t0 = Date.now();
    const cluster = await waitHealthy(kind, ns, doc.metadata.name ?? "", READY_TIMEOUT_MS);
    console.log(`${SAMPLE} Ready after ${((Date.now() - t0) / 1000).toFixed(0)} s\n${nodeTable(cluster)}`);
    const endpoint = await exposeQueryApi(kind, cluster);
    return { kind, ns, cluster, endpoint: () => endpoint, rootKey: await rootKey(kind, cluster) };
  })();
  return shared;
}

after(async () => {
  if (namespace && process.env.KEEP_NS !== "1") await namespace.kind.deleteNamespace(namespace.ns);
});

const pick = <T>(items: readonly T[]): T => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
};

/** The pod of that name, recreated (another UID) and Ready. */
async function waitRecreated(kind: KindCluster, ns: string, name: string, oldUid: string, timeoutMs: number): Promise<V1Pod> {
  return eventually(`pod ${name} recreated and Ready`, async () => {
    const p = await kind.json<V1Pod>(["-n", ns, "get", "pod", name]);
    return p.metadata?.uid !== oldUid && isPodReady(p) ? p : undefined;
  }, timeoutMs, 2000);
}

describe(`kind tier: ${SAMPLE}`, { timeout: minutes(90) }, () => {
  it("the sample reaches Ready: every node live, Owns = Goal, one leader per log segment", { timeout: READY_TIMEOUT_MS + minutes(2) }, async (t) => {
    const kind = await useKind(t);
    if (!kind) return;
    const { cluster } = await readyCluster(kind);
    assertHealthy(cluster);
    const want = expectedNodes(cluster);
    assert.equal(cluster.status?.readyNodes, want);
    assert.deepEqual(
      cluster.status?.replicas?.map((r) => [r.name, r.members, r.currentType]),
      cluster.spec.replicas.map((r) => [r.name, r.nodes, r.type]),
    );
    // One replica per zone: each StatefulSet's pods run on the worker labelled with its zone.
    const pods = await faunaPods(kind, cluster);
    assert.equal(pods.length, want);
    // The locally built image, run by a real kubelet and containerd under the restricted Pod Security Standard
    // (the namespace enforces it, so the API server admitted only compliant pods).
    for (const p of pods) {
      const c = p.spec?.containers[0];
      assert.equal(c?.image, cluster.spec.image, `${p.metadata?.name} runs the sample's image`);
      assert.equal(p.status?.containerStatuses?.[0]?.image.replace(/^docker\.io\//, ""), cluster.spec.image);
      assert.equal(c?.securityContext?.runAsUser, 65532);
      assert.equal(c?.securityContext?.readOnlyRootFilesystem, true);
    }
    const podSecurity = await kind.kubectl(["get", "namespace", cluster.metadata.namespace ?? "", "-o", "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}"]);
    assert.equal(podSecurity, "restricted");
    const nodes = await kind.json<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>(["get", "nodes"]);
    const zoneOf = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels?.["topology.kubernetes.io/zone"]]));
    for (const replica of cluster.spec.replicas) {
      const zones = new Set(pods.filter((p) => p.metadata?.labels?.[REPLICA_LABEL] === replica.name).map((p) => zoneOf.get(p.spec?.nodeName ?? "")));
      assert.deepEqual([...zones], [replica.placement?.zone], `pods of ${replica.name} run in its zone`);
    }
  });

  it(`returns to Ready after ${CHAOS_ROUNDS} random pod deletions under a bounded write load, losing no acknowledged write`, { timeout: minutes(30) }, async (t) => {
    const kind = await useKind(t);
    if (!kind) return;
    const { ns, cluster, endpoint, rootKey } = await readyCluster(kind);
    const name = cluster.metadata.name ?? "";
    const collection = `kind_chaos_${Date.now()}`;
    await ensureCollection(endpoint(), rootKey, collection);
    // Bounded: the harness's load (src/load), two workers, a pause between operations, a hard cap whatever happens.
    const writes = startLoad({ endpoint, secret: rootKey, collection, workers: 2, pauseMs: 100, maxOps: 10_000 });
    try {
      await eventually("first acknowledged writes", async () => writes.acked.length >= 10, minutes(2), 500);
      for (let round = 1; round <= CHAOS_ROUNDS; round++) {
        const victim = pick((await faunaPods(kind, cluster)).filter(isPodReady));
        const podName = victim.metadata?.name ?? "";
        const t0 = Date.now();
        const ackedBefore = writes.acked.length;
        await kind.kubectl(["-n", ns, "delete", "pod", podName, "--wait=false"]);
        await waitRecreated(kind, ns, podName, victim.metadata?.uid ?? "", minutes(8));
        await waitHealthy(kind, ns, name, minutes(8), (c) => c.status?.nodes?.find((n) => n.pod === podName)?.state === "live");
        console.log(`round ${round}: deleted ${podName}, Ready again after ${((Date.now() - t0) / 1000).toFixed(0)} s, ${writes.acked.length - ackedBefore} writes acknowledged meanwhile`);
      }
    } finally {
      console.log(`writes: ${JSON.stringify(await writes.stop())}`);
    }
    const acked = [...writes.acked];
    assert.ok(acked.length >= 10, `writes were acknowledged (${acked.length})`);
    chaosWrites = { collection, acked };
    const check = await findLost(endpoint, rootKey, collection, acked);
    assert.deepEqual(check.unreadable, [], "every acknowledged write could be read back");
    assert.deepEqual(check.lost, [], `acknowledged writes lost: ${check.lost.length} of ${acked.length}`);
  });

  it("a pod deleted with its PVC is replaced by a fresh host and the old host leaves", { timeout: REPLACE_TIMEOUT_MS + minutes(2) }, async (t) => {
    const kind = await useKind(t);
    if (!kind) return;
    const { ns, cluster, endpoint, rootKey } = await readyCluster(kind);
    // FaunaDB refuses to force-remove the last node of a data replica (FACTS §7.5): the node needs a sibling.
    const replica = cluster.spec.replicas.find((r) => r.nodes >= 2);
    if (!replica) {
      t.skip(`${SAMPLE} has no replica with 2 nodes: replacing a node needs a sibling in its replica (FACTS §7.5)`);
      return;
    }
    const name = cluster.metadata.name ?? "";
    const before = await getCluster(kind, ns, name);
    assertHealthy(before);
    const old = pick((before.status?.nodes ?? []).filter((n) => n.replica === replica.name));
    assert.ok(old.hostId, `host ID of ${old.pod}`);
    const pod = await kind.json<V1Pod>(["-n", ns, "get", "pod", old.pod]);
    const claim = pod.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
    assert.ok(claim, `${old.pod} has a PVC`);
    const oldClaimUid = (await kind.json<V1PersistentVolumeClaim>(["-n", ns, "get", "pvc", claim])).metadata?.uid;
    const t0 = Date.now();
    // The PVC stays (pvc-protection) while the pod uses it; deleting the pod releases it, and the StatefulSet
    // controller makes a new pod and, for a Pending pod whose claim is gone, a new PVC from its template.
    await kind.kubectl(["-n", ns, "delete", "pvc", claim, "--wait=false"]);
    await kind.kubectl(["-n", ns, "delete", "pod", old.pod, "--wait=true", "--timeout=300s"]);
    await eventually(`${old.pod} running on a new PVC`, async () => {
      const pvc = await kind.json<V1PersistentVolumeClaim>(["-n", ns, "get", "pvc", claim]).catch(() => undefined);
      const p = await kind.json<V1Pod>(["-n", ns, "get", "pod", old.pod]).catch(() => undefined);
      return pvc?.metadata?.uid !== undefined && pvc.metadata.uid !== oldClaimUid && p?.status?.phase === "Running";
    }, minutes(5), 2000);
    const replaced = await waitHealthy(kind, ns, name, REPLACE_TIMEOUT_MS, (c) => {
      const n = c.status?.nodes?.find((x) => x.pod === old.pod);
      return n !== undefined && n.hostId !== old.hostId && !(c.status?.nodes ?? []).some((x) => x.hostId === old.hostId);
    });
    console.log(`${old.pod} and its PVC deleted: Ready with a new host after ${((Date.now() - t0) / 1000).toFixed(0)} s\n${nodeTable(replaced)}`);
    assertHealthy(replaced);
    const fresh = replaced.status?.nodes?.find((n) => n.pod === old.pod);
    assert.ok((fresh?.ownership ?? 0) > 0, `data moved to the fresh host of ${old.pod}: owns ${fresh?.ownership}`);
    if (chaosWrites) {
      const check = await findLost(endpoint, rootKey, chaosWrites.collection, chaosWrites.acked);
      assert.deepEqual(check.lost, [], `acknowledged writes lost after the replacement: ${check.lost.length} of ${chaosWrites.acked.length}`);
    }
  });
});
