// Nothing destructive on an empty FaunaDB view (issue 10). Mid scale-down — once at stage `cleaning`, once at stage
// `leaving` — the operator is cut off from every node's admin API for 60 s while the cluster and its clients carry on
// (the simulator's fault switch `cut_off_agent` resets the operator's connections, as a NetworkPolicy or DNS outage
// would; a wrong key in the root-key Secret is now a key rotation, see issue 13, so it no longer blinds the
// operator). Before the fix, "no host" read as "host already left" and the next passes shrank the StatefulSet and
// released the PVC of a host that was still a member. Now: no PVC deleted, no StatefulSet shrunk, the member still in
// membership, Degraded/FaunaViewIncomplete. Reconnected, the scale-down completes, and no acknowledged write is lost.
// Real simulator timings.
// Run: npm run local:up && npm run local:exec -- node --test test/integration/topology-view-safety.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { adminClient, adminFetch, adminTls, serviceEndpoint } from "../support/clusterAccess.ts";
import { eventually } from "../support/localtier.ts";
import { ensureCollection, findLost, startLoad, type Endpoint, type RunningLoad } from "../support/load.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const NAME = "fauna-3x1";
const COLLECTION = "ViewSafety";
const OUTAGE_MS = 60_000;

let load: RunningLoad | undefined;
let rootKey = "";
let service: Endpoint;
const suite = operatorSuite({ namespacePrefix: "topview", healthPort: 18097, teardownFirst: () => load?.stop() });

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const isReady = (c: FaunaCluster) => c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
/** Every node resets the operator's admin connections (User-Agent `fauna-operator (...)`) while `on`; the test's own calls pass. */
async function cutOperatorOff(on: boolean): Promise<void> {
  const pods = (await suite.tier.kubectl(["-n", suite.ns, "get", "pods", "-o", "jsonpath={.items[*].status.podIP}"])).split(" ").filter(Boolean);
  const tls = await adminTls(suite.tier.kubectl, suite.ns, NAME);
  for (const ip of pods) {
    const res = await adminFetch(tls, ip, "/admin/debug/sim-fault", {
      method: "PUT",
      headers: { authorization: `Basic ${Buffer.from(`${rootKey}:`).toString("base64")}`, "content-type": "application/json" },
      body: JSON.stringify({ cut_off_agent: on ? "fauna-operator" : "" }),
    });
    assert.equal(res.status, 200, `sim-fault on ${ip}: ${await res.text()}`);
  }
}
const stsReplicas = async () => (await getJson<{ spec: { replicas: number } }>(["-n", suite.ns, "get", "statefulset", `${NAME}-replica-1`])).spec.replicas;
const pvcUid = async (pod: string) => (await getJson<{ metadata: { uid: string } }>(["-n", suite.ns, "get", "pvc", `data-${pod}`])).metadata.uid;
/** Host IDs FaunaDB lists, asked of replica-2's node by the test itself (the cut-off spares it). */
async function membership(): Promise<Set<string>> {
  const admin = await adminClient(suite.tier.kubectl, suite.ns, NAME, { rootKey, timeoutMs: { default: 3000 }, retry: { attempts: 2 } });
  const answer = await admin.status(`${NAME}-replica-2-0.${NAME}-replica-2.${suite.ns}.svc.cluster.local`);
  if (!answer.member) throw new Error("replica-2's node is not a member");
  return new Set(answer.cluster.members.filter((m) => m.address !== "n/a").map((m) => m.hostId));
}

/** Scales replica-1 to `nodes`, cuts the operator off at `stage` for OUTAGE_MS, checks nothing was destroyed, restores. */
async function cutOffDuring(stage: "cleaning" | "leaving", nodes: number): Promise<void> {
  const victim = `${NAME}-replica-1-${nodes}`;
  const host = (await fc()).status?.nodes?.find((n) => n.pod === victim)?.hostId;
  assert.ok(host, `${victim} is a member`);
  const uid = await pvcUid(victim);
  await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: nodes }])]);
  await eventually(`the removal of ${victim} at stage ${stage}`, async () => {
    const t = (await fc()).status?.topology;
    return (t?.operation === "remove" && t.step === stage) || undefined;
  }, 180_000, 100).catch(suite.failWithLogTail);
  await cutOperatorOff(true);
  const cutAt = Date.now();
  const reasons = new Set<string>();
  while (Date.now() - cutAt < OUTAGE_MS) {
    const c = await fc();
    const degraded = c.status?.conditions?.find((x) => x.type === "Degraded");
    if (degraded?.status === "True") reasons.add(degraded.reason);
    assert.equal(await stsReplicas(), nodes + 1, "the StatefulSet is not shrunk while the operator hears no member");
    assert.equal(await pvcUid(victim), uid, `data-${victim} is not released`);
    assert.ok((await membership()).has(host), `host ${host} is still a FaunaDB member`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.ok(reasons.has("FaunaViewIncomplete"), `Degraded/FaunaViewIncomplete while cut off (seen: ${[...reasons].join(", ") || "none"})`);
  await cutOperatorOff(false);
  await eventually(`Ready with ${victim} removed`, async () => {
    const c = await fc();
    const pvcs = await suite.tier.kubectl(["-n", suite.ns, "get", "pvc", "-o", "name"]);
    return (isReady(c) && !pvcs.includes(`data-${victim}`) && (await stsReplicas()) === nodes) || undefined;
  }, 420_000, 2000).catch(suite.failWithLogTail);
  assert.ok(!(await membership()).has(host), `host ${host} left membership`);
}

describe("scale-down with the operator cut off from every node's admin API", { timeout: 1_800_000 }, () => {
  it("reaches Ready (replica-1 at 3 nodes) and writes flow", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns, (spec) => {
      (spec.replicas as { nodes: number }[])[0]!.nodes = 3;
    })));
    const c = await eventually("Ready", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 420_000, 2000).catch(suite.failWithLogTail);
    const secret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", c.status?.rootKeySecretName ?? ""]);
    rootKey = Buffer.from(secret.data["root-key"] ?? "", "base64").toString();
    service = await serviceEndpoint(suite.tier.kubectl, suite.ns, NAME);
    await ensureCollection(service, rootKey, COLLECTION);
    load = startLoad({ endpoint: () => service, secret: rootKey, collection: COLLECTION, workers: 2, pauseMs: 250 });
  });

  it("cut off at stage cleaning (3 → 2): nothing destroyed, then the removal completes", () => cutOffDuring("cleaning", 2));

  it("cut off at stage leaving (2 → 1): nothing destroyed, then the removal completes", () => cutOffDuring("leaving", 1));

  it("loses no acknowledged write", async () => {
    assert.ok(load);
    const report = await load.stop();
    const check = await findLost(() => service, rootKey, COLLECTION, load.acked);
    console.log(`load: ${JSON.stringify(report)}; ${check.checked} read back, ${check.lost.length} lost`);
    assert.ok(report.writesAcknowledged >= 50, `enough writes acknowledged: ${report.writesAcknowledged}`);
    assert.deepEqual(check.lost, []);
    assert.deepEqual(check.unreadable, []);
  });
});
