// One operator, 1 → 10 → 50 → 100 FaunaClusters of 1 replica × 1 node each (the smallest cluster: init only, no
// join, no replication change, so no settle wait), the simulator at FaunaDB's real timings (admin port 15 s after
// start, init 3 s). Each step adds clusters at once and measures: time until all are Ready after their pods run,
// the operator's own delay per cluster (admin port answering → init sent, pod ready → Ready reported), reconcile
// latency, the operator's RSS and CPU seconds (while converging and over an idle minute), and the growth per 10×.
// Usage (inside the tier): npm run local:exec -- node bench/scale.ts [--counts 1,10,50,100] [--steady-seconds 60]
import { parseArgs } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { CLUSTER_LABEL, TLS_KEYS } from "../src/api/funcs.ts";
import { issueCertAsync } from "../src/faunacluster/tls/pki.ts";
import type { ClientCertTls } from "../src/load/tls.ts";
import { adminFetch } from "../test/support/clusterAccess.ts";
import { API_GROUP, API_VERSION, PLURAL, type FaunaCluster } from "../src/api/types.ts";
import * as k8s from "@kubernetes/client-node";
import { OPERATOR_NAMESPACE, sample, type RunningOperator } from "../test/support/operator.ts";
import { actionsOf, passDurations, readLog } from "./lib/oplog.ts";
import { isReadyCluster } from "./lib/prober.ts";
import { costBetween, counters, memoryBreakdown, type CostWindow } from "./lib/prom.ts";
import { procStats } from "./lib/proc.ts";
import { deleteNamespaceAndWait, operatorBench } from "./lib/tier.ts";
import { saveSection, secs, sleep, table, type Row } from "./lib/report.ts";
import { bucketPercentilesMs, percentilesMs, ratio, type Percentiles } from "./lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    counts: { type: "string", default: "1,10,50,100" },
    "steady-seconds": { type: "string", default: "60" },
    "health-port": { type: "string", default: "18141" },
    "timeout-seconds": { type: "string", default: "600" },
  },
});
const COUNTS = args.counts.split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const STEADY_MS = Number(args["steady-seconds"]) * 1000;
const TIMEOUT_MS = Number(args["timeout-seconds"]) * 1000;
const say = (m: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${m}`);
const nameOf = (i: number) => `c${String(i).padStart(3, "0")}`;

type Seen = { running?: number; port?: number; podReady?: number; ready?: number; podIP?: string };

const bench = await operatorBench("bench-scale", say);
const { tier, ns, lease } = bench;
const custom = tier.kc.makeApiClient(k8s.CustomObjectsApi);
const op: RunningOperator = await bench.startOperator(Number(args["health-port"]), ["--max-concurrent-reconciles", "10"]);
const seen = new Map<string, Seen>();
const keys = new Map<string, string>();
const adminTls = new Map<string, ClientCertTls>();
type Step = {
  clusters: number;
  added: number;
  podsRunningAfterApplyS: number | null;
  readyAfterPodsRunningS: number | null;
  /** Of `added`, how many were Ready when the step ended (all, unless it timed out). */
  ready: number;
  applyToAllReadyS: number | null;
  operatorDelayPerCluster: Percentiles | null;
  faunadbTimePerCluster: Percentiles | null;
  reconcileLog: Percentiles | null;
  reconcileLogUnblocked: Percentiles | null;
  reconcileHistogram: Percentiles | null;
  convergingCost: CostWindow;
  cpuSecondsConverging: number;
  idle: CostWindow & { cpuSecondsPerMinute: number; passes: Percentiles | null };
  rssMb: number | null;
  /** prom-client's view: RSS, V8 heap total/used, external, used per V8 space. */
  memoryMb: Record<string, number>;
  peakRssMb: number;
};
const steps: Step[] = [];
const rows: Row[] = [];

/** One round: every pod and every FaunaCluster of the namespace (two list calls), admin ports of pods not yet answering. */
async function observe(): Promise<void> {
  const [pods, clusters] = await Promise.all([
    tier.core.listNamespacedPod({ namespace: ns }).then((r) => r.items as V1Pod[]),
    custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: PLURAL }).then((r) => (r as { items: FaunaCluster[] }).items),
  ]);
  const at = Date.now();
  if ([...seen.keys()].some((n) => !keys.has(n) || !adminTls.has(n))) {
    // The generated root keys (`<cluster>-root-key`) and, TLS being on by default, a client certificate from each
    // cluster's CA (`<cluster>-ca`), held in memory only.
    for (const sec of (await tier.core.listNamespacedSecret({ namespace: ns })).items) {
      const name = sec.metadata?.name ?? "";
      const data = sec.data ?? {};
      const text = (k: string) => Buffer.from(data[k] ?? "", "base64").toString("utf8");
      if (name.endsWith("-root-key") && data["root-key"]) keys.set(name.slice(0, -"-root-key".length), text("root-key"));
      const cluster = name.slice(0, -"-ca".length);
      if (name.endsWith("-ca") && data[TLS_KEYS.cert] && data[TLS_KEYS.key] && !adminTls.has(cluster)) {
        const ca = { cert: text(TLS_KEYS.cert), key: text(TLS_KEYS.key) };
        const pair = await issueCertAsync(ca, { commonName: "bench", usage: "client", now: new Date(), days: 1 });
        adminTls.set(cluster, { ca: ca.cert, cert: pair.cert, key: pair.key, serverName: `${cluster}.${ns}.svc` });
      }
    }
  }
  for (const c of clusters) {
    const s = seen.get(c.metadata.name ?? "");
    if (s && s.ready === undefined && isReadyCluster(c)) s.ready = at;
  }
  const asks: Promise<unknown>[] = [];
  for (const p of pods) {
    const s = seen.get(p.metadata?.labels?.[CLUSTER_LABEL] ?? "");
    if (!s) continue;
    if (s.running === undefined && p.status?.phase === "Running" && p.status.podIP) s.running = at;
    s.podIP = p.status?.podIP;
    if (s.podReady === undefined && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) s.podReady = at;
    // The admin port is open when the pod answers with its cluster's root key (any answer but 401): a process of a
    // deleted pod still stopping at a reused IP answers too, but refuses this key (seen in the 13:29 run, RESULTS.md).
    const clusterName = p.metadata?.labels?.[CLUSTER_LABEL] ?? "";
    const key = keys.get(clusterName);
    if (s.port === undefined && s.running !== undefined && s.podIP && key) {
      const authorization = `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
      asks.push(
        adminFetch(adminTls.get(clusterName), s.podIP, "/admin/identity", { headers: { authorization }, signal: AbortSignal.timeout(1000) }).then(
          (r) => void (r.status !== 401 && (s.port ??= Date.now())),
          () => undefined,
        ),
      );
    }
  }
  await Promise.all(asks);
}

try {
  for (let i = 0; i < 600 && !(await fetch(`http://127.0.0.1:${op.healthPort}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(100);
  let prevCount = 0;
  for (const count of COUNTS) {
    const names = Array.from({ length: count - prevCount }, (_, k) => nameOf(prevCount + k + 1));
    say(`${count} clusters: adding ${names.length} (1 replica × 1 node each)`);
    const items = names.map((name) => {
      const doc = sample("cluster.yaml", ns, (spec) => {
        spec.replicas = [{ ...(spec.replicas as Record<string, unknown>[])[0], nodes: 1 }];
      });
      (doc.metadata as Record<string, unknown>).name = name;
      return doc;
    });
    const before = counters(await op.metrics());
    const cpu0 = procStats(op.proc.pid)?.cpuSeconds ?? 0;
    const t0 = Date.now();
    for (const n of names) seen.set(n, {});
    await tier.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    let peakRss = 0;
    let timedOut = false;
    for (;;) {
      await observe().catch(() => undefined);
      peakRss = Math.max(peakRss, procStats(op.proc.pid)?.rssMb ?? 0);
      if (names.every((n) => seen.get(n)?.ready !== undefined)) break;
      if (Date.now() - t0 > TIMEOUT_MS) {
        timedOut = true;
        say(`${names.filter((n) => seen.get(n)?.ready === undefined).length} clusters not Ready after ${TIMEOUT_MS / 1000} s (log ${op.logFile}): recorded as such, no larger step`);
        break;
      }
      await sleep(250);
    }
    const tReady = Date.now();
    const atReady = counters(await op.metrics(), tReady);
    const cpuConverge = (procStats(op.proc.pid)?.cpuSeconds ?? 0) - cpu0;
    const batch = names.map((n) => seen.get(n)!);
    const allRunning = Math.max(...batch.map((s) => s.running ?? Infinity));
    const readyCount = batch.filter((s) => s.ready !== undefined).length;
    const allReady = timedOut ? Infinity : Math.max(...batch.map((s) => s.ready!));
    // Per cluster: the operator's own delay = (init sent − admin port answered) + (Ready seen − max(pod ready, init answered)).
    const lines = readLog(op.logFile);
    const opDelay: number[] = [];
    const dbTime: number[] = [];
    for (const n of names) {
      const s = seen.get(n)!;
      const init = actionsOf(lines, `${ns}/${n}`).find((a) => a.kind === "init");
      if (!init || s.port === undefined || s.podReady === undefined || s.ready === undefined) continue;
      opDelay.push(Math.max(0, init.at - s.port) + Math.max(0, s.ready - Math.max(s.podReady, init.doneAt ?? init.at)));
      dbTime.push(s.port - (s.running ?? s.port) + ((init.doneAt ?? init.at) - init.at));
    }
    const passes = percentilesMs(passDurations(lines, t0, tReady));
    const passesUnblocked = percentilesMs(passDurations(lines, t0, tReady, { withoutBlockingActions: true }));
    const converging = costBetween(before, atReady);
    const histo = bucketPercentilesMs(converging.reconcileBuckets);
    say(`${count}: all pods running ${secs(allRunning - t0)} s after apply, all Ready ${secs(allReady - allRunning)} s after that`);

    await sleep(5_000);
    const idleA = counters(await op.metrics());
    const cpuA = procStats(op.proc.pid)?.cpuSeconds ?? 0;
    const tIdle = Date.now();
    await sleep(STEADY_MS);
    const idleText = await op.metrics();
    const idleB = counters(idleText);
    const memory = memoryBreakdown(idleText);
    const idle = costBetween(idleA, idleB);
    const cpuIdle = ((procStats(op.proc.pid)?.cpuSeconds ?? 0) - cpuA) / idle.minutes;
    const idlePasses = percentilesMs(passDurations(readLog(op.logFile), tIdle, Date.now()));
    const mem = procStats(op.proc.pid);
    const delay = percentilesMs(opDelay);
    const step: Step = {
      clusters: count,
      added: names.length,
      podsRunningAfterApplyS: Number.isFinite(allRunning) ? secs(allRunning - t0) : null,
      readyAfterPodsRunningS: Number.isFinite(allReady - allRunning) ? secs(allReady - allRunning) : null,
      applyToAllReadyS: Number.isFinite(allReady) ? secs(allReady - t0) : null,
      ready: readyCount,
      operatorDelayPerCluster: delay,
      faunadbTimePerCluster: percentilesMs(dbTime),
      reconcileLog: passes,
      reconcileLogUnblocked: passesUnblocked,
      reconcileHistogram: histo,
      convergingCost: converging,
      cpuSecondsConverging: Math.round(cpuConverge * 100) / 100,
      idle: { ...idle, cpuSecondsPerMinute: Math.round(cpuIdle * 100) / 100, passes: idlePasses },
      rssMb: mem?.rssMb ?? null,
      memoryMb: memory,
      peakRssMb: Math.max(peakRss, mem?.peakRssMb ?? 0),
    };
    steps.push(step);
    say(JSON.stringify({ ...step, convergingCost: undefined, idle: { ...idle, reconcileBuckets: undefined, cpuSecondsPerMinute: step.idle.cpuSecondsPerMinute } }));
    prevCount = count;
    if (timedOut) break;
  }

  const at = (n: number) => steps.find((s) => s.clusters === n);
  const largest = steps.at(-1)!;
  for (const s of steps) {
    const n = s.clusters as number;
    const big = n === 100;
    rows.push(
      { what: `${n} clusters: Ready after their pods run (all ${s.added} added)`, value: s.readyAfterPodsRunningS, unit: "s", ...(big ? { goal: { max: 60 } } : {}), note: `apply → pods running ${s.podsRunningAfterApplyS} s${s.ready < s.added ? `; only ${s.ready} of ${s.added} Ready after ${TIMEOUT_MS / 1000} s` : ""}` },
      { what: `${n}: operator delay per cluster p50 / p99`, value: s.operatorDelayPerCluster ? secs(s.operatorDelayPerCluster.p99) : null, unit: "s", note: `p50 ${secs(s.operatorDelayPerCluster?.p50)} s, FaunaDB start+init p50 ${secs(s.faunadbTimePerCluster?.p50)} s` },
      { what: `${n}: reconcile p99 while converging (log)`, value: s.reconcileLog?.p99 ?? null, unit: "ms", goal: { max: 1000 }, note: `p50 ${s.reconcileLog?.p50} ms; without passes blocked on init p99 ${s.reconcileLogUnblocked?.p99} ms; histogram bound ${s.reconcileHistogram?.p99} ms` },
      { what: `${n}: operator RSS`, value: s.rssMb, unit: "MB", ...(big ? { goal: { max: 150 } } : {}), note: `peak ${s.peakRssMb} MB; V8 heap used ${s.memoryMb.heapUsed} of ${s.memoryMb.heapTotal} MB` },
      { what: `${n}: operator CPU while converging / idle`, value: s.cpuSecondsConverging, unit: "s", note: `idle ${s.idle.cpuSecondsPerMinute} s/min, ${s.idle.reconciles} passes/min idle, ${s.idle.kubeRequestsPerMinute} API req/min, ${s.idle.adminCallsPerMinute} admin calls/min, writes/min ${s.idle.kubeWritesPerMinute}` },
    );
  }
  const growth = (a: number, b: number, f: (s: Step) => number | null | undefined, what: string) => {
    const x = at(a);
    const y = at(b);
    if (x && y) rows.push({ what: `growth ${a} → ${b} clusters: ${what}`, value: ratio(f(y), f(x)), unit: "×" });
  };
  for (const [a, b] of [[1, 10], [10, 100]] as const) {
    growth(a, b, (s) => s.readyAfterPodsRunningS, "Ready after pods run");
    growth(a, b, (s) => s.rssMb, "RSS");
    growth(a, b, (s) => s.cpuSecondsConverging, "CPU s converging");
    growth(a, b, (s) => s.idle.cpuSecondsPerMinute, "CPU s/min idle");
    growth(a, b, (s) => s.reconcileLog?.p99, "reconcile p99");
  }
  if (largest.clusters !== 100) rows.push({ what: "largest count run", value: largest.clusters, unit: "clusters", goal: { min: 100 } });
  console.log(`\n${table(rows)}\n`);
  saveSection("scale", rows, { steps, shape: "1 replica × 1 node per cluster, simulator at real timings, settle not involved (no join, no replication change)" });
} finally {
  await op.stop();
  say("deleting the namespace (its pods and volumes)");
  await deleteNamespaceAndWait(tier, ns);
  await tier.kubectl(["-n", OPERATOR_NAMESPACE, "delete", "lease", lease, "--ignore-not-found"]).catch(() => undefined);
}
