import { test } from "node:test";
import assert from "node:assert/strict";
import { plan } from "./plan.ts";
import { initialPlanState } from "./types.ts";
import { NOW, address, cluster, hostId, podName } from "./testing.ts";

const fresh = { state: { ...initialPlanState() } };
const kinds = (d: ReturnType<typeof plan>) => d.actions.map((a) => a.kind);

test("a new cluster first gets its StatefulSets", () => {
  const d = plan(cluster({ r1: ["absent"], r2: ["absent"] }, { ...fresh, statefulSets: {} }));
  assert.deepEqual(d.actions, [
    { kind: "scaleStatefulSet", replica: "r1", replicas: 1 },
    { kind: "scaleStatefulSet", replica: "r2", replicas: 1 },
  ]);
  assert.deepEqual(d.state.accepted?.map((r) => r.name), ["r1", "r2"]);
});

test("init waits for ordinal 0 of the first data+log replica to answer", () => {
  const d = plan(cluster({ r1: ["starting", "new"] }, fresh));
  assert.deepEqual(kinds(d), ["wait"]);
  assert.equal(d.actions[0]?.kind === "wait" && d.actions[0].reason, "WaitingForPods");
});

test("init records the in-flight init (and never-again flag) before calling init on the first data+log replica", () => {
  const d = plan(cluster({ c1: ["new"], r1: ["new", "new"] }, { ...fresh, types: { c1: "compute", r1: "data+log" } }));
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record: { kind: "init", pod: podName("r1", 0), replica: "r1" } },
    { kind: "initNode", pod: podName("r1", 0), address: address("r1", 0), replica: "r1" },
  ]);
  assert.equal(d.state.initialized, true);
});

test("a restarted operator re-sends init when the record exists but the node is not a member yet", () => {
  const d = plan(cluster({ r1: ["new"] }, { state: { ...initialPlanState(), initialized: true, inFlight: { kind: "init", pod: podName("r1", 0), replica: "r1" } } }));
  assert.deepEqual(kinds(d), ["initNode"]);
});

test("once the init node is a member the record is cleared", () => {
  const d = plan(cluster({ r1: ["live", "new"] }, { state: { inFlight: { kind: "init", pod: podName("r1", 0), replica: "r1" } } }));
  assert.deepEqual(kinds(d), ["clearInFlight"]);
  assert.equal(d.state.inFlight, null);
});

test("an initialised cluster whose members are all unreachable is never initialised again", () => {
  const d = plan(cluster({ r1: ["new", "starting"] }, { noFaunaView: true }));
  assert.deepEqual(kinds(d), ["wait"]);
  assert.equal(d.actions[0]?.kind === "wait" && d.actions[0].reason, "NoMemberReachable");
});

test("joins go one at a time, in spec order, through a data+log seed's stable name and peer port", () => {
  const d = plan(cluster({ r1: ["live", "new"], r2: ["new"] }, { types: { r1: "data+log", r2: "compute" } }));
  assert.deepEqual(d.actions, [
    { kind: "joinNode", pod: podName("r1", 1), address: address("r1", 1), replica: "r1", seed: { host: address("r1", 0), peerPort: 7500 } },
  ]);
  assert.equal(d.state.membershipChangedAt, NOW, "a join restarts the settle clock");
  assert.equal(d.state.cleanupPending, true, "joining a data replica streams data: clean up afterwards");
});

test("joining a compute replica schedules no cleanup", () => {
  const d = plan(cluster({ r1: ["live"], c1: ["new"] }, { types: { r1: "data+log", c1: "compute" } }));
  assert.deepEqual(kinds(d), ["joinNode"]);
  assert.equal(d.state.cleanupPending, false);
});

test("joins wait for pods that are not up yet", () => {
  const d = plan(cluster({ r1: ["live", "starting"] }));
  assert.equal(d.actions[0]?.kind === "wait" && d.actions[0].reason, "WaitingForPods");
});

test("a new membership starts the settle clock and replication waits for it (FACTS §7.3 trap)", () => {
  const input = cluster({ r1: ["live"], r2: ["live"], r3: ["live"] }, {
    types: { r1: "data+log", r2: "compute", r3: "compute" },
    spec: { r1: ["data+log", 1], r2: ["data+log", 1], r3: ["data+log", 1] },
    state: { membersDigest: hostId("r1", 0), bootstrapped: false },
  });
  const d = plan(input);
  assert.equal(d.state.membershipChangedAt, NOW);
  assert.deepEqual(d.actions, [{ kind: "wait", reason: "Settling", message: d.actions[0]?.kind === "wait" ? d.actions[0].message : "", afterMs: 30_000 }]);
  const later = plan({ ...input, state: d.state, now: NOW + 12_000 });
  assert.equal(later.actions[0]?.kind === "wait" && later.actions[0].afterMs, 18_000);
});

test("after the settle time the FULL replication list is PUT with If-Match", () => {
  const d = plan(cluster({ r1: ["live"], r2: ["live"], c1: ["live"] }, {
    types: { r1: "data+log", r2: "compute", c1: "compute" },
    spec: { r1: ["data+log", 1], r2: ["data+log", 1], c1: ["compute", 1] },
    state: { bootstrapped: false },
  }));
  assert.deepEqual(d.actions, [
    {
      kind: "putReplication",
      via: address("r1", 0),
      replicas: [{ name: "r1", type: "data+log" }, { name: "r2", type: "data+log" }, { name: "c1", type: "compute" }],
      ifMatch: '"etag-1"',
    },
  ]);
});

test("movement must be idle before anything else happens; unknown movement waits too", () => {
  const d = plan(cluster({ r1: ["live"] }, { movementIdle: false }));
  assert.equal(d.actions[0]?.kind === "wait" && d.actions[0].reason, "DataMoving");
  const unknown = plan(cluster({ r1: ["live"] }, { movementIdle: null }));
  assert.equal(unknown.actions[0]?.kind === "wait" && unknown.actions[0].reason, "NoMemberReachable");
});

test("movement idle is not enough: a live member short of its ownership goal waits (FACTS §7.4: Owns = Goal)", () => {
  const input = cluster({ r1: ["live"], r2: ["live"] });
  const members = input.fauna.members ?? [];
  const short = { ...input, fauna: { ...input.fauna, members: members.map((m, i) => (i === 1 ? { ...m, ownership: 0, ownershipGoal: 1 } : m)) } };
  const d = plan(short);
  assert.equal(d.actions[0]?.kind === "wait" && d.actions[0].reason, "DataMoving");
  assert.match(d.actions[0]?.kind === "wait" ? d.actions[0].message : "", /1 member\(s\) do not own their goal yet .*owns 0\.0%, goal 100\.0%/);
  assert.equal(plan(input).actions[0]?.kind, "done", "owning the goal: done");
});

test("storage cleanup runs once after adds, when movement is idle", () => {
  const d = plan(cluster({ r1: ["live", "live"] }, { state: { cleanupPending: true } }));
  assert.deepEqual(d.actions, [{ kind: "cleanStorage", addresses: [address("r1", 0), address("r1", 1)] }]);
  assert.equal(d.state.cleanupPending, false);
});

test("a converged cluster is done and marked bootstrapped", () => {
  const d = plan(cluster({ r1: ["live", "live", "live"], r2: ["live", "live", "live"], r3: ["live", "live", "live"] }, { state: { bootstrapped: false } }));
  assert.deepEqual(d.actions, [{ kind: "done" }]);
  assert.equal(d.state.bootstrapped, true);
  assert.equal(d.refusal, null);
});
