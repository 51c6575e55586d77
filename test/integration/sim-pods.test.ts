// The simulator runs as the pods the operator's builders describe (restricted Pod Security, rendered faunadb.yml,
// root key from a Secret file), started by the tier's runner; this test wires a 3 × 3 cluster by hand over the admin
// API with the OPERATING.md sequence (FACTS §7.4), as a person would without an operator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { useTier, eventually, type TestTier } from "../support/localtier.ts";
import { threeByThree, SIMULATOR_IMAGE } from "../fixtures/faunacluster/valid.ts";
import { buildStatefulSet } from "../../src/faunacluster/build/statefulSet.ts";
import { buildHeadlessService } from "../../src/faunacluster/build/headlessService.ts";
import { buildConfigMap } from "../../src/faunacluster/build/configMap.ts";
import { hashRootKey } from "../../src/faunacluster/rootKeyHashes.ts";
import { buildRootKeySecret } from "../../src/faunacluster/build/rootKeySecret.ts";
import { podDnsName } from "../../src/api/funcs.ts";
import { createHttpFaunaAdmin } from "../../src/fauna/client.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { basic, http } from "../../src/sim/testing/processCluster.ts";
import { formatSimEnv, SIM_ENV_ANNOTATION } from "../../src/localtier/runner/simEnv.ts";

let tier: TestTier;
let ns: string;
before(async () => {
  tier = await useTier();
  ns = await tier.namespace("simpods");
});
after(async () => tier && ns && tier.deleteNamespace(ns));

test("a 3 × 3 simulated FaunaDB cluster runs as pods and is wired by hand: all up/live, Owns = Goal, a leader per segment, writes available", { timeout: 300_000 }, async () => {
  const cluster: FaunaCluster = threeByThree("fauna", ns);
  cluster.spec.image = SIMULATOR_IMAGE;
  // Wired by hand, with no operator to issue certificates: no TLS, so the peer bus stays cleartext too.
  cluster.spec.tls = { mode: "Disabled" };
  // Simulator settings reach the pods through the tier's annotation, not through anything the operator renders.
  cluster.spec.podMetadata = { annotations: { "local.fauna-operator.io/run": "process", [SIM_ENV_ANNOTATION]: formatSimEnv({ ...FAST_SIM_ENV, FAUNA_SIM_SETTLE_MS: "2000" }) } };
  // No FaunaCluster object exists here (no operator): drop the owner references, or the garbage collector would
  // delete everything as orphans of a missing owner.
  const unowned = <T extends { metadata?: k8s.V1ObjectMeta }>(o: T): T => {
    delete o.metadata?.ownerReferences;
    return o;
  };
  const secret = unowned(buildRootKeySecret(cluster));
  const rootKey = Buffer.from(Object.values(secret.data ?? {})[0] ?? "", "base64").toString() || Object.values(secret.stringData ?? {})[0] || "";
  assert.ok(rootKey.length > 8, "the generated root key");
  await tier.core.createNamespacedSecret({ namespace: ns, body: secret });
  await tier.core.createNamespacedConfigMap({ namespace: ns, body: unowned(buildConfigMap(cluster, { rootKeyHashes: Object.fromEntries(cluster.spec.replicas.map((r) => [r.name, [hashRootKey(rootKey)]])) })) });
  const replicas = cluster.spec.replicas.map((r) => r.name);
  for (const r of replicas) {
    await tier.core.createNamespacedService({ namespace: ns, body: unowned(buildHeadlessService(cluster, r)) });
    const sts = unowned(buildStatefulSet(cluster, r) as k8s.V1StatefulSet);
    sts.spec!.replicas = 3;
    // Pods start the simulator as FaunaDB's image starts FaunaDB, `faunadb -c <config>` (issue 9 item 4): the tier
    // puts the simulator's launcher on PATH.
    const c = sts.spec!.template.spec!.containers[0]!;
    c.command = c.command!.map((a) => a.replace(/exec fauna-operator sim --config (\S+)/, "exec faunadb -c $1"));
    assert.match(c.command.join(" "), /exec faunadb -c /);
    await tier.apps.createNamespacedStatefulSet({ namespace: ns, body: sts });
  }

  const admin = createHttpFaunaAdmin({ rootKey });
  const dns = (r: string, i: number) => podDnsName(cluster, r, i);
  const all = replicas.flatMap((r) => [0, 1, 2].map((i) => ({ r, i, host: dns(r, i) })));
  // A fresh node answers its admin port at once, with 500 `Host is not initialized` (FACTS Corrections 1).
  await eventually("9 admin APIs answering", async () => {
    const answers = await Promise.all(all.map((n) => http(n.host, 8444, "GET", "/admin/identity", undefined, basic(rootKey)).then((r) => r.status === 500, () => false)));
    return answers.every(Boolean);
  }, 120_000, 500);

  const seedHost = dns(replicas[0]!, 0);
  await admin.init(seedHost, replicas[0]!);
  for (const n of all.slice(1)) await admin.join(n.host, { host: seedHost, peerPort: 7500 }, n.r);
  await new Promise((r) => setTimeout(r, 2500));
  const rep = await admin.getReplication(seedHost);
  assert.equal(await admin.putReplication(seedHost, replicas.map((name) => ({ name, type: "data+log" as const })), rep.etag), "applied");

  const status = await eventually("all live, Owns = Goal, movement idle", async () => {
    const s = await admin.status(seedHost);
    if (!s.member) return undefined;
    const m = s.cluster.members;
    const settled = m.length === 9 && m.every((x) => x.status === "up" && x.state === "live" && Math.abs(x.ownership - x.ownershipGoal) < 1e-9);
    return settled && (await admin.movementStatus(seedHost)).idle ? s.cluster : undefined;
  }, 180_000, 1000);
  const leaders = status.members.filter((m) => m.leader).map((m) => m.logSegment).sort();
  assert.deepEqual(leaders, [0, 1, 2], "one leader per log segment");
  assert.equal((await admin.ping(seedHost, "write")).ok, true);

  const pods = await eventually("all 9 pods Ready (readiness /ping?scope=node on 8443)", async () => {
    const list = (await tier.core.listNamespacedPod({ namespace: ns })).items;
    return list.length === 9 && list.every((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) ? list : undefined;
  }, 60_000);
  for (const p of pods) assert.match(p.status?.podIP ?? "", /^10\.244\./);
});
