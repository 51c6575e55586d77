// The 3 × 3 sample (manifests/samples/local/cluster.yaml) at the simulator's real default timings, one operator:
//   1. apply → Ready, split along its critical path into objects created, pods running, FaunaDB's own time (start,
//      init, joins, settle wait, data movement) and the operator's overhead (for each action, from the moment its
//      precondition became observable — polled from outside every 200 ms — until the operator acted, from its log);
//   2. reconcile cost while converging and at steady state (the operator's /metrics: API requests and writes per
//      reconcile, writes and admin calls per minute, reconcile latency from its histogram and its log);
//   3. heal: one pod force-deleted → pod running → FaunaDB back → node live → Ready, split the same way;
//   4. leader handover: a second instance on the same Lease, SIGTERM of the leader; a third, SIGKILL of the leader.
// Usage (inside the tier): npm run local:up && npm run local:exec -- node bench/convergence.ts [--steady-seconds 120]
import { parseArgs } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { generatedRootKeySecretName, TLS_KEYS } from "../src/api/funcs.ts";
import { issueCertAsync } from "../src/faunacluster/tls/pki.ts";
import type { FaunaCluster } from "../src/api/types.ts";
import { readCluster } from "../test/support/killpoints.ts";
import type { TestTier } from "../test/support/localtier.ts";
import { identityOf, OPERATOR_NAMESPACE, sample, type RunningOperator } from "../test/support/operator.ts";
import { actionsOf, firstLine, passDurations, readLog } from "./lib/oplog.ts";
import { convergence, heal, type Split } from "./lib/phases.ts";
import { Prober } from "./lib/prober.ts";
import { costBetween, counters, memoryBreakdown, type Counters } from "./lib/prom.ts";
import { procStats } from "./lib/proc.ts";
import { deleteNamespaceAndWait, operatorBench } from "./lib/tier.ts";
import { saveSection, secs, sleep, table, type Row } from "./lib/report.ts";
import { bucketPercentilesMs, percentilesMs } from "./lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    "steady-seconds": { type: "string", default: "120" },
    "skip-handover": { type: "boolean", default: false },
    "health-port": { type: "string", default: "18131" },
    // A try-out of the benchmark itself: 1 replica × 1 node instead of the 3 × 3 sample.
    small: { type: "boolean", default: false },
  },
});
const STEADY_MS = Number(args["steady-seconds"]) * 1000;
const PORT = Number(args["health-port"]);
const CLUSTER = "fauna";
const SMALL = args.small === true;
const HEAL_POD = SMALL ? "fauna-replica-1-0" : "fauna-replica-2-1";
const say = (m: string) => console.log(`[convergence ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function waitReadyz(op: RunningOperator): Promise<void> {
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${op.healthPort}/readyz`).then((r) => r.ok, () => false)) return;
    if (i > 600) throw new Error(`the operator did not become ready; log: ${op.logFile}`);
    await sleep(100);
  }
}

const scrape = async (op: RunningOperator): Promise<Counters> => counters(await op.metrics());

function prober(tier: TestTier, ns: string): Prober {
  return new Prober(
    {
      listPods: async () => (await tier.core.listNamespacedPod({ namespace: ns, labelSelector: `fauna-operator.io/cluster=${CLUSTER}` })).items,
      readCluster: () => readCluster(tier, ns, CLUSTER),
      rootKey: async () => {
        const s = await tier.core.readNamespacedSecret({ namespace: ns, name: generatedRootKeySecretName({ metadata: { name: CLUSTER } } as FaunaCluster) }).catch(() => undefined);
        const b64 = s?.data?.["root-key"];
        return b64 ? Buffer.from(b64, "base64").toString("utf8") : undefined;
      },
      // TLS is on by default: a client certificate from the cluster's CA, as the operator holds one.
      adminTls: async () => {
        const s = await tier.core.readNamespacedSecret({ namespace: ns, name: `${CLUSTER}-ca` }).catch(() => undefined);
        const text = (k: string) => Buffer.from(s?.data?.[k] ?? "", "base64").toString("utf8");
        const ca = { cert: text(TLS_KEYS.cert), key: text(TLS_KEYS.key) };
        if (!ca.cert || !ca.key) throw new Error(`no CA in Secret ${CLUSTER}-ca yet`);
        const pair = await issueCertAsync(ca, { commonName: "bench-prober", usage: "client", now: new Date(), days: 1 });
        return { ca: ca.cert, cert: pair.cert, key: pair.key };
      },
    },
    { cluster: CLUSTER },
  );
}

function describeSplit(title: string, s: Split): string {
  const lines = [`${title}: ${secs(s.totalMs)} s = operator ${secs(s.byWho.operator)} s + Kubernetes ${secs(s.byWho.kubernetes)} s + FaunaDB ${secs(s.byWho.faunadb)} s`];
  for (const p of s.phases) lines.push(`    ${p.phase.padEnd(40)} ${String(secs(p.ms)).padStart(6)} s  (${p.who})`);
  lines.push("  operator waits (precondition observable → action):");
  for (const w of s.waits) lines.push(`    ${w.action.padEnd(28)} ${String(secs(w.ms)).padStart(6)} s  after "${w.precondition}"`);
  for (const n of s.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

async function holderOf(coord: k8s.CoordinationV1Api, lease: string): Promise<string | undefined> {
  const l = await coord.readNamespacedLease({ namespace: OPERATOR_NAMESPACE, name: lease }).catch(() => undefined);
  return l?.spec?.holderIdentity ?? undefined;
}

async function handover(tier: TestTier, coord: k8s.CoordinationV1Api, lease: string, from: RunningOperator, to: RunningOperator, signal: "SIGTERM" | "SIGKILL") {
  const target = identityOf(to);
  // The standby must have seen the current leader (its election loop runs) before the leader goes.
  for (let i = 0; !readLog(to.logFile).some((l) => l.msg === "leader observed"); i++) {
    if (i > 600) throw new Error(`the standby never observed a leader; log ${to.logFile}`);
    await sleep(100);
  }
  const t = Date.now();
  from.proc.kill(signal);
  let released: number | undefined;
  let holder: string | undefined;
  while ((holder = await holderOf(coord, lease)) !== target) {
    if (holder === "" && released === undefined) released = Date.now();
    if (Date.now() - t > 60_000) throw new Error(`no handover within 60 s after ${signal}`);
    await sleep(50);
  }
  const took = Date.now() - t;
  await from.stop();
  const became = firstLine(readLog(to.logFile), "became leader", t)?.time;
  return { ms: took, releasedMs: released === undefined ? null : released - t, becameLeaderMs: became === undefined ? null : became - t };
}

const bench = await operatorBench("bench-convergence", say);
const { tier, ns, lease } = bench;
const coord = tier.kc.makeApiClient(k8s.CoordinationV1Api);
const start = (port: number) => bench.startOperator(port);
let op = await start(PORT);
const standbys: RunningOperator[] = [];
const probe = prober(tier, ns);
const rows: Row[] = [];
const details: Record<string, unknown> = {};
try {
  await waitReadyz(op);
  const before = await scrape(op);
  const cpuBefore = procStats(op.proc.pid)?.cpuSeconds ?? 0;
  say(`applying the ${SMALL ? "1 × 1 try-out" : "3 × 3 sample"} (real FaunaDB timings)`);
  const doc = sample("cluster.yaml", ns, (spec) => {
    if (SMALL) spec.replicas = [{ ...(spec.replicas as Record<string, unknown>[])[0], nodes: 1 }];
  });
  const settleMs = (((doc.spec as { settleSeconds?: number }).settleSeconds ?? 30) * 1000);
  probe.start();
  const t0 = Date.now();
  await tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
  let peakRss = 0;
  await probe.waitFor("Ready", () => {
    peakRss = Math.max(peakRss, procStats(op.proc.pid)?.rssMb ?? 0);
    return probe.first("ready", CLUSTER, t0) !== undefined;
  }, 900_000);
  const atReady = await scrape(op);
  const pods = SMALL ? [`${CLUSTER}-replica-1-0`] : ["replica-1", "replica-2", "replica-3"].flatMap((r) => [0, 1, 2].map((i) => `${CLUSTER}-${r}-${i}`));
  const key = `${ns}/${CLUSTER}`;
  const conv = convergence({ t0, actions: actionsOf(readLog(op.logFile), key), obs: probe.log, pods, settleMs, cluster: CLUSTER });
  say(describeSplit("apply → Ready", conv));
  const phase = (p: string) => conv.phases.filter((x) => x.phase === p).reduce((n, x) => n + x.ms, 0);
  const creation = costBetween(before, atReady);
  rows.push(
    { what: `${SMALL ? "1×1" : "3×3"} apply → Ready`, value: secs(conv.totalMs), unit: "s" },
    { what: "  objects created (apply → StatefulSets at size)", value: secs(phase("objects created") + (conv.waits[0]?.ms ?? 0)), unit: "s" },
    { what: "  pods running (Kubernetes)", value: secs(phase("pods running")), unit: "s" },
    { what: "  FaunaDB start (admin port answers)", value: secs(phase("FaunaDB start (admin port answers)")), unit: "s" },
    { what: "  topology formed: init + joins (FaunaDB)", value: secs(phase("init") + phase("joins (Hello + daemon start)")), unit: "s" },
    { what: "  settle wait (FaunaDB's rule, settleSeconds)", value: secs(phase("settle wait")), unit: "s" },
    { what: "  data movement + replication change (FaunaDB)", value: secs(phase("data movement") + phase("replication change") + phase("clean storage")), unit: "s" },
    { what: "  pods ready (API port + probe, after movement)", value: secs(phase("pods ready (API port + readiness probe)")), unit: "s" },
    { what: "  FaunaDB's own time (start, init, joins, settle, movement)", value: secs(conv.byWho.faunadb), unit: "s" },
    { what: "  Kubernetes' time (scheduling, pod start, probes)", value: secs(conv.byWho.kubernetes), unit: "s" },
    { what: "  operator overhead", value: secs(conv.byWho.operator), unit: "s", goal: { max: 2 }, note: conv.waits.filter((w) => w.ms >= 500).map((w) => `${w.action} ${secs(w.ms)}`).join(", ") },
    { what: "converging: reconciles", value: creation.reconciles, unit: "" },
    { what: "converging: Kubernetes requests / reconcile", value: creation.kubeRequestsPerReconcile, unit: "" },
    { what: "converging: Kubernetes writes / reconcile", value: creation.kubeWritesPerReconcile, unit: "" },
  );
  details.convergence = { ...conv, cost: creation, peakRssMb: peakRss, cpuSeconds: (procStats(op.proc.pid)?.cpuSeconds ?? 0) - cpuBefore };

  say(`steady state: ${STEADY_MS / 1000} s without changes`);
  await sleep(3_000); // the last status write's own watch event
  const steadyA = await scrape(op);
  const cpuA = procStats(op.proc.pid)?.cpuSeconds ?? 0;
  const tSteady = Date.now();
  await sleep(STEADY_MS);
  const steadyB = await scrape(op);
  const steady = costBetween(steadyA, steadyB);
  const cpuSteady = (procStats(op.proc.pid)?.cpuSeconds ?? 0) - cpuA;
  const lines = readLog(op.logFile);
  const passesAll = percentilesMs(passDurations(lines, t0, Date.now()));
  const passesSteady = percentilesMs(passDurations(lines, tSteady, Date.now()));
  const passesUnblocked = percentilesMs(passDurations(lines, t0, Date.now(), { withoutBlockingActions: true }));
  const histo = bucketPercentilesMs(costBetween(before, steadyB).reconcileBuckets);
  const mem = procStats(op.proc.pid);
  const breakdown = memoryBreakdown(await op.metrics());
  say(`operator memory (MB): ${JSON.stringify(breakdown)}`);
  rows.push(
    { what: "reconcile p50 (operator log, every pass so far)", value: passesAll?.p50 ?? null, unit: "ms" },
    { what: "reconcile p99 (operator log, every pass so far)", value: passesAll?.p99 ?? null, unit: "ms", goal: { max: 1000 } },
    { what: "reconcile p99 (operator histogram, bucket bound)", value: histo?.p99 ?? null, unit: "ms", goal: { max: 1000 } },
    { what: "reconcile p99 without passes blocked on init/join", value: passesUnblocked?.p99 ?? null, unit: "ms", goal: { max: 1000 } },
    { what: "steady: reconciles / min", value: Math.round((steady.reconciles / steady.minutes) * 10) / 10, unit: "" },
    { what: "steady: reconcile p99 (log)", value: passesSteady?.p99 ?? null, unit: "ms" },
    { what: "steady: Kubernetes requests / reconcile", value: steady.kubeRequestsPerReconcile, unit: "" },
    { what: "steady: Kubernetes object writes / min", value: steady.kubeWritesPerMinute, unit: "", goal: { equals: 0 } },
    { what: "steady: Kubernetes requests / min (no watches, no Lease)", value: steady.kubeRequestsPerMinute, unit: "" },
    { what: "steady: Lease requests / min (election)", value: steady.leaseRequestsPerMinute, unit: "" },
    { what: "steady: FaunaDB admin calls / min", value: steady.adminCallsPerMinute, unit: "" },
    { what: "steady: FaunaDB admin writes / min", value: steady.adminWritesPerMinute, unit: "", goal: { equals: 0 } },
    { what: "steady: operator CPU", value: Math.round((cpuSteady / steady.minutes) * 100) / 100, unit: "s/min" },
    { what: `operator RSS (one ${SMALL ? "1×1" : "3×3"} cluster)`, value: mem?.rssMb ?? null, unit: "MB", goal: { max: 150 }, note: `peak ${mem?.peakRssMb ?? "?"} MB; V8 heap used ${breakdown.heapUsed} of ${breakdown.heapTotal} MB` },
  );
  details.steady = { ...steady, cpuSeconds: cpuSteady, passes: passesSteady, histogramP: histo, rss: mem, memoryMb: breakdown };

  say(`heal: force-deleting ${HEAL_POD}`);
  const old = await tier.core.readNamespacedPod({ namespace: ns, name: HEAL_POD });
  const tDel = Date.now();
  await tier.kubectl(["-n", ns, "delete", "pod", HEAL_POD, "--grace-period=0", "--force", "--wait=false"]);
  await probe.waitFor("Ready again", () => {
    const dropped = probe.first("not-ready", CLUSTER, tDel);
    return dropped !== undefined && probe.first("ready", CLUSTER, dropped.at) !== undefined;
  }, 600_000);
  await sleep(500);
  const h = heal({ t0: tDel, pod: HEAL_POD, oldUid: old.metadata?.uid ?? "", actions: actionsOf(readLog(op.logFile), key), obs: probe.log, cluster: CLUSTER });
  say(describeSplit("pod killed → Ready", h));
  const hp = (p: string) => h.phases.filter((x) => x.phase === p).reduce((n, x) => n + x.ms, 0);
  rows.push(
    { what: "heal: pod force-deleted → Ready", value: secs(h.totalMs), unit: "s" },
    { what: "  pod recreated and running (Kubernetes)", value: secs(hp("pod recreated and running")), unit: "s" },
    { what: "  FaunaDB restart (admin port answers)", value: secs(hp("FaunaDB restart (admin port answers)")), unit: "s" },
    { what: "  node live (peers see it up)", value: secs(hp("node live (peers see it up)")), unit: "s" },
    { what: "  pod ready (API port + readiness probe)", value: secs(hp("pod ready (API port + readiness probe)")), unit: "s" },
    { what: "  operator overhead after the pod runs", value: secs(h.overheadAfterRunningMs), unit: "s", goal: { max: 1 } },
    { what: "  Ready=False reported after the kill", value: secs(h.droppedAt === undefined ? null : h.droppedAt - tDel), unit: "s" },
  );
  details.heal = h;

  if (!args["skip-handover"]) {
    say("leader handover: a standby on the same Lease, then SIGTERM of the leader");
    const b = await start(PORT + 1);
    standbys.push(b);
    await waitReadyz(b);
    const term = await handover(tier, coord, lease, op, b, "SIGTERM");
    say(`SIGTERM: new holder after ${secs(term.ms)} s (released ${secs(term.releasedMs)} s, "became leader" logged ${secs(term.becameLeaderMs)} s)`);
    op = b;
    const c = await start(PORT + 2);
    standbys.push(c);
    await waitReadyz(c);
    say("another standby, then SIGKILL of the leader");
    const kill = await handover(tier, coord, lease, op, c, "SIGKILL");
    say(`SIGKILL: new holder after ${secs(kill.ms)} s`);
    op = c;
    rows.push(
      { what: "leader handover after SIGTERM (Lease holder)", value: secs(term.ms), unit: "s", goal: { max: 2 }, note: `Lease released after ${secs(term.releasedMs)} s` },
      { what: "leader handover after SIGKILL (lease 15 s + retry 2 s)", value: secs(kill.ms), unit: "s", goal: { max: 17 } },
    );
    details.handover = { sigterm: term, sigkill: kill };
    const stillReady = probe.first("not-ready", CLUSTER, h.readyAt + 1) === undefined;
    say(`cluster Ready throughout the handovers: ${stillReady}`);
  }
  console.log(`\n${table(rows)}\n`);
  saveSection("convergence", rows, details);
} finally {
  await probe.stop();
  await op.stop();
  for (const s of standbys) await s.stop();
  await deleteNamespaceAndWait(tier, ns);
  await tier.kubectl(["-n", OPERATOR_NAMESPACE, "delete", "lease", lease, "--ignore-not-found"]).catch(() => undefined);
}
