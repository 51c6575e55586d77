// The tutorial's own failure sequence as harness scenarios: kill a node; kill a whole replica and, with that
// replica still down, skew the clocks of every remaining node (different offsets, ahead and behind, up to FaunaDB
// QA's largest skew of 5 s, FACTS §8); then recovery. And the verdict on the tutorial's claim that FaunaDB "does
// not depend on clocks": writes kept committing through the skew, nothing was lost, and what the skew cost.
import type { ScenarioResult } from "./report.ts";
import { annotatePod, forceDeletePods, replicaPods, type HarnessTarget } from "./kube.ts";
import { CLOCK_OFFSET_ANNOTATION, hostIds, killNode, sameHostsOnNewPods, settledSkew, type Expectation, type Scenario } from "./scenarios.ts";
import type { HtmlNote } from "./reportHtml.ts";

const DOWN_REPLICA = "replica-3";
const SKEWED_REPLICAS = ["replica-1", "replica-2"];
/** Offsets for the remaining nodes in pod order: ahead and behind, from FaunaDB QA's set (100 ms ... 5 s). */
export const SKEWS_S = [5, -0.25, 0.5, -5, 0.2, -0.1];
/** How long the replica stays down before the clocks are skewed. */
const DOWN_BEFORE_SKEW_MS = 12_000;
const HOLD_EVERY_MS = 500;
const SKEW_TOLERANCE_MS = 1_500;

const offset = (s: number) => `${s >= 0 ? "+" : ""}${s}s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps a replica dead: its pods are force-deleted again whenever the StatefulSet brings them back (on the local
 * tier nothing else can hold a pod down; on kind, Chaos Mesh's PodChaos pod-failure would).
 */
function holdDown(t: HarnessTarget, replica: string): { release(): Promise<void>; kills: () => number } {
  let running = true;
  let kills = 0;
  const loop = (async () => {
    while (running) {
      const pods = await replicaPods(t, replica).catch(() => []);
      if (pods.length > 0 && running) {
        await forceDeletePods(t, t.namespace, pods.map((p) => p.name)).catch(() => undefined);
        kills += pods.length;
      }
      await sleep(HOLD_EVERY_MS);
    }
  })();
  return {
    async release() {
      running = false;
      await loop;
    },
    kills: () => kills,
  };
}

export const killReplicaThenSkew: Scenario = {
  name: "kill-replica-then-skew",
  fault: `every pod of ${DOWN_REPLICA} force-deleted and kept down; with it still down, the clocks of the six remaining nodes skewed ${SKEWS_S.map(offset).join(", ")}`,
  expectation: `writes keep committing through the skew; each skewed node runs at its offset, then agrees again; every ${DOWN_REPLICA} pod back with its host ID`,
  async inject(t, hooks) {
    const killed = await replicaPods(t, DOWN_REPLICA);
    if (killed.length === 0) throw new Error(`${DOWN_REPLICA} has no pod`);
    const hostsBefore = await hostIds(t);
    await forceDeletePods(t, t.namespace, killed.map((p) => p.name));
    const hold = holdDown(t, DOWN_REPLICA);
    hooks?.mark(`${DOWN_REPLICA} killed (kept down)`, "replica down");
    await sleep(DOWN_BEFORE_SKEW_MS);
    const remaining = (await Promise.all(SKEWED_REPLICAS.map((r) => replicaPods(t, r)))).flat();
    const skews = remaining.map((p, i) => ({ pod: p.name, s: SKEWS_S[i % SKEWS_S.length]! }));
    await Promise.all(skews.map((x) => annotatePod(t, x.pod, CLOCK_OFFSET_ANNOTATION, offset(x.s))));
    hooks?.mark(`clocks skewed (${DOWN_REPLICA} still down)`, "skewed");
    const during = await Promise.all(skews.map((x) => settledSkew(t, x.pod, x.s * 1000)));
    let after: (number | null)[] = [];
    return {
      async heal() {
        await Promise.all(skews.map((x) => annotatePod(t, x.pod, CLOCK_OFFSET_ANNOTATION, null)));
        await hold.release();
        hooks?.mark(`clocks back; ${DOWN_REPLICA} released`, "recovery");
        after = await Promise.all(skews.map((x) => settledSkew(t, x.pod, 0)));
      },
      async check(): Promise<Expectation> {
        const s = (ms: number | null) => (ms === null ? "unreadable" : `${(Math.round(ms / 100) / 10 + 0).toFixed(1)} s`);
        const back = await sameHostsOnNewPods(t, DOWN_REPLICA, killed, hostsBefore);
        const problems = [
          ...skews.flatMap((x, i) => (during[i] === null || Math.abs(during[i]! - x.s * 1000) > SKEW_TOLERANCE_MS ? [`${x.pod} ran ${s(during[i]!)} off during the skew, not ${offset(x.s)}`] : [])),
          ...skews.flatMap((x, i) => (after[i] === undefined || after[i] === null || Math.abs(after[i]!) > SKEW_TOLERANCE_MS ? [`${x.pod} still ${s(after[i] ?? null)} off after`] : [])),
          ...(back.met ? [] : [back.detail]),
        ];
        const detail = `${skews.map((x, i) => `${x.pod} ${s(during[i]!)}`).join(", ")}; ${DOWN_REPLICA} kept down (${hold.kills()} kills), then ${back.detail}`;
        return problems.length ? { met: false, detail: problems.join("; ") } : { met: true, detail };
      },
    };
  },
};

/** The tutorial's order. */
export const TUTORIAL_SCENARIOS: readonly Scenario[] = [killNode, killReplicaThenSkew];

export interface ClockVerdict {
  pass: boolean;
  /** One line for the console. */
  line: string;
  note: HtmlNote;
}

/** Seconds [from, to) of the timeline between two marks. */
function window(r: ScenarioResult, from: RegExp, to: RegExp): [number, number] | undefined {
  const events = r.timeline?.events ?? [];
  const a = events.find((e) => from.test(e.label))?.t;
  const b = events.find((e) => to.test(e.label))?.t;
  return a === undefined || b === undefined ? undefined : [a, b];
}

/** The claim "FaunaDB does not depend on clocks", judged on the skew scenario's own figures. */
export function clockVerdict(r: ScenarioResult | undefined): ClockVerdict {
  const fail = (why: string): ClockVerdict => ({ pass: false, line: `clocks: NOT SHOWN — ${why}`, note: { title: "Does FaunaDB depend on clocks?", lines: [why], pass: false } });
  if (!r?.timeline) return fail("the skew scenario did not run");
  const w = window(r, /^clocks skewed/, /^clocks back/);
  if (!w) return fail(r.error ?? "the clocks were never skewed");
  const during = r.timeline.series.filter((s) => s.t >= Math.floor(w[0]) && s.t < Math.ceil(w[1]));
  const writes = during.reduce((a, s) => a + s.okWrites, 0);
  const stalled = during.filter((s) => s.okWrites === 0).length;
  const failed = during.reduce((a, s) => a + Object.values(s.errors).reduce((x, y) => x + y, 0), 0);
  const checks = r.checks ?? [];
  const lossless = r.lost === 0 && r.unreadable === 0 && checks.length > 0 && checks.every((c) => c.passed);
  const steady = r.latencyByPhase?.steady;
  const skewed = r.latencyByPhase?.skewed;
  const cost = steady && skewed ? `latency p50 ${steady.p50Ms.toFixed(0)} → ${skewed.p50Ms.toFixed(0)} ms, p99 ${steady.p99Ms.toFixed(0)} → ${skewed.p99Ms.toFixed(0)} ms` : "latency not measured";
  const pass = writes > 0 && lossless;
  const secs = (w[1] - w[0]).toFixed(0);
  const lines = [
    `Writes ${writes > 0 ? "kept committing" : "STOPPED"}: ${writes} committed in the ${secs} s of skew (${stalled} s without a commit), ${failed} operations failed meanwhile (allowed).`,
    lossless ? `Nothing lost: ${checks.map((c) => c.summary).join("; ")}.` : `NOT lossless: ${[r.lost ? `${r.lost} acknowledged writes lost` : "", ...checks.filter((c) => !c.passed).map((c) => c.summary)].filter(Boolean).join("; ")}.`,
    `What the skew cost: ${cost} (a coordinator holds each acknowledgement until its own clock passes the transaction time the log's clocks set, FACTS §8).`,
  ];
  return {
    pass,
    line: `clocks: ${pass ? "CONFIRMED" : "NOT CONFIRMED"} — does not depend on clocks: ${writes} writes committed through ${secs} s of skew (up to ±5 s, a replica down), nothing lost; ${cost}`,
    note: { title: `Does FaunaDB depend on clocks? ${pass ? "No — confirmed" : "Not confirmed"}`, lines, pass },
  };
}
