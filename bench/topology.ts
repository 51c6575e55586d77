// Prints the time from `kubectl apply` of manifests/samples/local/cluster.yaml (3 replicas x 3 nodes, simulator)
// to Ready, with the settle wait before the replication change (FACTS §7.3) shown separately, plus the operator's
// resident memory. The operator runs as a child process with the ServiceAccount token of manifests/, in a fresh
// namespace of its own (the sample is moved there), which is deleted at the end.
// Usage (inside the tier): npm run local:up && npm run local:exec -- node bench/topology.ts
import { readFileSync } from "node:fs";
import type { FaunaCluster } from "../src/api/types.ts";
import { isReady, readCluster } from "../test/support/killpoints.ts";
import { useTier } from "../test/support/localtier.ts";
import { installCrdAndRbac, sample, startOperator } from "../test/support/operator.ts";

const TIMEOUT_MS = 600_000;
const HEALTH_PORT = 18129;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

function memoryKb(pid: number | undefined): { rss: number; peak: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0), peak: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** The planner's own view of the phase the creation is in, from status.topology. */
function phaseOf(c: FaunaCluster): string {
  const t = c.status?.topology;
  if (!t) return "objects and pods";
  if (t.operation && t.operation !== "none") return t.operation;
  if (t.step === "UpdateReplication" && t.message?.startsWith("waiting")) return "settle";
  return t.step ?? "?";
}

type Ev = { reason: string; firstTimestamp?: string; lastTimestamp?: string; eventTime?: string };

const tier = await useTier();
await installCrdAndRbac(tier);
const ns = await tier.namespace("bench-topology");
const op = await startOperator(tier, { namespace: ns, healthPort: HEALTH_PORT, leaseName: `lease-${ns}` });
try {
  // Measure the reconcile, not the operator's own start: wait until it leads and its informers are synced.
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${HEALTH_PORT}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error(`the operator did not become ready; log: ${op.logFile}`);
    await sleep(100);
  }
  const t0 = Date.now();
  await tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster.yaml", ns)));
  const phases: { phase: string; at: number }[] = [];
  let peakRss = 0;
  let ready: FaunaCluster | undefined;
  while (!ready) {
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`not Ready after ${secs(TIMEOUT_MS)}; operator log: ${op.logFile}`);
    const c = await readCluster(tier, ns, "fauna").catch(() => undefined);
    peakRss = Math.max(peakRss, memoryKb(op.proc.pid).rss);
    if (c) {
      const phase = phaseOf(c);
      if (phases.at(-1)?.phase !== phase) phases.push({ phase, at: Date.now() });
      if (isReady(c)) ready = c;
    }
    await sleep(250);
  }
  const total = Date.now() - t0;
  const mem = memoryKb(op.proc.pid);

  const spent = new Map<string, number>();
  phases.forEach((p, i) => spent.set(p.phase, (spent.get(p.phase) ?? 0) + ((phases[i + 1]?.at ?? t0 + total) - p.at)));
  const settle = spent.get("settle") ?? 0;
  const evs = JSON.parse(await tier.kubectl(["-n", ns, "get", "events", "--field-selector", "involvedObject.kind=FaunaCluster", "-o", "json"])) as { items: Ev[] };
  const when = (e: Ev, last: boolean) => Date.parse((last ? e.lastTimestamp : e.firstTimestamp) ?? e.eventTime ?? "");
  const lastJoin = Math.max(...evs.items.filter((e) => e.reason === "Joining").map((e) => when(e, true)));
  const firstPut = Math.min(...evs.items.filter((e) => e.reason === "UpdatingReplication").map((e) => when(e, false)));

  const nodes = ready.status?.nodes ?? [];
  console.log(`3x3 sample (${nodes.filter((n) => n.state === "live").length} live members): kubectl apply → Ready in ${secs(total)}`);
  console.log(`  settle wait (status.topology: UpdateReplication waiting): ${secs(settle)} (spec.settleSeconds ${ready.spec.settleSeconds ?? 30})`);
  if (Number.isFinite(lastJoin) && Number.isFinite(firstPut)) {
    console.log(`  events: last Joining → first UpdatingReplication ${secs(firstPut - lastJoin)} (1 s resolution)`);
  }
  console.log(`  without the settle wait: ${secs(total - settle)}`);
  console.log(`  phases: ${phases.map((p, i) => `${p.phase} ${secs((phases[i + 1]?.at ?? t0 + total) - p.at)}`).join(" → ")}`);
  console.log(`operator RSS at Ready ${mb(mem.rss)}, highest sampled ${mb(peakRss)}, peak (VmHWM) ${mb(mem.peak)}`);
} finally {
  await op.stop();
  await tier.deleteNamespace(ns);
}
