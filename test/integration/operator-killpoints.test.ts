// The operator SIGKILLed at many points converges every time (issues 3 and 5), on the local tier with the simulator:
// (a) while it creates a 3 x 2 cluster: the owned objects end up exactly what the builders make of the spec, six live
//     members in ONE cluster (each node agrees on the same six host IDs; only replica-1 ordinal 0 was ever
//     initialised), Owns = Goal;
// (b) while it scales replica-1 of a (10, 1, 1) cluster down to 1 node: every removed host left membership, each PVC
//     was released only after its host left (watched throughout), no other host was removed, Ready.
// The kill moments mix: right after start, random, on a topology step not hit yet, right after an action was
// logged; each kill prints what was in flight (status.topology and the killed process's last planner decision).
// Kills per phase: OPERATOR_KILLS (default 20). No leader election, so a restart does not wait out the Lease.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-killpoints.test.ts
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { formatSimEnv, SIM_ENV_ANNOTATION } from "../../src/localtier/runner/simEnv.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { after, before, describe, it } from "node:test";
import { DATA_VOLUME, podDnsName } from "../../src/api/funcs.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import type { FaunaAdmin } from "../../src/fauna/client.ts";
import { adminClient } from "../support/clusterAccess.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";
import { isReady, killRepeatedly, readCluster, summarizePoints } from "../support/killpoints.ts";
import { installCrdAndRbac, type RunningOperator, sample, startOperator } from "../support/operator.ts";
import { differencesFromBuilders } from "../support/ownedObjects.ts";

const KILLS = Number(process.env.OPERATOR_KILLS ?? 20);
// A scale-down is a few operator lives per removed host, and kills that the procedure outlasts are not made: shrinking
// from 10 gives the 20 kills room (OPERATOR_KILLS_SHRINK_FROM / _MIN change both).
const SHRINK_FROM = Number(process.env.OPERATOR_KILLS_SHRINK_FROM ?? 10);
const MIN_SHRINK_KILLS = Number(process.env.OPERATOR_KILLS_SHRINK_MIN ?? Math.min(KILLS, 20));
const NAME = "killed";

let tier: TestTier;
const namespaces: string[] = [];
let op: RunningOperator | undefined;

const start = (ns: string, healthPort: number) => () =>
  startOperator(tier, { namespace: ns, healthPort, leaseName: `lease-${ns}`, extraArgs: ["--leader-elect=false", "--log-level=debug"] });

/**
 * The simulator sped up (explicit settings, src/sim/settings.ts): these tests are about where the operator dies, not
 * FaunaDB's timings, which topology-scale, topology-view-safety and operator-fencing keep real.
 */
function clusterManifest(ns: string, nodes: [number, number, number], settleSeconds?: number): string {
  const doc = sample("cluster-3x1.yaml", ns, (spec) => {
    (spec.replicas as { nodes: number }[]).forEach((r, i) => (r.nodes = nodes[i] ?? 1));
    if (settleSeconds !== undefined) spec.settleSeconds = settleSeconds;
    const meta = spec.podMetadata as { annotations: Record<string, string> };
    meta.annotations[SIM_ENV_ANNOTATION] = formatSimEnv(FAST_SIM_ENV);
  }) as { metadata: { name: string } };
  doc.metadata.name = NAME;
  return JSON.stringify(doc);
}

async function untilReady(ns: string, what: string, timeoutMs: number, extra: (c: FaunaCluster) => boolean = () => true): Promise<FaunaCluster> {
  return eventually(what, async () => {
    const c = await readCluster(tier, ns, NAME);
    return isReady(c) && extra(c) ? c : undefined;
  }, timeoutMs, 1000).catch((err: unknown) => {
    throw new Error(`${String(err)}\noperator log tail:\n${tail(op?.logFile)}`);
  });
}

async function rootKey(ns: string): Promise<string> {
  const s = JSON.parse(await tier.kubectl(["-n", ns, "get", "secret", `${NAME}-root-key`, "-o", "json"])) as { data: Record<string, string> };
  return Buffer.from(s.data["root-key"] ?? "", "base64").toString("utf8").trim();
}

/** Each node's own view of membership (host IDs, sorted), straight from its admin API. */
async function viewsOfEveryNode(admin: FaunaAdmin, c: FaunaCluster, pods: { replica: string; ordinal: number }[]): Promise<Map<string, string>> {
  const views = new Map<string, string>();
  for (const p of pods) {
    const answer = await admin.status(podDnsName(c, p.replica, p.ordinal));
    views.set(`${p.replica}-${p.ordinal}`, answer.member ? answer.cluster.members.map((m) => m.hostId).sort().join(",") : "not a member");
  }
  return views;
}

/** For a failure message: what each running pod's node says of every member (state, status, owns/goal). */
async function membershipDump(admin: FaunaAdmin, ns: string): Promise<string> {
  const pods = JSON.parse(await tier.kubectl(["-n", ns, "get", "pods", "-o", "json"])) as { items: { metadata: { name: string }; status?: { podIP?: string } }[] };
  const lines: string[] = [];
  for (const p of pods.items) {
    if (!p.status?.podIP) continue;
    // The pod's stable DNS name (<pod>.<statefulset>.<ns>.svc.cluster.local): what its certificate carries with TLS on.
    const dns = `${p.metadata.name}.${p.metadata.name.replace(/-\d+$/, "")}.${ns}.svc.cluster.local`;
    const answer = await admin.status(dns).catch((e: unknown) => String(e));
    if (typeof answer === "string" || !answer.member) lines.push(`  ${p.metadata.name}: ${typeof answer === "string" ? answer : "not a member"}`);
    else lines.push(`  ${p.metadata.name}: ${answer.cluster.members.map((m) => `${m.hostId.slice(0, 8)}@${m.address}:${m.replica}:${m.state}/${m.status}:${m.ownership.toFixed(2)}/${m.ownershipGoal.toFixed(2)}`).join(" ")}`);
  }
  return lines.join("\n");
}

type Ev = { reason: string; message: string; count?: number; firstTimestamp?: string; eventTime?: string };
async function events(ns: string): Promise<Ev[]> {
  const out = await tier.kubectl(["-n", ns, "get", "events", "--field-selector", `involvedObject.name=${NAME},involvedObject.kind=FaunaCluster`, "-o", "json"]);
  return (JSON.parse(out) as { items: Ev[] }).items;
}

before(async () => {
  tier = await useTier();
  await installCrdAndRbac(tier);
});
after(async () => {
  await op?.stop();
  if (process.env.KEEP_NS !== "1") for (const ns of namespaces) await tier?.deleteNamespace(ns);
});

describe("operator killed at random points", { timeout: 900_000 }, () => {
  it(`(a) creating a 3x2 cluster with ${KILLS} kills converges to what the builders produce, one cluster, each host initialised once`, async () => {
    const ns = await tier.namespace("opkill-create");
    namespaces.push(ns);
    const restart = start(ns, 18121);
    await op?.stop(); // one operator at a time: the previous test's last one may still run
    op = await restart();
    // Kills cannot stretch a fixed wait, and on a quiet machine init and joins finish within a few kills: a 60 s
    // settle (spec.settleSeconds) leaves room for the kill count whatever the machine's speed.
    await tier.kubectl(["apply", "-f", "-"], clusterManifest(ns, [2, 2, 2], 60));
    const t0 = Date.now();
    // The last kills wait for the end of the settle wait: replication change, data movement, storage cleanup.
    const settleLeftMs = (c: FaunaCluster) => {
      const changedAt = (c.status?.topology as { plan?: { membershipChangedAt?: number } } | undefined)?.plan?.membershipChangedAt;
      return c.status?.topology?.step === "UpdateReplication" && changedAt ? changedAt + 60_000 - Date.now() : NaN;
    };
    const settling = { atKill: KILLS - 2, what: "end of the settle wait", reached: (c: FaunaCluster) => settleLeftMs(c) <= 7000 || ["WaitForMovement", "CleanupAfterAdds"].includes(c.status?.topology?.step ?? ""), timeoutMs: 90_000 };
    const run = await killRepeatedly({ tier, namespace: ns, name: NAME, kills: KILLS, op, start: restart, finished: isReady, midpoint: settling, log: (l) => console.log(l) });
    op = run.op;
    console.log(summarizePoints(run.points));
    assert.equal(run.finishedEarly, false, `the cluster was Ready after only ${run.points.length} kills: kill sooner (or raise the topology size)`);
    assert.ok(run.points.every((p) => !p.ready), "every kill happened before Ready");
    const ready = await untilReady(ns, "Ready after the last restart", 240_000);
    console.log(`(a) Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after apply, through ${run.points.length} kills`);

    assert.deepEqual(await differencesFromBuilders(tier, ready), [], "owned objects are exactly what the builders make of the spec");

    const nodes = ready.status?.nodes ?? [];
    assert.equal(nodes.length, 6);
    for (const n of nodes) {
      assert.equal(n.state, "live", JSON.stringify(n));
      assert.equal(n.status, "up", JSON.stringify(n));
      assert.equal(n.ownership, n.ownershipGoal, `Owns = Goal on ${n.pod}`);
    }
    const hosts = nodes.map((n) => n.hostId);
    assert.equal(new Set(hosts).size, 6, `six distinct host IDs: ${hosts.join(", ")}`);
    assert.deepEqual(ready.status?.replicas?.map((r) => [r.name, r.members, r.currentType]), [
      ["replica-1", 2, "data+log"],
      ["replica-2", 2, "data+log"],
      ["replica-3", 2, "data+log"],
    ]);
    // One cluster: every node, asked directly, sees the same six members (a second init would make a second cluster).
    const admin = await adminClient(tier.kubectl, ns, NAME, { rootKey: await rootKey(ns), timeoutMs: { default: 5_000 } });
    const pods = ["replica-1", "replica-2", "replica-3"].flatMap((replica) => [0, 1].map((ordinal) => ({ replica, ordinal })));
    const views = await viewsOfEveryNode(admin, ready, pods);
    const expected = [...hosts].sort().join(",");
    for (const [pod, view] of views) assert.equal(view, expected, `${pod} sees the cluster of the other nodes`);
    const inits = (await events(ns)).filter((e) => e.reason === "Initializing");
    assert.ok(inits.length > 0, "the init is recorded");
    assert.deepEqual([...new Set(inits.map((e) => /on (\S+)/.exec(e.message)?.[1]))], [`${NAME}-replica-1-0`], "only replica-1 ordinal 0 was ever initialised");
  });

  it(`(b) scaling replica-1 from ${SHRINK_FROM} to 1 with up to ${KILLS} kills removes exactly its ${SHRINK_FROM - 1} other hosts, each before its PVC`, async () => {
    const ns = await tier.namespace("opkill-shrink");
    namespaces.push(ns);
    const restart = start(ns, 18122);
    await op?.stop();
    op = await restart();
    await tier.kubectl(["apply", "-f", "-"], clusterManifest(ns, [SHRINK_FROM, 1, 1]));
    const before = await untilReady(ns, `the (${SHRINK_FROM}, 1, 1) cluster Ready (undisturbed)`, 240_000);
    const hostOf = (c: FaunaCluster, pod: string) => c.status?.nodes?.find((n) => n.pod === `${NAME}-${pod}`)?.hostId;
    const removedOrdinals = Array.from({ length: SHRINK_FROM - 1 }, (_, i) => i + 1);
    const removed = removedOrdinals.map((i) => hostOf(before, `replica-1-${i}`));
    const kept = ["replica-1-0", "replica-2-0", "replica-3-0"].map((p) => hostOf(before, p));
    assert.ok([...removed, ...kept].every((h) => h !== undefined), JSON.stringify(before.status?.nodes));

    // Watch throughout: a PVC of a removed ordinal may be gone only once its host left membership.
    const admin = await adminClient(tier.kubectl, ns, NAME, { rootKey: await rootKey(ns), timeoutMs: { default: 3_000 }, retry: { attempts: 1 } });
    const witness = podDnsName(before, "replica-2", 0);
    const violations: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          const pvcs = await tier.kubectl(["-n", ns, "get", "pvc", "-o", "name"]);
          const answer = await admin.status(witness);
          if (answer.member) {
            const members = answer.cluster.members.map((m) => m.hostId);
            for (const [i, host] of removed.entries()) {
              const pvc = `${DATA_VOLUME}-${NAME}-replica-1-${i + 1}`;
              if (!pvcs.includes(pvc) && host !== undefined && members.includes(host)) violations.push(`${pvc} gone while host ${host} is still a member`);
            }
            for (const host of kept) if (host !== undefined && !members.includes(host)) violations.push(`kept host ${host} left membership`);
          }
        } catch {
          // the witness may be briefly unreachable; the next round looks again
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    await tier.kubectl(["-n", ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: 1 }])]);
    const t0 = Date.now();
    const done = (c: FaunaCluster) => isReady(c) && (c.status?.nodes ?? []).length === 3;
    const run = await killRepeatedly({ tier, namespace: ns, name: NAME, kills: KILLS, op, start: restart, finished: done, log: (l) => console.log(l) });
    op = run.op;
    console.log(summarizePoints(run.points));
    try {
      assert.ok(run.points.length >= MIN_SHRINK_KILLS, `the scale-down finished after only ${run.points.length} kills`);
      const after = await eventually("Ready with 3 nodes and the PVCs of the removed ordinals gone", async () => {
        const c = await readCluster(tier, ns, NAME);
        const pvcs = await tier.kubectl(["-n", ns, "get", "pvc", "-o", "name"]);
        return done(c) && removedOrdinals.every((i) => !pvcs.includes(`${NAME}-replica-1-${i}`)) ? c : undefined;
      }, 480_000, 1000).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nstatus.topology: ${JSON.stringify((await readCluster(tier, ns, NAME)).status?.topology)}\n` +
          `each node's view:\n${await membershipDump(admin, ns)}\noperator log tail:\n${tail(op?.logFile)}`);
      });
      console.log(`(b) scale-down Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after the patch, through ${run.points.length} kills`);
      await new Promise((r) => setTimeout(r, 1000)); // one more round of the watcher on the end state
      watching = false;
      await watcher;
      assert.deepEqual(violations, [], "no PVC released before its host left; no kept host removed");

      const nodes = after.status?.nodes ?? [];
      assert.deepEqual(nodes.map((n) => n.hostId).sort(), [...kept].sort(), "the three kept hosts, and only they, are members");
      for (const n of nodes) assert.equal(n.state, "live", JSON.stringify(n));
      assert.equal(after.status?.replicas?.[0]?.members, 1);
      const sts = JSON.parse(await tier.kubectl(["-n", ns, "get", "statefulset", `${NAME}-replica-1`, "-o", "json"])) as { spec: { replicas: number } };
      assert.equal(sts.spec.replicas, 1);
      const pvcs = (await tier.kubectl(["-n", ns, "get", "pvc", "-o", "name"])).trim().split("\n").sort();
      assert.deepEqual(pvcs, ["replica-1-0", "replica-2-0", "replica-3-0"].map((p) => `persistentvolumeclaim/${DATA_VOLUME}-${NAME}-${p}`));
      // Each removed host: a graceful removal, then the forced one once its data moved (FACTS Corrections 2); nothing else.
      const removals = (await events(ns)).filter((e) => e.reason === "RemovingNode");
      for (const e of removals) {
        assert.ok(removed.some((h) => h !== undefined && (e.message === `removing host ${h}` || e.message === `force-removing host ${h}`)), `only removals of the removed hosts: ${e.message}`);
      }
      assert.deepEqual([...new Set(removals.map((e) => e.message))].sort(), removed.flatMap((h) => [`force-removing host ${h}`, `removing host ${h}`]).sort());
      assert.deepEqual(await differencesFromBuilders(tier, after), [], "owned objects are what the builders make of the new spec");
    } finally {
      watching = false;
      await watcher;
    }
  });
});

function tail(file: string | undefined): string {
  if (!file) return "";
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => !l.includes('"level":20')).slice(-40).join("\n");
  } catch {
    return "";
  }
}
