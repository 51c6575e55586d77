import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConditionType, Reason, setCondition, isConditionTrue } from "./conditions.ts";

const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-01T00:05:00Z");

describe("setCondition", () => {
  const base = setCondition(undefined, { type: ConditionType.Ready, status: "False", reason: Reason.PodsNotReady, message: "0/3" }, t0);

  const cases = [
    { name: "same status keeps lastTransitionTime, updates reason and message", status: "False" as const, reason: Reason.Initializing, expectTime: t0 },
    { name: "a flip moves lastTransitionTime", status: "True" as const, reason: Reason.Reconciled, expectTime: t1 },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const next = setCondition(base, { type: ConditionType.Ready, status: tc.status, reason: tc.reason, message: "m", observedGeneration: 4 }, t1);
      assert.equal(next.length, 1);
      assert.deepEqual(next[0], {
        type: "Ready",
        status: tc.status,
        reason: tc.reason,
        message: "m",
        lastTransitionTime: tc.expectTime.toISOString(),
        observedGeneration: 4,
      });
    });
  }

  it("appends new types and leaves others and its input untouched", () => {
    const next = setCondition(base, { type: ConditionType.Degraded, status: "True", reason: Reason.NodeDown, message: "r1-0 down" }, t1);
    assert.deepEqual(next.map((c) => c.type), ["Ready", "Degraded"]);
    assert.equal(base.length, 1);
    assert.ok(isConditionTrue(next, ConditionType.Degraded));
    assert.ok(!isConditionTrue(next, ConditionType.Ready));
  });
});
