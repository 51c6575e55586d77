// The simulator at its defaults keeps FaunaDB's real timings (test/fixtures/golden/real-4f8f8be/00-timeline.txt and
// run2/: admin port 14–20 s after process start, init 1.6–3.4 s, 8443 ~4 s after init, joins 3.6–6.7 s, movement idle
// 30–44 s after the replication PUT on an empty cluster; FailureDetector.scala: a killed node is down after ~18 s; a
// restarted member answers only after its daemon has started). No FAUNA_SIM_* setting is set here. ~2.5 minutes.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIM_SETTINGS } from "../../src/sim/settings.ts";
import { admin, http, identityOf, kill, prepare, putReplication, rowOf, start, waitFor, type SimProc } from "../../src/sim/testing/processCluster.ts";

const base = mkdtempSync(join(tmpdir(), "sim-timing-"));
const [n1, n2] = [1, 2].map((i) => prepare(base, `n${i}`, `127.0.0.${140 + i}`)) as [SimProc, SimProc];
const defaults = Object.fromEntries(Object.values(SIM_SETTINGS).map((s) => [s.env, ""])); // unset: the defaults
after(async () => {
  await Promise.all([n1, n2].map((n) => kill(n, "SIGTERM")));
  rmSync(base, { recursive: true, force: true });
});

const seconds = (t0: number) => (Date.now() - t0) / 1000;
const within = (what: string, s: number, lo: number, hi: number) => assert.ok(s >= lo && s <= hi, `${what}: ${s.toFixed(1)} s, expected ${lo}–${hi} s`);
const adminUp = (n: SimProc, timeoutMs: number) =>
  waitFor(`8444 on ${n.name}`, async () => ((await admin(n, "GET", "/admin/identity")).status > 0 ? true : undefined), timeoutMs, 100);
const movement = async (n: SimProc) => ((await admin(n, "GET", "/admin/movement_status")).json as { resource: { movement_status: string } }).resource.movement_status;

test("real default timings: start, init, 8443, join, movement, failure detection, member restart", { timeout: 240_000 }, async () => {
  const t0 = Date.now();
  for (const n of [n1, n2]) start(n, defaults);
  await assert.rejects(admin(n1, "GET", "/admin/identity"), /ECONNREFUSED/);
  await adminUp(n1, 30_000);
  within("admin port after process start", seconds(t0), 14, 20);
  await adminUp(n2, 30_000);

  let t = Date.now();
  assert.equal((await admin(n1, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  within("init", seconds(t), 1.6, 3.9);
  t = Date.now();
  await waitFor("8443 after init", async () => ((await http(n1.address, 8443, "GET", "/ping?scope=node")).status === 200 ? true : undefined), 15_000, 100);
  within("8443 after init", seconds(t), 3.5, 5);

  t = Date.now();
  assert.equal((await admin(n2, "POST", "/admin/join", { seed: n1.address, replica_name: "r2" })).status, 200);
  within("join", seconds(t), 3.6, 7);
  const id2 = await identityOf(n2);

  t = Date.now();
  assert.equal((await putReplication(n1, { r1: "data+log", r2: "data+log" })).status, 204);
  assert.equal(await movement(n1), "No data movement is currently in progress.", "right after the PUT, as recorded");
  await waitFor("movement started", async () => ((await movement(n1)) !== "No data movement is currently in progress." ? true : undefined), 5000, 100);
  await waitFor("movement idle", async () => ((await movement(n1)) === "No data movement is currently in progress." ? true : undefined), 60_000, 500);
  within("movement idle after the PUT", seconds(t), 30, 45);
  await waitFor("a leader in segment 0", async () => ((await rowOf(n1, await identityOf(n1)))?.log_segment_leader ? true : undefined), 10_000);

  // Failure detection: silent for ~18 s before `down` (phi > 18.4 at a ~1 s mean interval).
  await kill(n2);
  t = Date.now();
  await waitFor("n2 down", async () => ((await rowOf(n1, id2))?.status === "down" ? true : undefined), 40_000, 250);
  within("a killed node shows down", seconds(t), 17, 23);

  // A restarted member: the start delay, then its daemon start, before 8444 answers.
  t = Date.now();
  start(n2, defaults);
  await adminUp(n2, 40_000);
  within("a restarted member's 8444", seconds(t), 19.5, 26);
  assert.equal(await identityOf(n2), id2);
});
