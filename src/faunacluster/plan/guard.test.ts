// The guard's rules, one table row each, and the safety table of issue 10: a removal at every stage, and a
// replacement, with an empty, a minority or a disagreeing FaunaDB view changes nothing destructive.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { holdFor, isDestructive } from "./guard.ts";
import { plan } from "./plan.ts";
import { NOW, address, cluster, hostId, podName, type ClusterOptions, type Look } from "./testing.ts";
import type { InFlight, PlanAction, PlanInput, WaitReason } from "./types.ts";

const three: Look[] = ["live", "live", "live"];
const forceRemove = (ordinal = 2, force = true): PlanAction => ({ kind: "removeHost", via: address("r1", 0), hostId: hostId("r1", ordinal), force, allowUnclean: force });
const pvcOf = (ordinal = 2): PlanAction => ({ kind: "deletePVC", pod: podName("r1", ordinal), uid: "u" });
const wipe = (ordinal = 2): PlanAction => ({ kind: "deletePod", pod: podName("r1", ordinal), uid: "u", wipe: true });
const shrinkTo = (replicas: number): PlanAction => ({ kind: "scaleStatefulSet", replica: "r1", replicas });

interface Row {
  name: string;
  given: PlanInput;
  action: PlanAction;
  /** null: allowed. */
  held: WaitReason | null;
}

const rows: Row[] = [
  // view
  { name: "a forced removal with no view at all", given: cluster({ r1: ["mute", "mute", "down"] }), action: forceRemove(), held: "FaunaViewIncomplete" },
  { name: "a forced removal on one member's word (minority)", given: cluster({ r1: ["live", "mute", "down"] }), action: forceRemove(), held: "FaunaViewIncomplete" },
  { name: "a forced removal on two views of the same size that disagree", given: cluster({ r1: ["live", "live", "down", "down"] }, { disagreeing: [podName("r1", 1)] }), action: forceRemove(), held: "FaunaViewIncomplete" },
  { name: "a forced removal of a host a majority sees down, its pod gone", given: cluster({ r1: ["live", "live", "down"] }), action: forceRemove(), held: null },
  // forced removal
  { name: "a forced removal of a host down while its pod is Running (cut off)", given: cluster({ r1: ["live", "live", "partitioned"] }), action: forceRemove(), held: "NodeDown" },
  { name: "a forced removal of a host that is up", given: cluster({ r1: [...three] }), action: forceRemove(), held: "Unsafe" },
  { name: "a forced removal of a host whose pod came back with an empty disk", given: cluster({ r1: ["live", "live", "wiped"] }), action: forceRemove(), held: null },
  { name: "a forced removal of a leaving host that handed its data over", given: cluster({ r1: ["live", "live", "drained"] }), action: forceRemove(), held: null },
  { name: "a forced removal of a leaving host that still owns data", given: cluster({ r1: ["live", "live", "leaving"] }), action: forceRemove(), held: "Unsafe" },
  { name: "a forced removal of a drained host while data still moves", given: cluster({ r1: ["live", "live", "drained"] }, { movementIdle: false }), action: forceRemove(), held: "Unsafe" },
  // graceful removal
  { name: "a graceful removal of a host that is down", given: cluster({ r1: ["live", "live", "partitioned"] }), action: forceRemove(2, false), held: "NodeDown" },
  { name: "a graceful removal of a live host, majority view", given: cluster({ r1: [...three] }), action: forceRemove(2, false), held: null },
  // volume
  { name: "a PVC whose host is still a member (leaving)", given: cluster({ r1: ["live", "live", "drained"] }), action: pvcOf(), held: "Unsafe" },
  { name: "a PVC whose host is out of membership, movement idle", given: cluster({ r1: ["live", "live", "left"] }), action: pvcOf(), held: null },
  { name: "a PVC whose host is out but data still moves", given: cluster({ r1: ["live", "live", "left"] }, { movementIdle: false }), action: pvcOf(), held: "DataMoving" },
  { name: "a PVC released on an empty view", given: cluster({ r1: ["mute", "mute", "left"] }), action: pvcOf(), held: "FaunaViewIncomplete" },
  { name: "a wipe of a pod whose host is still a member", given: cluster({ r1: ["live", "live", "down"] }), action: wipe(), held: "Unsafe" },
  { name: "a wipe of a pod whose host was forced out", given: cluster({ r1: ["live", "live", "stale"] }), action: wipe(), held: null },
  // shrink
  { name: "a shrink cutting a pod that is still a member", given: cluster({ r1: ["live", "live", "drained"] }), action: shrinkTo(2), held: "Unsafe" },
  { name: "a shrink cutting a pod whose host left", given: cluster({ r1: ["live", "live", "left"] }), action: shrinkTo(2), held: null },
  { name: "a shrink on an empty view", given: cluster({ r1: ["mute", "mute", "left"] }), action: shrinkTo(2), held: "FaunaViewIncomplete" },
  { name: "growing a StatefulSet is not destructive", given: cluster({ r1: ["mute", "mute", "mute"] }), action: shrinkTo(4), held: null },
  // replication
  { name: "a replication change dropping a data replica on a minority view", given: cluster({ r1: ["live", "mute", "mute"] }), action: { kind: "putReplication", via: "x", replicas: [{ name: "r1", type: "compute" }], ifMatch: null }, held: "FaunaViewIncomplete" },
  { name: "a replication change that only adds a type on a minority view", given: cluster({ r1: ["live", "mute", "mute"] }, { types: { r1: "compute" } }), action: { kind: "putReplication", via: "x", replicas: [{ name: "r1", type: "data+log" }], ifMatch: null }, held: null },
];

describe("guard rules", () => {
  for (const row of rows) {
    it(`${row.name}: ${row.held ?? "allowed"}`, () => {
      assert.equal(holdFor(row.given, row.action)?.reason ?? null, row.held);
    });
  }
});

// ---- issue 10 safety table ------------------------------------------------------------------------------------

type Removal = InFlight & { kind: "remove" };
const removal = (stage: Removal["stage"]): Removal => ({ kind: "remove", stage, replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) });
const replace = (stage: "removing" | "wiping"): InFlight => ({ kind: "replace", stage, replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) });
const twoNodes = [{ name: "r1", type: "data+log" as const, nodes: 2 }];

/** The look of the host being removed at each stage, and the in-flight record. */
const situations: { name: string; last: Look; inFlight: InFlight | null; extra?: ClusterOptions }[] = [
  { name: "scale-down about to start", last: "live", inFlight: null },
  { name: "removal, stage cleaning", last: "live", inFlight: removal("cleaning") },
  { name: "removal, stage leaving (data moving off)", last: "leaving", inFlight: removal("leaving") },
  { name: "removal, stage leaving (handed over)", last: "drained", inFlight: removal("leaving") },
  { name: "removal, stage forcing", last: "drained", inFlight: removal("forcing") },
  { name: "removal, stage shrinking", last: "left", inFlight: removal("shrinking") },
  { name: "removal, stage shrinking, pod gone", last: "absent", inFlight: removal("shrinking"), extra: { statefulSets: { r1: 2 } } },
  { name: "replacement, stage removing", last: "down", inFlight: replace("removing"), extra: { spec: { r1: ["data+log", 3] }, state: { downSince: { [hostId("r1", 2)]: NOW - 600_000 } } } },
  { name: "replacement, stage wiping", last: "stale", inFlight: replace("wiping"), extra: { spec: { r1: ["data+log", 3] } } },
];

/** How the operator's view of FaunaDB is degraded (the two first members' admin answers). */
const views: { name: string; options: ClusterOptions; firstTwo: [Look, Look] }[] = [
  { name: "empty view (no member answers)", options: { noFaunaView: true }, firstTwo: ["mute", "mute"] },
  { name: "minority view (one member answers)", options: { silent: [podName("r1", 2)] }, firstTwo: ["live", "mute"] },
  { name: "disagreeing view (one view against another)", options: { disagreeing: [podName("r1", 1), podName("r1", 2)] }, firstTwo: ["live", "live"] },
];

describe("nothing destructive on an empty, minority or disagreeing view (issue 10)", () => {
  for (const s of situations) {
    for (const v of views) {
      it(`${s.name}, ${v.name}`, () => {
        const layout: Look[] = [...v.firstTwo, s.last];
        const input = cluster({ r1: layout }, {
          spec: { r1: ["data+log", 2] },
          ...s.extra,
          ...v.options,
          state: { accepted: s.extra?.spec ? [{ name: "r1", type: "data+log", nodes: 3 }] : twoNodes, inFlight: s.inFlight, ...s.extra?.state },
        });
        const d = plan(input);
        const destructive = d.actions.filter((a) => isDestructive(input, a));
        assert.deepEqual(destructive, [], `step ${d.step}: ${JSON.stringify(d.actions)}`);
      });
    }
  }

  it("the same situations with a majority view do act (the table can fail)", () => {
    const acted = situations.filter((s) => {
      const input = cluster({ r1: ["live", "live", s.last] }, {
        spec: { r1: ["data+log", 2] },
        ...s.extra,
        state: { accepted: s.extra?.spec ? [{ name: "r1", type: "data+log", nodes: 3 }] : twoNodes, inFlight: s.inFlight, ...s.extra?.state },
      });
      return plan(input).actions.some((a) => isDestructive(input, a));
    });
    assert.ok(acted.length >= 6, `only ${acted.map((s) => s.name).join(", ")} acted`);
  });
});
