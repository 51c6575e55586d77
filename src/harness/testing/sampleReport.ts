// A harness report shaped like a real 3 × 3 run (one scenario failing a check), for the renderers' tests.
import type { CheckResult } from "../checks/check.ts";
import type { HarnessReport, ScenarioResult } from "../report.ts";
import type { SecondSample } from "../../load/stats.ts";

const pods = ["fauna-replica-1-0", "fauna-replica-1-1", "fauna-replica-1-2", "fauna-replica-2-0", "fauna-replica-2-1", "fauna-replica-2-2", "fauna-replica-3-0", "fauna-replica-3-1", "fauna-replica-3-2"];

function series(seconds: number, outage: [number, number]): SecondSample[] {
  return Array.from({ length: seconds }, (_, t) => {
    const down = t >= outage[0] && t < outage[1];
    return {
      t, ok: down ? 20 + (t % 3) : 78 + (t % 5), okWrites: down ? 12 : 50,
      errors: { timeout: down ? 6 : 0, unavailable: down ? 3 : 0, refused: t === outage[0] ? 2 : 0, contention: t % 7 === 0 ? 1 : 0, other: 0 },
      p50Ms: down ? 900 + t * 10 : 12 + (t % 4), p99Ms: down ? 4800 : 40 + (t % 6) * 5, maxMs: down ? 5200 : 90,
    };
  });
}

const check = (name: CheckResult["name"], passed = true): CheckResult => ({
  name, claim: `${name} claim`, passed, checked: 120, summary: passed ? `${name} fine` : `2 of 120 reads of all balances did not sum to 800`,
  offending: passed ? [] : ["read op #412 at 10:00:13.120–10:00:13.190 summed to 790, not 800 (balances 90, 100, 100, 100, 100, 100, 100, 100); transfers in flight: #410", "the final read at 10:00:40.000–10:00:40.020 summed to 790, not 800"],
  offendingCount: passed ? 0 : 2,
});

function scenario(name: string, fault: string, downPods: string[], failing = false): ScenarioResult {
  const lanes = pods.map((pod) => ({ pod, runs: downPods.includes(pod) ? [{ t: 0, state: "up" as const }, { t: 6, state: "down" as const }, { t: 20, state: "up" as const }] : [{ t: 0, state: "up" as const }] }));
  return {
    name, fault, expectation: "back with its host ID", expectationMet: true, expectationDetail: "recreated with its host ID",
    writesAttempted: 1200, writesAcknowledged: 1150, writesFailed: 50, lost: 0, unreadable: 0, readsMissing: 0,
    longestWriteGapS: 2.4, readyAgainS: 19.5, readyTimeoutS: 180, loadErrors: { "timeout: OperationTimeout": 30 }, durationS: 40,
    checks: [check("exists"), check("bank", !failing), check("register")],
    latency: { count: 3000, p50Ms: 14, p90Ms: 60, p99Ms: 4700, p999Ms: 5100, maxMs: 5200, meanMs: 160 },
    latencyByPhase: { steady: { count: 400, p50Ms: 12, p90Ms: 30, p99Ms: 45, p999Ms: 60, maxMs: 70, meanMs: 14 } },
    errorClasses: { timeout: 80, unavailable: 40, refused: 2, contention: 5, other: 0 }, targetRate: 80, achievedRate: 79.6,
    timeline: {
      startedAt: Date.parse("2026-12-01T10:00:00Z"), durationS: 36, series: series(36, [6, 14]),
      events: [{ t: 4, kind: "fault", label: fault }, { t: 5, kind: "not-ready", label: "not Ready" }, { t: 22, kind: "heal", label: "fault lifted" }, { t: 24, kind: "ready", label: "Ready" }],
      nodes: lanes,
    },
  };
}

export function sampleReport(): HarnessReport {
  return {
    startedAt: "2026-12-01T10:00:00.000Z", durationS: 120, cluster: "demo/fauna", topology: "3 replicas × 3 nodes, settleSeconds default (30)",
    load: "80 ops/s open loop, at most 16 in flight",
    scenarios: [scenario("kill-node", "one pod of replica-2 force-deleted", ["fauna-replica-2-2"]), scenario("kill-replica", "every pod of replica-3 force-deleted", pods.slice(6), true)],
    notRun: [{ name: "network-partition", reason: "not selected (--scenarios)" }],
  };
}
