// Runs scenarios one after another against a Ready FaunaCluster, each under its own client load: steady load,
// inject, keep the load through the fault, wait until Ready again, stop the load, read every acknowledged write back.
import { DEFAULT_CONCURRENCY, DEFAULT_RATE, prepareWorkload, startLoad, type Endpoint, type LoadObserver, type RunningLoad } from "../load/load.ts";
import { namesFor } from "../load/workloads.ts";
import type { FaunaCluster } from "../api/types.ts";
import { judge, type Judged } from "./checks/run.ts";
import { isReadyAtGeneration, readCluster, readRootKey, type HarnessTarget } from "./kube.ts";
import { longestGapMs, readyAgainMs, type NodeLane, type ReadySample, type ScenarioResult, type TimelineEvent } from "./report.ts";
import { until } from "./poll.ts";
import type { Expectation, Scenario } from "./scenarios.ts";

export interface RunOptions {
  /** Load before the injection (default 4 s). */
  steadyMs?: number;
  /** Load after the injection before waiting for Ready (default 18 s). */
  faultLoadMs?: number;
  /** How long the cluster may take to be Ready again, from the injection (default 180 s). */
  readyTimeoutMs?: number;
  /** Operations due per second (open loop) and most in flight (src/load/load.ts defaults). */
  rate?: number;
  concurrency?: number;
  /** The load's secret and where it runs (default: the root key, the root database). */
  secret?: string;
  progress?: (message: string) => void;
  /** Told of every operation (live metrics). */
  observer?: LoadObserver;
  /** Told of every fault, heal and readiness change as it happens (live metrics). */
  onEvent?: (scenario: string, event: TimelineEvent) => void;
  /** Told when a scenario starts and when its result is in (live metrics). */
  onScenario?: (name: string) => void;
  onResult?: (result: ScenarioResult) => void;
}

export const DEFAULT_LOAD = { rate: DEFAULT_RATE, concurrency: DEFAULT_CONCURRENCY } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Waits until the cluster is Ready at its generation; false on timeout. */
export function waitReady(t: HarnessTarget, timeoutMs: number): Promise<boolean> {
  return until(() => readCluster(t).then(isReadyAtGeneration), timeoutMs);
}

/** What a scenario's timeline records each second: readiness, and each node's state as the cluster reports it. */
function sampleCluster(t: HarnessTarget, t0: number, onReady: (ready: boolean) => void): { samples: ReadySample[]; nodes: () => NodeLane[]; stop(): Promise<void> } {
  const samples: ReadySample[] = [];
  const lanes = new Map<string, NodeLane>();
  let running = true;
  let last: boolean | undefined;
  const note = (fc: FaunaCluster, at: number) => {
    const seen = new Set<string>();
    for (const n of fc.status?.nodes ?? []) {
      seen.add(n.pod);
      const state = n.status === "up" ? "up" : "down";
      const lane = lanes.get(n.pod) ?? { pod: n.pod, runs: [] };
      lanes.set(n.pod, lane);
      if (lane.runs.at(-1)?.state !== state) lane.runs.push({ t: (at - t0) / 1000, state });
    }
    for (const lane of lanes.values()) if (!seen.has(lane.pod) && lane.runs.at(-1)?.state !== "absent") lane.runs.push({ t: (at - t0) / 1000, state: "absent" });
  };
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const fc = await readCluster(t).catch(() => undefined);
      if (fc) {
        const ready = isReadyAtGeneration(fc);
        samples.push({ at, ready });
        note(fc, at);
        if (ready !== last) onReady(ready);
        last = ready;
      }
      await sleep(1000);
    }
  })();
  return {
    samples,
    nodes: () => [...lanes.values()].sort((a, b) => a.pod.localeCompare(b.pod)),
    async stop() {
      running = false;
      await loop;
    },
  };
}

export async function runScenario(s: Scenario, t: HarnessTarget, access: { endpoint: Endpoint; rootKey: string }, o: RunOptions = {}): Promise<ScenarioResult> {
  const say = o.progress ?? (() => {});
  const readyTimeoutMs = o.readyTimeoutMs ?? 180_000;
  const secret = o.secret ?? access.rootKey;
  const t0 = Date.now();
  const collection = `harness_${s.name.replaceAll("-", "_")}_${t0}`;
  const endpoint = () => access.endpoint;
  const events: TimelineEvent[] = [];
  let load: RunningLoad | undefined;
  const event = (kind: TimelineEvent["kind"], label: string) => {
    const e = { t: (Date.now() - (load?.report().startedAt ?? t0)) / 1000, kind, label };
    events.push(e);
    o.onEvent?.(s.name, e);
  };
  let sampler: ReturnType<typeof sampleCluster> | undefined;
  let injectedAt = t0;
  let expectation: Expectation = { met: false, detail: "not checked" };
  let readyAgain: number | undefined;
  let error: string | undefined;
  try {
    await prepareWorkload(access.endpoint, secret, namesFor(collection));
    load = startLoad({ endpoint, secret, collection, rate: o.rate ?? DEFAULT_LOAD.rate, concurrency: o.concurrency ?? DEFAULT_LOAD.concurrency, ...(o.observer ? { observer: o.observer } : {}) });
    let seenReady = true;
    sampler = sampleCluster(t, load.report().startedAt, (ready) => {
      if (ready === seenReady) return;
      seenReady = ready;
      event(ready ? "ready" : "not-ready", ready ? "Ready" : "not Ready");
    });
    await sleep(o.steadyMs ?? 4000);
    say(`${s.name}: ${load.report().writesAcknowledged} writes acknowledged in steady state; injecting: ${s.fault}`);
    injectedAt = Date.now();
    load.setPhase("fault");
    event("fault", s.fault);
    const running = load;
    const injected = await s.inject(t, {
      mark(label, phase) {
        if (phase) running.setPhase(phase);
        event("mark", label);
      },
    });
    await sleep(o.faultLoadMs ?? 18_000);
    if (injected.heal) {
      await injected.heal();
      event("heal", "fault lifted");
    }
    load.setPhase("recovery");
    say(`${s.name}: ${load.report().writesAcknowledged} acknowledged so far; waiting for Ready`);
    const ready = await waitReady(t, Math.max(0, injectedAt + readyTimeoutMs - Date.now()));
    await sampler.stop();
    if (ready) sampler.samples.push({ at: Date.now(), ready: true });
    if (ready && !seenReady) event("ready", "Ready");
    readyAgain = ready ? readyAgainMs(sampler.samples, injectedAt) : undefined;
    expectation = await injected.check({ wasNotReady: sampler.samples.some((x) => x.at >= injectedAt && !x.ready) });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await sampler?.stop();
  }
  const loadReport = await load?.stop();
  const stoppedAt = Date.now();
  const acked = load?.acked ?? [];
  say(`${s.name}: load stopped; reading back ${acked.length} acknowledged writes, checking the bank and the registers`);
  const judged: Judged | undefined = load
    ? await judge(endpoint, secret, load).catch((err: unknown) => {
        error ??= `checks failed to run: ${err instanceof Error ? err.message : String(err)}`;
        return undefined;
      })
    : undefined;
  const startedAt = loadReport?.startedAt ?? t0;
  return {
    name: s.name,
    fault: s.fault,
    expectation: s.expectation,
    expectationMet: expectation.met,
    expectationDetail: expectation.detail,
    writesAttempted: loadReport?.writesAttempted ?? 0,
    writesAcknowledged: loadReport?.writesAcknowledged ?? 0,
    writesFailed: loadReport?.writesFailed ?? 0,
    lost: judged?.lost.lost.length ?? 0,
    unreadable: judged ? judged.lost.unreadable.length : acked.length,
    readsMissing: loadReport?.readsMissing ?? 0,
    longestWriteGapS: load ? seconds(longestGapMs(acked.map((a) => a.at), injectedAt, stoppedAt)) : 0,
    readyAgainS: readyAgain === undefined ? null : seconds(readyAgain),
    readyTimeoutS: readyTimeoutMs / 1000,
    loadErrors: loadReport?.errors ?? {},
    ...(error === undefined ? {} : { error }),
    durationS: seconds(Date.now() - t0),
    ...(judged ? { checks: judged.checks } : {}),
    ...(loadReport
      ? {
          latency: loadReport.latency,
          latencyByPhase: loadReport.latencyByPhase,
          errorClasses: loadReport.errorClasses,
          targetRate: loadReport.rate,
          achievedRate: Math.round((Object.values(loadReport.ops).reduce((a, x) => a + x.attempted, 0) / Math.max(1, loadReport.durationMs / 1000)) * 10) / 10,
          timeline: { startedAt, durationS: loadReport.durationMs / 1000, series: loadReport.series, events, nodes: sampler?.nodes() ?? [] },
        }
      : {}),
  };
}

/** Runs `scenarios` in order; before each, the cluster must be Ready (else that scenario fails without injecting). */
export async function runScenarios(scenarios: readonly Scenario[], t: HarnessTarget, o: RunOptions = {}): Promise<ScenarioResult[]> {
  const access = { endpoint: await t.backend.queryEndpoint(t), rootKey: await readRootKey(t) };
  if (!access.rootKey) throw new Error(`Secret ${t.namespace}/${t.cluster}-root-key holds no root-key`);
  const target: HarnessTarget = { ...t, nodeClock: t.nodeClock ?? ((pod) => t.backend.nodeClock(t, access.rootKey, pod)) };
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    if (!(await waitReady(target, o.readyTimeoutMs ?? 180_000))) {
      o.progress?.(`${s.name}: skipped, the cluster is not Ready`);
      results.push(notStarted(s, "the cluster was not Ready before the scenario", o));
      continue;
    }
    o.progress?.(`${s.name}: starting (${s.fault})`);
    o.onScenario?.(s.name);
    const r = await runScenario(s, target, access, o);
    o.onResult?.(r);
    const checks = (r.checks ?? []).map((c) => `${c.name} ${c.passed ? "ok" : "FAILED"}`).join(", ");
    o.progress?.(`${s.name}: ${r.lost} of ${r.writesAcknowledged} acknowledged writes lost; Ready again ${r.readyAgainS ?? "never"} s; expectation ${r.expectationMet ? "met" : "NOT met"}${checks ? `; checks ${checks}` : ""}`);
    results.push(r);
  }
  return results;
}

function notStarted(s: Scenario, error: string, o: RunOptions): ScenarioResult {
  return {
    name: s.name, fault: s.fault, expectation: s.expectation, expectationMet: false, expectationDetail: "not checked",
    writesAttempted: 0, writesAcknowledged: 0, writesFailed: 0, lost: 0, unreadable: 0, readsMissing: 0,
    longestWriteGapS: 0, readyAgainS: null, readyTimeoutS: (o.readyTimeoutMs ?? 180_000) / 1000, loadErrors: {}, error, durationS: 0,
  };
}
