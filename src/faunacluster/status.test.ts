import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberStatus } from "../fauna/statusParse.ts";
import { leaderlessSegments } from "./plan/segments.ts";
import { plan } from "./plan/plan.ts";
import { cluster, podName, type Look } from "./plan/testing.ts";
import { dataMovingCondition, degradedCondition, phaseOf, progressingCondition, readyCondition, sameStatus, topologyReadyCondition, type StatusFacts } from "./status.ts";
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

describe("conditions, one pure function each", () => {
  const spec = (nodes = 3) => ({ replicas: [{ name: "r1", type: "data+log" as const, nodes }], paused: false });
  const ready = (look: Look[] = ["live", "live", "live"]) => {
    const input = cluster({ r1: look });
    return { input, decision: plan(input) };
  };
  const rows: { name: string; facts: StatusFacts; ready: boolean; degraded: string; phase: string }[] = [
    { name: "converged", facts: { spec: spec(), ...ready() }, ready: true, degraded: "Reconciled", phase: "Running" },
    { name: "an invalid spec", facts: { spec: spec(), invalid: "spec.replicas: empty" }, ready: false, degraded: "InvalidSpec", phase: "Failed" },
    { name: "no usable root key", facts: { spec: spec(), rootKeyProblem: "Secret x not found" }, ready: false, degraded: "RootKeyMissing", phase: "Creating" },
    { name: "an apply that failed", facts: { spec: spec(), ...ready(), applyError: "boom" }, ready: false, degraded: "ApplyFailed", phase: "Degraded" },
    { name: "a member down, its pod gone", facts: { spec: spec(), ...ready(["live", "live", "down"]) }, ready: false, degraded: "NodeDown", phase: "Degraded" },
    { name: "a member down while its pod runs", facts: { spec: spec(), ...ready(["live", "live", "partitioned"]) }, ready: false, degraded: "NodeDown", phase: "Degraded" },
    {
      name: "a destructive step held back for want of a majority view",
      facts: (() => {
        const inFlight = { kind: "remove" as const, stage: "forcing" as const, replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: "r1-2-host" };
        const input = cluster({ r1: ["live", "mute", "drained"] }, { spec: { r1: ["data+log", 2] }, silent: [podName("r1", 2)], state: { accepted: [{ name: "r1", type: "data+log", nodes: 2 }], inFlight } });
        return { spec: spec(2), input, decision: plan(input) };
      })(),
      ready: false,
      degraded: "FaunaViewIncomplete",
      phase: "Degraded",
    },
    { name: "a log segment without a leader", facts: (() => {
      const input = cluster({ r1: ["live", "live", "live"] }, { leaderless: [1] });
      return { spec: spec(), input, decision: plan(input) };
    })(), ready: false, degraded: "LogSegmentWithoutLeader", phase: "Degraded" },
  ];
  for (const row of rows) {
    it(`${row.name}: Ready=${row.ready}, Degraded reason ${row.degraded}, phase ${row.phase}`, () => {
      assert.equal(readyCondition(row.facts).status, row.ready ? "True" : "False");
      assert.equal(degradedCondition(row.facts).reason, row.degraded);
      assert.equal(phaseOf(row.facts), row.phase);
      assert.equal(progressingCondition(row.facts).status, row.ready || row.facts.invalid ? "False" : "True");
    });
  }
  it("TopologyReady and DataMoving follow the planner and the view", () => {
    const moving = cluster({ r1: ["live", "live", "live"] }, { movementIdle: false });
    assert.equal(dataMovingCondition({ spec: spec(), input: moving })?.status, "True");
    assert.equal(dataMovingCondition({ spec: spec() }), null);
    assert.equal(topologyReadyCondition({ spec: spec(), ...ready() })?.status, "True");
    assert.equal(topologyReadyCondition({ spec: spec(), input: moving, decision: plan(moving) })?.reason, "DataMovementInProgress");
  });
});
