import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAdminStatus } from "./statusParse.ts";

const golden: unknown = JSON.parse(
  readFileSync(new URL("../../test/fixtures/golden/admin-status.json", import.meta.url), "utf8"),
);

test("the golden /admin/status parses as FaunaDB sends it", () => {
  const parsed = parseAdminStatus(golden);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.replicas, [
    { name: "dc1", type: "data+log" },
    { name: "dc2", type: "data+log" },
  ]);
  assert.deepEqual(parsed.value.members[0], {
    hostId: "11a38170-3c07-4c13-b700-86c58ca888c2",
    address: "127.0.0.1",
    replica: "dc1",
    status: "up",
    state: "live",
    ownership: 1,
    ownershipGoal: 1,
    workerId: 512,
    logSegment: 0,
    leader: true,
    persistedTimestamp: "1970-01-01T00:00:00Z",
  });
});

test("sentinels become explicit values", () => {
  const node = {
    status: "down", state: "removed", ownership: 0, ownership_goal: 0, host_id: "h", address: "a", replica: "r",
    worker_id: "n/a", log_segment: "none", log_segment_leader: false, persisted_timestamp: "not reported",
  };
  const parsed = parseAdminStatus({ nodes: [node, { ...node, worker_id: "error", log_segment: "Uninitialized" }], replica_info: [] });
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.members.map((m) => [m.workerId, m.logSegment, m.persistedTimestamp]), [
    [null, "none", null],
    [null, "uninitialized", null],
  ]);
});

test("a wrongly typed field is an error that names it", () => {
  const bad = structuredClone(golden) as { nodes: Record<string, unknown>[] };
  bad.nodes[1]!.worker_id = 513; // a number, not the string FaunaDB sends
  const parsed = parseAdminStatus(bad);
  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? "" : parsed.error, /nodes\[1\].*worker_id/);
  assert.equal(parseAdminStatus({ nodes: [], replica_info: [{ name: "x", type: "logs" }] }).ok, false);
});
