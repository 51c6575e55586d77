// `npm run demo`, the tutorial, from a shell on the host: with no arguments it brings up a tier (its own work dir
// here), installs the operator, brings the 3 × 3 sample to Ready, prints the faunadb-admin status table, runs the
// schema step and the tutorial's failures under load (kill a node; kill a replica and, with it down, skew the
// remaining clocks; recovery), prints one line per scenario, the clock verdict and the report path, and tears down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { REPO_ROOT } from "../../src/localtier/paths.ts";
import { readState } from "../../src/localtier/tier.ts";

test("npm run demo: the tutorial end to end on a fresh tier — status table, scenarios with verdicts, clock verdict, report; the tier is gone after", { timeout: 1_500_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "demo-"));
  const t0 = Date.now();
  const run = await execa(process.execPath, [join(REPO_ROOT, "src/cli/main.ts"), "demo", "--timeout", "900", "--metrics-port", "0"], {
    env: { ...process.env, FAUNA_TIER_WORKDIR: dir },
    reject: false,
    all: true,
  });
  console.log(`demo took ${((Date.now() - t0) / 1000).toFixed(0)} s\n${run.stdout}`);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stderr, /Ready \d+ s after apply/);
  assert.match(run.stderr, /schema ready; the load runs in load-tests with that key/);
  // The faunadb-admin status table (FACTS §1.5): three replicas, nine live nodes, a leader per log segment.
  for (const r of [1, 2, 3]) assert.match(run.stdout, new RegExp(`^Replica: replica-${r} \\(data\\+log\\)\\n=+\\nStatus  State  WorkerID  Log Segment  Address`, "m"));
  const rows = run.stdout.split("\n").filter((l) => /^up\s+live\s+\d+\s+\d( \(leader\))?\s+fauna-replica-\d-\d\./.test(l));
  assert.equal(rows.length, 9, run.stdout);
  assert.equal(rows.filter((r) => r.includes("(leader)")).length, 3);
  assert.match(run.stdout, /^PASS {2}kill-node: \d+ writes acknowledged, 0 lost; checks exists ok, bank ok, register ok/m);
  assert.match(run.stdout, /^PASS {2}kill-replica-then-skew: \d+ writes acknowledged, 0 lost; checks exists ok, bank ok, register ok/m);
  assert.match(run.stdout, /^clocks: CONFIRMED — does not depend on clocks: \d+ writes committed through \d+ s of skew/m);
  const report = /^report: (\S+report\.html)/m.exec(run.stdout)?.[1];
  assert.ok(report && existsSync(join(REPO_ROOT, report)), run.stdout);
  const json = JSON.parse(readFileSync(join(REPO_ROOT, report.replace(/report\.html$/, "report.json")), "utf8")) as { pass: boolean; clockVerdict: { pass: boolean } };
  assert.deepEqual([json.pass, json.clockVerdict.pass], [true, true]);
  assert.ok(existsSync(join(REPO_ROOT, report.replace(/report\.html$/, "junit.xml"))));
  assert.equal(readState(dir), undefined, "the demo stopped the tier it started");
});
