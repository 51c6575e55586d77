import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { AdminStatusResponse } from "../../fauna/wire.ts";
import { formatStatusTable } from "../statusTable.ts";
import { initCluster, logSegments, withoutMember, stateDigest, stepOwnership, supersedes, validateReplication, withMember, withReplication, writeAvailable, type Member } from "./cluster.ts";
import { movementStatus, settledOwnership, statusResponse } from "./status.ts";

const member = (i: number, replica: string): Member => ({ hostId: `h${i}`, address: `10.0.0.${i}`, peerPort: 7500, replica, workerId: i, leaving: false, joinedAt: 0 });

function cluster3x3() {
  let s = initCluster(member(0, "r1"));
  for (let i = 1; i < 9; i++) s = withMember(s, member(i, `r${Math.floor(i / 3) + 1}`));
  return withReplication(s, ["r1", "r2", "r3"], ["r1", "r2", "r3"], 100_000, 30_000);
}

test("3 data+log replicas × 3 nodes: 3 segments of 3; writes survive one replica down, not two", () => {
  const s = cluster3x3();
  assert.deepEqual(logSegments(s).map((x) => x.hostIds), [["h0", "h3", "h6"], ["h1", "h4", "h7"], ["h2", "h5", "h8"]]);
  const all = new Set(s.members.map((m) => m.hostId));
  assert.ok(writeAvailable(s, all));
  assert.ok(writeAvailable(s, new Set([...all].filter((h) => !["h3", "h4", "h5"].includes(h)))));
  assert.ok(!writeAvailable(s, new Set(["h0", "h1", "h2"])));
});

test("replication validation follows AdminApplication's order and texts", () => {
  const s = withMember(initCluster(member(0, "r1")), member(1, "r2"));
  const v = (body: unknown, ifMatch?: string) => validateReplication(s, body, "E", ifMatch);
  assert.deepEqual(v({ replicas: [] }, "X"), { ok: false, status: 412, message: "Precondition failed." });
  assert.deepEqual(v({ replicas: [] }), { ok: false, status: 400, message: "Missing specification for replicas r1,r2" });
  assert.deepEqual(v({ replicas: [{ name: "r1", type: "data+log" }, { name: "r1", type: "data" }] }), { ok: false, status: 400, message: "Unknown replica r1" });
  assert.equal(v({ replicas: [{ name: "r1", type: "compute" }, { name: "r2", type: "data" }] }).ok, false);
  assert.deepEqual(v({ replicas: [{ name: "r1", type: "data+log" }, { name: "r2", type: "compute" }] }, "*"), { ok: true, data: ["r1"], log: ["r1"] });
});

test("settle trap marks fresh segments stuck", () => {
  let s = initCluster(member(0, "r1"));
  s = withMember(s, { ...member(1, "r2"), joinedAt: 90_000 });
  s = withReplication(s, ["r1", "r2"], ["r1", "r2"], 100_000, 30_000);
  assert.deepEqual(s.stuckSegments, [0]);
  assert.ok(!writeAvailable(s, new Set(["h0", "h1"])));
});

test("movement status strings", () => {
  const s = cluster3x3();
  const views = new Map(s.members.map((m) => [m.hostId, { up: true, owns: m.replica === "r1" ? 1 / 3 : 0 }]));
  assert.equal(movementStatus(s, views, 0), "100.00% of tokens in 258 segments moving to 6 nodes in 2 replicas.");
  assert.equal(movementStatus({ ...s, movementFrom: 10 }, views, 9), "No data movement is currently in progress.", "not yet started");
  for (const v of views.values()) v.owns = 1 / 3;
  assert.equal(movementStatus(s, views, 0), "No data movement is currently in progress.");
});

test("a host removed by force while owning data stays in status (n/a, removed, down) until its replica holds its share", () => {
  const s = cluster3x3();
  const gone = withoutMember(s, "h4", 1 / 3);
  assert.deepEqual(gone.departed, [{ hostId: "h4", replica: "r2", owns: 1 / 3 }]);
  const reported = new Map([...gone.members.map((m) => [m.hostId, 1 / 3] as const), ["h4", 1 / 3] as const]);
  const viewsOf = (r: Map<string, number>) => new Map([...settledOwnership(gone, r)].map(([h, owns]) => [h, { up: h !== "h4", owns }]));
  const row = statusResponse(gone, viewsOf(reported)).nodes.find((n) => n.host_id === "h4");
  assert.deepEqual(row, {
    status: "down", state: "removed", ownership: 1 / 3, ownership_goal: 0, host_id: "h4", address: "n/a", replica: "r2",
    worker_id: "n/a", log_segment: "none", log_segment_leader: false, persisted_timestamp: "not reported",
  });
  reported.set("h3", 0.45);
  assert.ok(Math.abs(statusResponse(gone, viewsOf(reported)).nodes.find((n) => n.host_id === "h4")!.ownership - (1 / 6 + 0.05)) < 1e-9, "shrinks as h3 and h5 take over");
  for (const h of ["h3", "h5"]) reported.set(h, 0.5);
  assert.equal(statusResponse(gone, viewsOf(reported)).nodes.some((n) => n.host_id === "h4"), false);
  assert.equal(withoutMember(s, "h4", 0).departed.length, 0, "a host that owned nothing leaves no trace");
});

test("status text layout of the golden sample (FACTS §1.5)", () => {
  const golden = JSON.parse(readFileSync(new URL("../../../test/fixtures/golden/admin-status.json", import.meta.url), "utf8")) as AdminStatusResponse;
  const lines = formatStatusTable(golden).split("\n");
  assert.equal(lines[0], "");
  assert.equal(lines[1], "Replica: dc1 (data+log)");
  assert.equal(lines[2], "=".repeat("Replica: dc1 (data+log)".length));
  assert.equal(lines[3], "Status  State  WorkerID  Log Segment  Address    Owns    Goal    HostID                                Persisted Timestamp ");
  assert.equal(lines[4], "up      live   512       0 (leader)   127.0.0.1  100.0%  100.0%  11a38170-3c07-4c13-b700-86c58ca888c2  1970-01-01T00:00:00Z");
  assert.equal(lines[9], "up      live   513       0            127.0.0.2  100.0%  100.0%  6c3f2824-25a5-404d-96c3-2838d4d04692  1970-01-01T00:00:00Z");
});

describe("stepOwnership", () => {
  it("lands exactly on the goal, so a leaving host owns exactly nothing in the end", () => {
    let owns = 0.7;
    for (let i = 0; i < 7; i++) owns = stepOwnership(owns, 0, 0.1);
    assert.equal(owns, 0, "0.7 - 7 x 0.1 leaves 2.8e-17 without the snap");
    let tenth = 0.1;
    for (let i = 0; i < 3; i++) tenth = stepOwnership(tenth, 0, 1 / 30);
    assert.equal(tenth, 0, "0.1 - 3 x 1/30 leaves 1.4e-17 without the snap");
    let share = 1 / 10;
    for (let i = 0; i < 40 && share !== 0; i++) share = stepOwnership(share, 0, 1 / 300 + i * 1e-7);
    assert.equal(share, 0);
    let up = 0;
    for (let i = 0; i < 10; i++) up = stepOwnership(up, 1 / 3, 1 / 30);
    assert.equal(up, 1 / 3);
  });
  it("never overshoots the goal and moves by one step otherwise", () => {
    assert.equal(stepOwnership(0.5, 0.2, 1), 0.2);
    assert.equal(stepOwnership(0, 0.25, 1), 0.25);
    assert.equal(stepOwnership(0.5, 0, 0.125), 0.375);
    assert.equal(stepOwnership(0, 0.5, 0.125), 0.125);
  });
});

describe("supersedes", () => {
  it("orders states by version, then by digest, so that nodes holding different states of one version converge", () => {
    const base = cluster3x3();
    const a = withMember(base, member(9, "r1"));
    const b = withMember(base, member(10, "r2"));
    assert.equal(a.version, b.version, "two concurrent changes of one state");
    assert.equal(supersedes(a, base), true);
    assert.equal(supersedes(base, a), false);
    assert.notEqual(supersedes(a, b), supersedes(b, a), "exactly one of the two wins, on every node");
    assert.equal(supersedes(a, a), false);
    assert.equal(stateDigest(a), stateDigest(structuredClone(a)));
  });
});

test("ownership settles as topology: givers hold only what takers still lack, a compute replica owns nothing", () => {
  let s = cluster3x3();
  s = withMember(s, member(9, "r1")); // r1 grows to 4: goals 1/4, the three old nodes give, h9 takes
  const reported = new Map(s.members.map((m) => [m.hostId, m.replica === "r1" ? 1 / 3 : 1 / 3] as const));
  reported.set("h9", 0.1);
  const settled = settledOwnership(s, reported);
  const r1 = ["h0", "h1", "h2", "h9"].reduce((a, h) => a + settled.get(h)!, 0);
  assert.ok(Math.abs(r1 - 1) < 1e-9, `r1 owns the ring once: ${r1}`);
  reported.set("h9", 0.25);
  for (const h of ["h0", "h1", "h2"]) assert.equal(settledOwnership(s, reported).get(h), 0.25, "done: exactly the goal");
  const compute = withReplication(s, ["r1", "r2"], ["r1", "r2"], 1e9, 0);
  assert.deepEqual(["h6", "h7", "h8"].map((h) => settledOwnership(compute, reported).get(h)), [0, 0, 0]);
});

test("right after an election a segment shows no leader (TxnPipeline.logLeaders: a quorum of leader requests)", () => {
  const s = cluster3x3();
  const views = new Map(s.members.map((m) => [m.hostId, { up: true, owns: 1 / 3 }]));
  const leaders = (electing: Set<number>) => statusResponse(s, views, electing).nodes.filter((n) => n.log_segment_leader).map((n) => n.log_segment).sort();
  assert.deepEqual(leaders(new Set()), ["0", "1", "2"]);
  assert.deepEqual(leaders(new Set([1])), ["0", "2"]);
});
