import { test } from "node:test";
import assert from "node:assert/strict";
import { plan } from "./plan.ts";
import type { InFlight, PlanDecision } from "./types.ts";
import { NOW, address, cluster, hostId, podName } from "./testing.ts";

const kinds = (d: PlanDecision) => d.actions.map((a) => a.kind);
const waitReason = (d: PlanDecision) => (d.actions[0]?.kind === "wait" ? d.actions[0].reason : undefined);
const three = ["live", "live", "live"] as const;
const removal = (stage: "cleaning" | "leaving" | "forcing" | "shrinking", ordinal = 2): InFlight => ({
  kind: "remove", stage, replica: "r1", ordinal, pod: podName("r1", ordinal), hostId: hostId("r1", ordinal),
});

// ---- scale-down: clean → graceful remove (leaving) → owns nothing + idle → forced remove → shrink → release PVC ----
// (FACTS Corrections 2; FaunaDB QA RemoveNode → WaitForTopology → ForceRemoveNode)

const twoNodes = [{ name: "r1", type: "data+log" as const, nodes: 2 }];
const shrinking = (inFlight: InFlight, extra: Parameters<typeof cluster>[1] = {}) =>
  ({ spec: { r1: ["data+log", 2] as ["data+log", number] }, ...extra, state: { accepted: twoNodes, inFlight, ...extra.state } });

test("scale-down starts by recording the removal and cleaning storage everywhere", () => {
  const d = plan(cluster({ r1: [...three], r2: [...three], r3: [...three] }, { spec: { r1: ["data+log", 2], r2: ["data+log", 3], r3: ["data+log", 3] } }));
  assert.deepEqual(d.actions[0], { kind: "setInFlight", record: removal("cleaning") });
  assert.equal(d.actions[1]?.kind, "cleanStorage");
  assert.deepEqual(d.state.inFlight, removal("cleaning"));
});

test("while a node needs cleanup (unknown counts as dirty) cleanup is re-issued there and the removal waits", () => {
  const d = plan(cluster({ r1: [...three] }, shrinking(removal("cleaning"), { needsCleanup: true })));
  assert.deepEqual(kinds(d), ["cleanStorage", "wait"]);
  assert.equal(d.actions[1]?.kind === "wait" && d.actions[1].reason, "StorageCleanup");
});

test("with clean storage the highest ordinal's host is removed gracefully through another member", () => {
  const d = plan(cluster({ r1: [...three] }, shrinking(removal("cleaning"))));
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record: removal("leaving") },
    { kind: "removeHost", via: address("r1", 0), hostId: hostId("r1", 2), force: false, allowUnclean: false },
  ]);
});

test("while the leaving host still owns data nothing more happens", () => {
  const d = plan(cluster({ r1: ["live", "live", "leaving"] }, shrinking(removal("leaving"))));
  assert.equal(waitReason(d), "DataMoving");
});

test("the leaving host owns nothing but data still moves: no forced removal yet", () => {
  const d = plan(cluster({ r1: ["live", "live", "drained"] }, shrinking(removal("leaving"), { movementIdle: false })));
  assert.equal(waitReason(d), "DataMoving");
});

test("once it owns nothing and movement is idle the host is force-removed (a graceful removal never ends by itself)", () => {
  const d = plan(cluster({ r1: ["live", "live", "drained"] }, shrinking(removal("leaving"))));
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record: removal("forcing") },
    { kind: "removeHost", via: address("r1", 0), hostId: hostId("r1", 2), force: true, allowUnclean: true },
  ]);
});

test("only once it is out of membership the StatefulSet shrinks", () => {
  const still = plan(cluster({ r1: ["live", "live", "drained"] }, shrinking(removal("forcing"))));
  assert.deepEqual(kinds(still), ["setInFlight", "removeHost"], "the forced call is re-sent while the host is listed");
  const d = plan(cluster({ r1: ["live", "live", "left"] }, shrinking(removal("forcing"))));
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record: removal("shrinking") },
    { kind: "scaleStatefulSet", replica: "r1", replicas: 2 },
  ]);
});

test("the PVC is released only once the pod is gone, then the record is cleared", () => {
  const terminating = plan(cluster({ r1: ["live", "live", "left"] }, shrinking(removal("shrinking"), { statefulSets: { r1: 2 } })));
  assert.equal(waitReason(terminating), "PodTerminating");
  // pod gone, volume kept, host out of membership:
  const input = cluster({ r1: ["live", "live", "down"] }, shrinking(removal("shrinking"), { statefulSets: { r1: 2 } }));
  input.fauna.members = input.fauna.members!.filter((m) => m.hostId !== hostId("r1", 2));
  assert.deepEqual(plan(input).actions, [{ kind: "deletePVC", pod: podName("r1", 2), uid: `uid-data-${podName("r1", 2)}` }, { kind: "clearInFlight" }]);
});

test("a removal whose call never landed (killed after recording) re-sends it", () => {
  const d = plan(cluster({ r1: [...three] }, shrinking(removal("leaving"))));
  assert.deepEqual(kinds(d), ["setInFlight", "removeHost"]);
});

test("a never-joined highest ordinal is shrunk away without any admin call", () => {
  const accepted = [{ name: "r1", type: "data+log" as const, nodes: 2 }];
  const d = plan(cluster({ r1: ["live", "live", "new"] }, { spec: { r1: ["data+log", 2] }, state: { accepted } }));
  assert.deepEqual(kinds(d), ["setInFlight", "scaleStatefulSet"]);
});

test("compute hosts are removed without cleaning, allowing unclean storage", () => {
  const d = plan(cluster({ r1: ["live"], c1: ["live", "live"] }, { types: { r1: "data+log", c1: "compute" }, spec: { r1: ["data+log", 1], c1: ["compute", 1] } }));
  assert.deepEqual(d.actions[1], { kind: "removeHost", via: address("r1", 0), hostId: hostId("c1", 1), force: false, allowUnclean: true });
});

test("a whole compute replica that left the spec is removed host by host", () => {
  const d = plan(cluster({ r1: ["live"], c1: ["live", "live"] }, { types: { r1: "data+log", c1: "compute" }, spec: { r1: ["data+log", 1] } }));
  assert.equal(d.actions[1]?.kind === "removeHost" && d.actions[1].hostId, hostId("c1", 1));
  assert.equal(d.refusal, null);
});

// ---- dead nodes ----

test("a member down with its pod gone waits for the grace period", () => {
  const input = cluster({ r1: ["live", "live", "down"] }, { state: { downSince: { [hostId("r1", 2)]: NOW - 60_000 } } });
  const d = plan(input);
  assert.equal(waitReason(d), "NodeDown");
  assert.equal(d.state.downSince[hostId("r1", 2)], NOW - 60_000);
});

test("past the grace the dead host is force-removed, recorded first", () => {
  const d = plan(cluster({ r1: ["live", "live", "down"] }, { state: { downSince: { [hostId("r1", 2)]: NOW - 301_000 } } }));
  const record: InFlight = { kind: "replace", stage: "removing", replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) };
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record },
    { kind: "removeHost", via: address("r1", 0), hostId: hostId("r1", 2), force: true, allowUnclean: true },
  ]);
});

test("a pod back with an empty disk gets its old host force-removed at once, then joins", () => {
  const d = plan(cluster({ r1: ["live", "live", "wiped"] }));
  assert.deepEqual(kinds(d), ["setInFlight", "removeHost"]);
  const record: InFlight = { kind: "replace", stage: "removing", replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) };
  const after = plan(cluster({ r1: ["live", "live", "new"] }, { state: { inFlight: record } }));
  assert.deepEqual(kinds(after), ["clearInFlight"]);
  const join = plan(cluster({ r1: ["live", "live", "new"] }));
  assert.equal(join.actions[0]?.kind, "joinNode");
});

test("a replaced pod still holding the removed identity has its volume wiped, once", () => {
  const record: InFlight = { kind: "replace", stage: "removing", replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) };
  const d = plan(cluster({ r1: ["live", "live", "stale"] }, { state: { inFlight: record } }));
  assert.deepEqual(d.actions, [
    { kind: "setInFlight", record: { ...record, stage: "wiping" } },
    { kind: "deletePVC", pod: podName("r1", 2), uid: `uid-data-${podName("r1", 2)}` },
    { kind: "deletePod", pod: podName("r1", 2), uid: `uid-${podName("r1", 2)}`, wipe: true },
  ]);
  const starting = plan(cluster({ r1: ["live", "live", "starting"] }, { state: { inFlight: { ...record, stage: "wiping" } } }));
  assert.equal(waitReason(starting), "WaitingForPods", "never delete the fresh pod while it starts");
});

test("the only node of a data replica cannot be force-removed: refusal with the way out", () => {
  const d = plan(cluster({ r1: ["live"], r2: ["live"], r3: ["wiped"] }));
  assert.equal(d.refusal?.reason, "LastDataNodeDead");
  assert.ok(!kinds(d).includes("removeHost"));
});

test("a deleted pod coming back with its volume needs no remove or join", () => {
  const d = plan(cluster({ r1: ["live", "live", "starting"] }));
  assert.deepEqual(kinds(d), ["wait"]);
});

// ---- refusals and one change at a time ----

const base = { r1: [...three], r2: [...three], r3: [...three] };

test("removing a data replica's last node, or the replica, before making it compute is refused", () => {
  for (const spec of [
    { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["data+log", 0] },
    { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["compute", 0] },
    { r1: ["data+log", 3], r2: ["data+log", 3] },
  ] as const) {
    const d = plan(cluster(base, { spec: spec as never }));
    assert.equal(d.refusal?.reason, "LastDataNode", JSON.stringify(spec));
    assert.deepEqual(kinds(d), ["done"], "the accepted topology is still maintained");
  }
});

test("dropping below a majority of data+log replicas is refused", () => {
  const d = plan(cluster(base, { spec: { r1: ["data+log", 3], r2: ["compute", 3], r3: ["compute", 3] } }));
  assert.equal(d.refusal?.reason, "LogMajority");
  const ok = plan(cluster(base, { spec: { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["compute", 3] } }));
  assert.equal(ok.refusal, null);
  assert.deepEqual(ok.actions[0]?.kind === "putReplication" && ok.actions[0].replicas.find((r) => r.name === "r3"), { name: "r3", type: "compute" });
});

test("more than one replica changed at once is refused", () => {
  const d = plan(cluster(base, { spec: { r1: ["data+log", 5], r2: ["data+log", 5], r3: ["data+log", 3] } }));
  assert.equal(d.refusal?.reason, "MultipleTopologyChanges");
  assert.deepEqual(kinds(d), ["done"]);
});

test("a new change waits while the accepted one is not finished", () => {
  const input = cluster(base, { spec: { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["data+log", 5] }, movementIdle: false });
  const d = plan(input);
  assert.equal(d.refusal?.reason, "TopologyChangeInProgress");
  assert.equal(waitReason(d), "DataMoving");
});

test("a spec that is invalid on its own is refused before anything is created", () => {
  const invalid = [
    { spec: { c1: ["compute", 1] }, why: "no data+log" },
    { spec: { "bad name": ["data+log", 1] }, why: "name" },
    { spec: { r1: ["data+log", 1.5] }, why: "nodes" },
  ] as const;
  for (const { spec, why } of invalid) {
    const d = plan(cluster({}, { spec: spec as never, state: { accepted: null, bootstrapped: false, initialized: false } }));
    assert.equal(d.refusal?.reason, "InvalidSpec", why);
    assert.deepEqual(d.actions, []);
  }
});

test("type change data+log → compute → data+log goes through replication with If-Match", () => {
  const toCompute = plan(cluster(base, { spec: { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["compute", 3] } }));
  assert.equal(toCompute.actions[0]?.kind, "putReplication");
  const back = plan(cluster(base, {
    types: { r1: "data+log", r2: "data+log", r3: "compute" },
    spec: { r1: ["data+log", 3], r2: ["data+log", 3], r3: ["data+log", 3] },
  }));
  assert.deepEqual(back.actions[0]?.kind === "putReplication" && back.actions[0].replicas.map((r) => r.type), ["data+log", "data+log", "data+log"]);
});
