import { test } from "node:test";
import assert from "node:assert/strict";
import { failures, headline, longestGapMs, overallPass, readyAgainMs, renderMarkdown, type HarnessReport, type ScenarioResult } from "./report.ts";

function result(over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    name: "kill-node", fault: "one pod force-deleted", expectation: "same host ID", expectationMet: true, expectationDetail: "pod back as h1",
    writesAttempted: 120, writesAcknowledged: 100, writesFailed: 20, lost: 0, unreadable: 0, readsMissing: 0,
    longestWriteGapS: 2.5, readyAgainS: 12.3, readyTimeoutS: 180, loadErrors: {}, durationS: 30, ...over,
  };
}

function report(scenarios: ScenarioResult[]): HarnessReport {
  return {
    startedAt: "2026-11-26T07:00:00.000Z", durationS: 100, cluster: "ns/fauna", topology: "3 replicas × 1 node", load: "2 workers",
    scenarios, notRun: [{ name: "clock-skew", reason: "needs simulator support" }],
  };
}

test("all scenarios without loss, Ready again and expectation met: PASS headline with the totals", () => {
  const r = report([result(), result({ name: "kill-replica", writesAcknowledged: 50 })]);
  assert.equal(overallPass(r), true);
  assert.equal(headline(r), "PASS — 2 scenarios, 0 of 150 acknowledged writes lost");
});

test("lost writes fail the scenario and the headline names it", () => {
  const r = report([result(), result({ name: "kill-replica", lost: 2, writesAcknowledged: 50 })]);
  assert.equal(overallPass(r), false);
  assert.equal(headline(r), "FAIL — 1 of 2 scenarios failed (kill-replica), 2 of 150 acknowledged writes lost");
  assert.deepEqual(failures(r.scenarios[1]!), ["2 acknowledged writes lost"]);
});

test("each other condition fails a scenario on its own", () => {
  const cases: [Partial<ScenarioResult>, RegExp][] = [
    [{ readyAgainS: null }, /not Ready again within 180 s/],
    [{ expectationMet: false, expectationDetail: "host ID h1 → h2" }, /expectation not met: host ID h1 → h2/],
    [{ unreadable: 3 }, /3 acknowledged writes could not be read back/],
    [{ readsMissing: 1 }, /1 reads missed/],
    [{ writesAcknowledged: 0 }, /nothing was proven/],
    [{ error: "kubectl failed" }, /could not run: kubectl failed/],
  ];
  for (const [over, why] of cases) {
    const f = failures(result(over));
    assert.equal(f.length, 1, JSON.stringify(over));
    assert.match(f[0]!, why);
  }
});

test("no scenario run is a FAIL", () => {
  assert.equal(overallPass(report([])), false);
  assert.equal(headline(report([])), "FAIL — no scenario ran");
});

test("the markdown starts with the headline, has one row per scenario, the failures and the not-run notes", () => {
  const md = renderMarkdown(report([result(), result({ name: "kill-replica", lost: 1, readyAgainS: 0, loadErrors: { "UnavailableError 503: time out": 7, "Error: socket hang up": 2 } })]));
  const lines = md.split("\n");
  assert.match(lines[0]!, /^FAIL — 1 of 2 scenarios failed \(kill-replica\), 1 of 200/);
  const rows = lines.filter((l) => /^\| kill-/.test(l));
  assert.equal(rows.length, 2);
  assert.match(rows[0]!, /\| kill-node \| PASS \| 100 \/ 120 \| 20 \| 0 \| 0 \| 2\.5 s \| 12\.3 s \| yes: pod back as h1 \|/);
  assert.match(rows[1]!, /\| kill-replica \| \*\*FAIL\*\* \|.*\| stayed Ready \|/);
  assert.ok(lines.includes("- kill-replica: 1 acknowledged writes lost"), md);
  assert.ok(lines.some((l) => l.startsWith("- not run — clock-skew: needs simulator support")), md);
  assert.ok(lines.some((l) => l.endsWith("Failed operations: UnavailableError 503: time out ×7, Error: socket hang up ×2.")), md);
});

test("longest write gap counts the window's edges and ignores acknowledgements outside it", () => {
  assert.equal(longestGapMs([1000, 1100, 1500, 1600], 1000, 2000), 400);
  assert.equal(longestGapMs([500, 1200, 1300], 1000, 1400), 200);
  assert.equal(longestGapMs([500], 1000, 4000), 3000, "nothing acknowledged in the window: all of it");
  assert.equal(longestGapMs([1900, 1100], 1000, 2000), 800, "order of acknowledgements does not matter");
});

test("ready-again time: first Ready sample after the last not-Ready one; 0 if always Ready; undefined if not Ready at the end", () => {
  const s = (at: number, ready: boolean) => ({ at, ready });
  assert.equal(readyAgainMs([s(1000, true), s(2000, false), s(3000, true), s(4000, false), s(5000, true)], 1000), 4000);
  assert.equal(readyAgainMs([s(1000, true), s(2000, true)], 1000), 0);
  assert.equal(readyAgainMs([s(1000, false), s(2000, false)], 1000), undefined);
  assert.equal(readyAgainMs([s(500, false), s(1500, true)], 1000), 0, "samples before the injection do not count");
});

test("a failed bank or register check fails the scenario, and the markdown names its offending operations", () => {
  const bank = { name: "bank" as const, claim: "total", passed: false, checked: 9, summary: "1 of 9 reads of all balances did not sum to 800", offending: ["read op #7 at 10:00:00.000–10:00:00.010 summed to 790, not 800 (balances 90, 100)"], offendingCount: 1 };
  const ok = { ...bank, name: "register" as const, passed: true, summary: "fine", offending: [], offendingCount: 0 };
  const r = result({ checks: [ok, bank] });
  assert.deepEqual(failures(r), ["bank check failed: 1 of 9 reads of all balances did not sum to 800"]);
  const md = renderMarkdown({ startedAt: "t", durationS: 1, cluster: "ns/fc", topology: "3 × 1", load: "l", scenarios: [r], notRun: [] });
  assert.match(md, /register ok · bank FAIL \(1\)/);
  assert.match(md, / {2}- bank: read op #7 .* summed to 790, not 800/);
});
