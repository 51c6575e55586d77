import { test } from "node:test";
import assert from "node:assert/strict";
import faunadb from "faunadb";
import { classify, OperationTimeout } from "./errors.ts";
import { LoadStats } from "./stats.ts";

test("latency is timed from when an operation was due, per second and overall, with failures by class", () => {
  const s = new LoadStats(10_000);
  s.record("write", 10_000, 10_010); // 10 ms, second 0
  s.record("write", 10_100, 10_300, "unavailable"); // 200 ms, second 0
  s.record("read", 11_000, 13_500, "timeout"); // due in second 1, ended in second 3: 2.5 s
  const series = s.series(14_000);
  assert.equal(series.length, 5);
  assert.deepEqual([series[0]!.ok, series[0]!.errors.unavailable, Math.round(series[0]!.p50Ms!), Math.round(series[0]!.maxMs!)], [1, 1, 10, 200]);
  assert.deepEqual([series[1]!.p50Ms, series[2]!.ok], [null, 0]);
  assert.equal(series[3]!.errors.timeout, 1);
  assert.ok(Math.abs(series[3]!.p99Ms! - 2500) < 3);
  const all = s.latency();
  assert.equal(all.count, 3);
  assert.ok(Math.abs(all.maxMs - 2500) < 3);
  assert.equal(s.latencyByOp().write!.count, 2);
});

test("errors are classified: 409 contention, 503 unavailable, refused, the load's own deadline a timeout", () => {
  const http = (status: number) => {
    const result = { statusCode: status, responseContent: { errors: [{ code: "x", description: "y" }] } };
    return new faunadb.errors.FaunaHTTPError(status === 409 ? "Conflict" : "UnavailableError", result as never);
  };
  assert.equal(classify(http(409)), "contention");
  assert.equal(classify(http(503)), "unavailable");
  assert.equal(classify(Object.assign(new Error("The pending stream has been canceled"), { code: "ERR_HTTP2_STREAM_CANCEL", cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) })), "refused");
  assert.equal(classify(new OperationTimeout(5000)), "timeout");
  assert.equal(classify(new Error("boom")), "other");
});
