import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberStatus } from "../fauna/statusParse.ts";
import { leaderlessSegments } from "./plan/segments.ts";
import { sameStatus } from "./status.ts";
import { appliedHash } from "./steps/applyObjects.ts";

describe("status comparison", () => {
  it("ignores key order and undefined fields, but not values or list order", () => {
    assert.ok(sameStatus({ a: 1, b: { c: [1, 2], d: undefined } }, { b: { c: [1, 2] }, a: 1 }));
    assert.ok(!sameStatus({ a: 1 }, { a: 2 }));
    assert.ok(!sameStatus({ c: [1, 2] }, { c: [2, 1] }));
    assert.ok(!sameStatus({ a: 1 }, { a: 1, b: 0 }));
  });
});

describe("applied hash", () => {
  it("ignores StatefulSet replicas (the planner's) but sees any other change", () => {
    const sts = (replicas: number, image: string) => ({ kind: "StatefulSet", metadata: { name: "s" }, spec: { replicas, template: { image } } });
    assert.equal(appliedHash(sts(1, "a")), appliedHash(sts(3, "a")));
    assert.notEqual(appliedHash(sts(1, "a")), appliedHash(sts(1, "b")));
    const cm = (replicas: number) => ({ kind: "ConfigMap", metadata: { name: "c" }, spec: { replicas } });
    assert.notEqual(appliedHash(cm(1)), appliedHash(cm(2)));
  });
});

describe("leaderlessSegments", () => {
  const m = (logSegment: MemberStatus["logSegment"], leader: boolean, status: "up" | "down" = "up", state: "live" | "removed" = "live") =>
    ({ hostId: "h", address: "a", replica: "r", status, state, ownership: 1, ownershipGoal: 1, workerId: 1, logSegment, leader, persistedTimestamp: null }) as MemberStatus;
  it("names a segment whose up members all follow, not one with a leader or one whose members are all down", () => {
    assert.deepEqual(leaderlessSegments([m(0, true), m(0, false), m(1, false), m(1, false), m(2, false, "down"), m("none", false)]), [1]);
    assert.deepEqual(leaderlessSegments([m(0, true), m(1, false, "up", "removed")]), [], "a leaving host is no segment's voice");
    assert.deepEqual(leaderlessSegments([]), []);
  });
});
