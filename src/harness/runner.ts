// Runs scenarios one after another against a Ready FaunaCluster, each under its own client load: steady load,
// inject, keep the load through the fault, wait until Ready again, stop the load, read every acknowledged write back.
import { ensureCollection, findLost, startLoad, type Endpoint, type RunningLoad } from "../load/load.ts";
import { isReadyAtGeneration, readCluster, readRootKey, type HarnessTarget } from "./kube.ts";
import { longestGapMs, readyAgainMs, type ReadySample, type ScenarioResult } from "./report.ts";
import { until } from "./poll.ts";
import type { Expectation, Scenario } from "./scenarios.ts";

export interface RunOptions {
  /** Load before the injection (default 4 s). */
  steadyMs?: number;
  /** Load after the injection before waiting for Ready (default 18 s). */
  faultLoadMs?: number;
  /** How long the cluster may take to be Ready again, from the injection (default 180 s). */
  readyTimeoutMs?: number;
  workers?: number;
  pauseMs?: number;
  progress?: (message: string) => void;
}

export const DEFAULT_LOAD = { workers: 2, pauseMs: 100, readEvery: 4 } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Waits until the cluster is Ready at its generation; false on timeout. */
export function waitReady(t: HarnessTarget, timeoutMs: number): Promise<boolean> {
  return until(() => readCluster(t).then(isReadyAtGeneration), timeoutMs);
}

/** Samples the cluster's readiness every second until stopped. */
function sampleReadiness(t: HarnessTarget): { samples: ReadySample[]; stop(): Promise<void> } {
  const samples: ReadySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const ready = await readCluster(t).then(isReadyAtGeneration, () => undefined);
      if (ready !== undefined) samples.push({ at, ready });
      await sleep(1000);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

export async function runScenario(s: Scenario, t: HarnessTarget, access: { endpoint: Endpoint; rootKey: string }, o: RunOptions = {}): Promise<ScenarioResult> {
  const say = o.progress ?? (() => {});
  const readyTimeoutMs = o.readyTimeoutMs ?? 180_000;
  const t0 = Date.now();
  const collection = `harness_${s.name.replaceAll("-", "_")}_${t0}`;
  const endpoint = () => access.endpoint;
  let load: RunningLoad | undefined;
  let readiness: ReturnType<typeof sampleReadiness> | undefined;
  let injectedAt = t0;
  let expectation: Expectation = { met: false, detail: "not checked" };
  let readyAgain: number | undefined;
  let error: string | undefined;
  try {
    await ensureCollection(access.endpoint, access.rootKey, collection);
    load = startLoad({ endpoint, secret: access.rootKey, collection, workers: o.workers ?? DEFAULT_LOAD.workers, pauseMs: o.pauseMs ?? DEFAULT_LOAD.pauseMs, readEvery: DEFAULT_LOAD.readEvery });
    await sleep(o.steadyMs ?? 4000);
    say(`${s.name}: ${load.report().writesAcknowledged} writes acknowledged in steady state; injecting: ${s.fault}`);
    injectedAt = Date.now();
    readiness = sampleReadiness(t);
    const injected = await s.inject(t);
    await sleep(o.faultLoadMs ?? 18_000);
    await injected.heal?.();
    say(`${s.name}: ${load.report().writesAcknowledged} acknowledged so far; waiting for Ready`);
    const ready = await waitReady(t, Math.max(0, injectedAt + readyTimeoutMs - Date.now()));
    await readiness.stop();
    if (ready) readiness.samples.push({ at: Date.now(), ready: true });
    readyAgain = ready ? readyAgainMs(readiness.samples, injectedAt) : undefined;
    expectation = await injected.check({ wasNotReady: readiness.samples.some((x) => !x.ready) });
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    await readiness?.stop();
  }
  const loadReport = await load?.stop();
  const stoppedAt = Date.now();
  const acked = load?.acked ?? [];
  say(`${s.name}: load stopped; reading back ${acked.length} acknowledged writes`);
  const check = await findLost(endpoint, access.rootKey, collection, acked).catch((err: unknown) => {
    error ??= `read-back failed: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  });
  return {
    name: s.name,
    fault: s.fault,
    expectation: s.expectation,
    expectationMet: expectation.met,
    expectationDetail: expectation.detail,
    writesAttempted: loadReport?.writesAttempted ?? 0,
    writesAcknowledged: loadReport?.writesAcknowledged ?? 0,
    writesFailed: loadReport?.writesFailed ?? 0,
    lost: check?.lost.length ?? 0,
    unreadable: check ? check.unreadable.length : acked.length,
    readsMissing: loadReport?.readsMissing ?? 0,
    longestWriteGapS: load ? seconds(longestGapMs(acked.map((a) => a.at), injectedAt, stoppedAt)) : 0,
    readyAgainS: readyAgain === undefined ? null : seconds(readyAgain),
    readyTimeoutS: readyTimeoutMs / 1000,
    loadErrors: loadReport?.errors ?? {},
    ...(error === undefined ? {} : { error }),
    durationS: seconds(Date.now() - t0),
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
    const r = await runScenario(s, target, access, o);
    o.progress?.(`${s.name}: ${r.lost} of ${r.writesAcknowledged} acknowledged writes lost; Ready again ${r.readyAgainS ?? "never"} s; expectation ${r.expectationMet ? "met" : "NOT met"}`);
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
