// Clock skew on the local tier (README, local tier: clock skew): annotating a running simulator pod with
// `local.fauna-operator.io/clock-offset` moves that node's wall clock, as TimeChaos would on a real cluster, and removing
// the annotation takes the skew away. Observed as FaunaDB shows it: the `persisted_timestamp` column of
// `/admin/status`, from the skewed node itself and from its peer (which reads it from heartbeats).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { useTier, eventually, type TestTier } from "../support/localtier.ts";
import { minimalCluster, SIMULATOR_IMAGE } from "../fixtures/faunacluster/valid.ts";
import { buildStatefulSet } from "../../src/faunacluster/build/statefulSet.ts";
import { buildHeadlessService } from "../../src/faunacluster/build/headlessService.ts";
import { buildConfigMap } from "../../src/faunacluster/build/configMap.ts";
import { hashRootKey } from "../../src/faunacluster/rootKeyHashes.ts";
import { buildRootKeySecret } from "../../src/faunacluster/build/rootKeySecret.ts";
import { podDnsName, podName } from "../../src/api/funcs.ts";
import { createHttpFaunaAdmin } from "../../src/fauna/client.ts";
import { CLOCK_OFFSET_ANNOTATION } from "../../src/localtier/runner/clockOffset.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { basic, http } from "../../src/sim/testing/processCluster.ts";
import { formatSimEnv, SIM_ENV_ANNOTATION } from "../../src/localtier/runner/simEnv.ts";

/** The skewed node's own view is off by one request's latency; its peer's also by the heartbeat's age (400 ms). */
const OWN_TOLERANCE_MS = 300;
const PEER_TOLERANCE_MS = 1500;

/** The pid of a run pod's container process: the one whose environment names the pod's stage dir. */
function podProcess(uid: string): number | undefined {
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(`FAUNA_LOCALTIER_ROOT=/run/fauna-localtier/${uid}`)) return Number(e);
    } catch {
      /* exited, or not ours */
    }
  }
  return undefined;
}

let tier: TestTier;
let ns: string;
before(async () => {
  tier = await useTier();
  ns = await tier.namespace("clockskew");
});
after(async () => tier && ns && tier.deleteNamespace(ns));

test("a clock-offset annotation skews one simulator node while it runs, and removing it takes the skew away", { timeout: 180_000 }, async (t) => {
  const cluster: FaunaCluster = minimalCluster("fauna", ns);
  cluster.spec.image = SIMULATOR_IMAGE;
  // Wired by hand, with no operator to issue certificates: no TLS, so the peer bus stays cleartext too.
  cluster.spec.tls = { mode: "Disabled" };
  cluster.spec.replicas[0]!.nodes = 2;
  // Heartbeats every 400 ms (the peer's view of the skew is at most one heartbeat old) and no start delay, through
  // the tier's simulator-settings annotation.
  cluster.spec.podMetadata = { annotations: { "local.fauna-operator.io/run": "process", [SIM_ENV_ANNOTATION]: formatSimEnv({ ...FAST_SIM_ENV, FAUNA_SIM_CHECK_INTERVAL_MS: "400" }) } };
  const unowned = <T extends { metadata?: k8s.V1ObjectMeta }>(o: T): T => {
    delete o.metadata?.ownerReferences;
    return o;
  };
  const secret = unowned(buildRootKeySecret(cluster));
  const rootKey = Buffer.from(Object.values(secret.data ?? {})[0] ?? "", "base64").toString() || Object.values(secret.stringData ?? {})[0] || "";
  await tier.core.createNamespacedSecret({ namespace: ns, body: secret });
  await tier.core.createNamespacedConfigMap({ namespace: ns, body: unowned(buildConfigMap(cluster, { rootKeyHashes: Object.fromEntries(cluster.spec.replicas.map((r) => [r.name, [hashRootKey(rootKey)]])) })) });
  const replica = cluster.spec.replicas[0]!.name;
  await tier.core.createNamespacedService({ namespace: ns, body: unowned(buildHeadlessService(cluster, replica)) });
  const sts = unowned(buildStatefulSet(cluster, replica) as k8s.V1StatefulSet);
  sts.spec!.replicas = 2;
  await tier.apps.createNamespacedStatefulSet({ namespace: ns, body: sts });

  const admin = createHttpFaunaAdmin({ rootKey, retry: { attempts: 1 } });
  const [seed, skewed] = [0, 1].map((i) => podDnsName(cluster, replica, i)) as [string, string];
  const skewedPod = podName(cluster, replica, 1);
  // Fresh nodes answer 500 `Host is not initialized` (FACTS Corrections 1).
  await eventually("both admin APIs answering", async () => (await Promise.all([seed, skewed].map((h) => http(h, 8444, "GET", "/admin/identity", undefined, basic(rootKey)).then((r) => r.status === 500, () => false)))).every(Boolean), 90_000, 500);
  await admin.init(seed, replica);
  await admin.join(skewed, { host: seed, peerPort: 7500 }, replica);
  const skewedId = await admin.identity(skewed);
  const seedId = await admin.identity(seed);
  assert.ok(skewedId && seedId);

  // Once the cluster is up, a host seen down would mean a clock jump looked like a dead peer.
  let watchingLiveness = false;
  const seenDown: string[] = [];
  /** persisted_timestamp minus the real time, for each host, as `viewer` reports them. */
  const skews = async (viewer: string) => {
    const s = await admin.status(viewer);
    if (!s.member || s.cluster.members.length !== 2) return undefined;
    const now = Date.now();
    if (watchingLiveness) seenDown.push(...s.cluster.members.filter((m) => m.status !== "up").map((m) => `${m.address} by ${viewer}`));
    const ts = (id: string) => s.cluster.members.find((m) => m.hostId === id)?.persistedTimestamp;
    const [a, b] = [ts(seedId), ts(skewedId)];
    return a && b ? { seed: Date.parse(a) - now, skewed: Date.parse(b) - now } : undefined;
  };
  const near = (actual: number, expected: number, tolerance = PEER_TOLERANCE_MS) => Math.abs(actual - expected) <= tolerance;
  /** Waits until both views agree that only the skewed node is off, by `expectedMs`; returns how long that took. */
  const converges = async (what: string, expectedMs: number) => {
    const t0 = Date.now();
    await eventually(what, async () => {
      const own = await skews(skewed);
      const fromSeed = await skews(seed);
      return !!own && !!fromSeed && near(own.skewed, expectedMs, OWN_TOLERANCE_MS) && near(fromSeed.skewed, expectedMs) &&
        near(own.seed, 0) && near(fromSeed.seed, 0, OWN_TOLERANCE_MS);
    }, 15_000, 200);
    return Date.now() - t0;
  };
  const annotate = (value: string | null) =>
    tier.kubectl(["annotate", "pod", skewedPod, "-n", ns, value === null ? `${CLOCK_OFFSET_ANNOTATION}-` : `${CLOCK_OFFSET_ANNOTATION}=${value}`, "--overwrite"]);

  await eventually("both hosts up", async () => (await admin.status(seed).then((s) => s.member && s.cluster.members.every((m) => m.status === "up"))), 30_000);
  await converges("no skew before any annotation", 0);
  watchingLiveness = true;
  const figures: string[] = [];
  for (const [value, ms] of [["+0.5", 500], ["-2", -2000], ["+5s", 5000]] as const) {
    await annotate(value);
    figures.push(`${value} in ${await converges(`skew ${value}`, ms)} ms`);
  }

  // A restarted container keeps its pod's offset from its first answer on.
  const uid = (await tier.core.readNamespacedPod({ name: skewedPod, namespace: ns })).metadata?.uid ?? "";
  const pid = podProcess(uid);
  assert.ok(pid, `the process of pod ${skewedPod}`);
  watchingLiveness = false;
  process.kill(pid, "SIGKILL");
  await eventually("the container restarted", async () => {
    const p = await tier.core.readNamespacedPod({ name: skewedPod, namespace: ns });
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && podProcess(uid) !== pid;
  }, 30_000);
  const first = await eventually("the restarted node answering", () => skews(skewed), 30_000, 100);
  assert.ok(near(first.skewed, 5000, OWN_TOLERANCE_MS), `skew after the restart: ${first.skewed} ms`);
  await converges("skew kept after the restart", 5000);
  watchingLiveness = true;
  await annotate(null);
  figures.push(`removed in ${await converges("skew removed", 0)} ms`);

  // A value the simulator cannot parse (FAKETIME has no ms unit) leaves the clock as it was, and says so in the log.
  await annotate("+500ms");
  await new Promise((r) => setTimeout(r, 2500));
  await converges("an invalid offset ignored", 0);
  const logs = await eventually("the complaint in the pod's log", async () => {
    const text = await tier.kubectl(["-n", ns, "logs", skewedPod]).catch(() => "");
    return text.includes(`"+500ms" is not a relative offset`) ? text : undefined;
  }, 10_000, 500);
  // The restarted container's log: the offset read at its start, then its removal.
  assert.match(logs, /clock offset 0 ms -> 5000 ms[^\n]*\n(.*\n)*.*clock offset 5000 ms -> 0 ms/);
  assert.deepEqual(seenDown, [], "no host seen down while clocks jumped");
  t.diagnostic(`clock skew applied: ${figures.join(", ")}`);
});
