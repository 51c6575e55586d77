// Table of the planner's edge decisions: every branch the create/change tests do not reach, each row a cluster
// situation and the exact decision (actions, refusal, deciding step) the planner must answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plan } from "./plan.ts";
import { updateReplication } from "./replication.ts";
import { restartStuckSegments } from "./segments.ts";
import {
  initialPlanState, WAIT_MS,
  type InFlight, type PlanAction, type PlanInput, type PlanState, type PodObservation, type RefusalReason, type WaitReason,
} from "./types.ts";
import { makeView } from "./view.ts";
import { NOW, address, cluster, hostId, podName } from "./testing.ts";

type Expected = Exclude<PlanAction, { kind: "wait" }> | { kind: "wait"; reason: WaitReason; says: RegExp };

interface Row {
  name: string;
  given: PlanInput;
  step: string;
  actions: Expected[];
  refusal?: RefusalReason;
  /** Fields of the state to persist that the row is about. */
  state?: Partial<PlanState>;
}

const waits = (reason: WaitReason, says: RegExp): Expected => ({ kind: "wait", reason, says });
const removeVia = (replica: string, ordinal: number, hostReplica: string, hostOrdinal: number, force: boolean, allowUnclean: boolean): Expected =>
  ({ kind: "removeHost", via: address(replica, ordinal), hostId: hostId(hostReplica, hostOrdinal), force, allowUnclean });

const three = ["live", "live", "live"] as const;
/** r1 scaled 3 → 2: the change was accepted, its removal is under way. */
const twoNodes = [{ name: "r1", type: "data+log" as const, nodes: 2 }];
const pastGrace = { downSince: { [hostId("r1", 2)]: NOW - 301_000 } };
const removal = (stage: "cleaning" | "leaving" | "forcing" | "shrinking", over: Partial<InFlight & { kind: "remove" }> = {}): InFlight & { kind: "remove" } =>
  ({ kind: "remove", stage, replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2), ...over });
const replace = (stage: "removing" | "wiping"): InFlight & { kind: "replace" } =>
  ({ kind: "replace", stage, replica: "r1", ordinal: 2, pod: podName("r1", 2), hostId: hostId("r1", 2) });
const init: InFlight = { kind: "init", pod: podName("r1", 0), replica: "r1" };

/** Observation details the looks do not express. */
function withPod(input: PlanInput, replica: string, ordinal: number, patch: Partial<PodObservation>): PlanInput {
  input.kube.pods = input.kube.pods.map((p) => (p.replica === replica && p.ordinal === ordinal ? { ...p, ...patch } : p));
  return input;
}
function withoutPod(input: PlanInput, replica: string, ordinal: number): PlanInput {
  input.kube.pods = input.kube.pods.filter((p) => !(p.replica === replica && p.ordinal === ordinal));
  return input;
}
function withoutMember(input: PlanInput, replica: string, ordinal: number): PlanInput {
  input.fauna.members = input.fauna.members?.filter((m) => m.hostId !== hostId(replica, ordinal)) ?? null;
  return input;
}

const rows: Row[] = [
  // ---- init ----
  {
    name: "a restarted operator with an init record waits for the pod to answer before re-sending init",
    given: cluster({ r1: ["starting"] }, { state: { ...initialPlanState(), initialized: true, inFlight: init } }),
    step: "ResumeInFlight",
    actions: [waits("WaitingForPods", /fc-r1-0 to answer .* to initialise it/)],
    state: { inFlight: init },
  },
  {
    name: "an init record whose pod is gone waits too (never initialises another node)",
    given: cluster({ r1: ["absent", "new"] }, { state: { ...initialPlanState(), initialized: true, inFlight: init } }),
    step: "ResumeInFlight",
    actions: [waits("WaitingForPods", /fc-r1-0/)],
    state: { inFlight: init },
  },
  {
    name: "an accepted topology without a data+log replica (status written by hand) never initialises a compute node",
    given: cluster({ c1: ["new"] }, {
      types: { c1: "compute" },
      state: { ...initialPlanState(), accepted: [{ name: "c1", type: "compute", nodes: 1 }] },
    }),
    step: "RequireMembers",
    actions: [waits("NoMemberReachable", /no member answered/)],
    refusal: "InvalidSpec",
    state: { initialized: false, inFlight: null },
  },
  // ---- joins ----
  {
    name: "the only member's pod is back with an empty disk before its peers saw it down: never joined through its own old identity",
    given: withPod(cluster({ r1: ["live"] }), "r1", 0, { admin: { kind: "not-member" } }),
    step: "JoinNodes",
    actions: [waits("NodeDown", /fc-r1-0 came back without its data/)],
  },
  {
    name: "a pod back with an empty disk while its old host still looks up is not joined: the old host must be seen down and removed first",
    given: withPod(cluster({ r1: ["live", "live"] }), "r1", 1, { admin: { kind: "not-member" } }),
    step: "JoinNodes",
    actions: [waits("NodeDown", /fc-r1-1 came back without its data; waiting for its old host r1-1-host/)],
  },
  {
    name: "no seed: the only member is reported down (partitioned) while its pod runs, so nothing joins and it is waited for",
    given: cluster({ r1: ["partitioned", "new"] }),
    step: "ReplaceDeadNodes",
    actions: [waits("NodeDown", /r1-0-host .* is down while its pod fc-r1-0 is Running/)],
  },
  {
    name: "the seed is the first data+log replica in spec order, before compute replicas and replicas that left the spec",
    given: cluster({ c1: ["live"], r2: ["live"], r1: ["live", "new"], a0: ["live"] }, {
      types: { c1: "compute", r2: "data+log", r1: "data+log", a0: "compute" },
      spec: { c1: ["compute", 1], r2: ["data+log", 1], r1: ["data+log", 2] },
      state: { accepted: [{ name: "c1", type: "compute", nodes: 1 }, { name: "r2", type: "data+log", nodes: 1 }, { name: "r1", type: "data+log", nodes: 2 }] },
    }),
    step: "JoinNodes",
    actions: [{ kind: "joinNode", pod: podName("r1", 1), address: address("r1", 1), replica: "r1", seed: { host: address("r2", 0), peerPort: 7500 } }],
  },
  {
    name: "the StatefulSet was grown but its new pod object does not exist yet",
    given: cluster({ r1: ["live", "live"] }, { spec: { r1: ["data+log", 3] }, statefulSets: { r1: 3 }, state: { accepted: [{ name: "r1", type: "data+log", nodes: 3 }] } }),
    step: "JoinNodes",
    actions: [waits("WaitingForPods", /waiting for r1 ordinal 2 to start/)],
  },
  // ---- dead nodes ----
  {
    name: "a dead host with neither pod nor volume left is force-removed after the grace, recorded without a pod",
    given: withoutPod(cluster({ r1: ["live", "live", "down"] }, { state: pastGrace }), "r1", 2),
    step: "ReplaceDeadNodes",
    actions: [
      { kind: "setInFlight", record: { kind: "replace", stage: "removing", replica: "r1", ordinal: -1, pod: "", hostId: hostId("r1", 2) } },
      removeVia("r1", 0, "r1", 2, true, true),
    ],
  },
  {
    name: "once that podless host left membership its record is simply cleared",
    given: cluster({ r1: ["live", "live"] }, {
      spec: { r1: ["data+log", 3] },
      statefulSets: { r1: 3 },
      state: { accepted: [{ name: "r1", type: "data+log", nodes: 3 }], inFlight: { ...replace("removing"), ordinal: -1, pod: "" } },
    }),
    step: "ResumeInFlight",
    actions: [{ kind: "clearInFlight" }],
    state: { inFlight: null },
  },
  {
    name: "no member answers its admin API: there is no view to act on, nothing is removed",
    given: cluster({ r1: ["mute", "mute", "down"] }, { state: pastGrace }),
    step: "RequireMembers",
    actions: [waits("NoMemberReachable", /no member answered/)],
    state: { inFlight: null },
  },
  {
    name: "a force-remove goes through a member membership sees up, not the first that answers",
    given: cluster({ r1: ["partitioned", "live", "down"] }, { state: pastGrace }),
    step: "ReplaceDeadNodes",
    actions: [{ kind: "setInFlight", record: replace("removing") }, removeVia("r1", 1, "r1", 2, true, true)],
  },
  {
    name: "members seen down while their pods run are left alone, while a dead one with its pod gone is replaced through the first that answers",
    given: cluster({ r1: ["partitioned", "partitioned", "down"] }, { state: pastGrace }),
    step: "ReplaceDeadNodes",
    actions: [{ kind: "setInFlight", record: replace("removing") }, removeVia("r1", 0, "r1", 2, true, true)],
  },
  {
    name: "a pod back under a new host ID (joined by hand) while the old host is still listed: the old host is force-removed at once",
    given: withPod(cluster({ r1: ["live", "live", "wiped"] }), "r1", 2, { admin: { kind: "member", hostId: "r1-2-new-host", needsCleanup: false } }),
    step: "ReplaceDeadNodes",
    actions: [{ kind: "setInFlight", record: replace("removing") }, removeVia("r1", 0, "r1", 2, true, true)],
  },
  {
    name: "a Running pod whose admin API stopped answering, seen down past the grace, is never replaced: it is waited for",
    given: withPod(cluster({ r1: ["live", "live", "down"] }, { state: pastGrace }), "r1", 2, { exists: true, running: true, podIP: "10.244.0.3" }),
    step: "ReplaceDeadNodes",
    actions: [waits("NodeDown", /r1-2-host .* is down while its pod fc-r1-2 is Running/)],
  },
  {
    name: "the replacement is done once the pod answers under a new host ID",
    given: withPod(cluster({ r1: ["live", "live", "left"] }, { state: { inFlight: replace("removing") } }), "r1", 2, {
      admin: { kind: "member", hostId: "r1-2-new-host", needsCleanup: false },
    }),
    step: "ResumeInFlight",
    actions: [{ kind: "clearInFlight" }],
    state: { inFlight: null },
  },
  {
    name: "a force-remove that did not land (old host still live) is sent again",
    given: cluster({ r1: ["live", "live", "down"] }, { state: { inFlight: replace("removing") } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: replace("removing") }, removeVia("r1", 0, "r1", 2, true, true)],
  },
  {
    name: "a wipe whose old host shows up live in membership again goes back to force-removing it",
    given: cluster({ r1: ["live", "live", "down"] }, { state: { inFlight: replace("wiping") } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: replace("removing") }, removeVia("r1", 0, "r1", 2, true, true)],
    state: { inFlight: replace("removing") },
  },
  {
    name: "a pod with the removed identity that is already being deleted is not deleted again",
    given: withPod(cluster({ r1: ["live", "live", "stale"] }, { state: { inFlight: replace("wiping") } }), "r1", 2, { deletionTimestamp: NOW - 1_000 }),
    step: "ResumeInFlight",
    actions: [waits("PodTerminating", /fc-r1-2 to terminate/)],
    state: { inFlight: replace("wiping") },
  },
  {
    name: "after the force-remove, a pod that is gone with its volume kept: only the volume is deleted",
    given: withoutMember(cluster({ r1: ["live", "live", "down"] }, { state: { inFlight: replace("removing") } }), "r1", 2),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: replace("wiping") }, { kind: "deletePVC", pod: podName("r1", 2), uid: `uid-data-${podName("r1", 2)}` }],
    state: { inFlight: replace("wiping") },
  },
  {
    name: "after the force-remove, a pod stuck starting without its volume: only the pod is deleted (it comes back with a new one)",
    given: withPod(cluster({ r1: ["live", "live", "starting"] }, { state: { inFlight: replace("removing") } }), "r1", 2, { pvc: { exists: false, bound: false } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: replace("wiping") }, { kind: "deletePod", pod: podName("r1", 2), uid: `uid-${podName("r1", 2)}`, wipe: true }],
  },
  // ---- replication ----
  {
    name: "replication could not be read this pass: nothing is changed",
    given: (() => {
      const input = cluster({ r1: [...three] });
      input.fauna.replication = null;
      return input;
    })(),
    step: "UpdateReplication",
    actions: [waits("NoMemberReachable", /replication could not be read/)],
  },
  // ---- scale-down ----
  {
    name: "a member registered under its pod IP (not its DNS name) is still found and cleaned up before removal",
    given: (() => {
      const input = cluster({ r1: [...three] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes } });
      const ip = input.kube.pods.find((p) => p.name === podName("r1", 2))?.podIP ?? "";
      input.fauna.members = input.fauna.members?.map((m) => (m.hostId === hostId("r1", 2) ? { ...m, address: ip } : m)) ?? null;
      return input;
    })(),
    step: "StartScaleDown",
    actions: [
      { kind: "setInFlight", record: removal("cleaning") },
      { kind: "cleanStorage", addresses: [address("r1", 0), address("r1", 1), address("r1", 2)] },
      waits("StorageCleanup", /waiting for storage cleanup/),
    ],
  },
  {
    name: "a host that goes down while leaving, its pod gone, is removed by force, unclean allowed",
    given: cluster({ r1: ["live", "live", "down"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("leaving") } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: removal("forcing") }, removeVia("r1", 0, "r1", 2, true, true)],
  },
  {
    name: "a log segment without a leader is first given time for an election",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [1], state: { leaderlessSince: NOW - 5_000 } }),
    step: "RestartStuckSegments",
    actions: [waits("SegmentLeaderless", /log segment 1 has no leader.*restarting one of its nodes in 55 s/)],
    state: { leaderlessSince: NOW - 5_000 },
  },
  {
    name: "a log segment first seen without a leader starts the clock",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [2] }),
    step: "RestartStuckSegments",
    actions: [waits("SegmentLeaderless", /log segment 2 has no leader.*in 60 s/)],
    state: { leaderlessSince: NOW, leaderlessSeen: 1 },
  },
  {
    name: "a log segment still without a leader after the grace: one of its nodes is restarted, and the clock starts again",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [1], state: { leaderlessSince: NOW - 61_000, leaderlessSeen: 4 } }),
    step: "RestartStuckSegments",
    actions: [{ kind: "deletePod", pod: podName("r1", 1), uid: `uid-${podName("r1", 1)}`, why: "restarting it: log segment 1 has no leader, so writes through it cannot commit (FACTS §7.3: a restart unsticks it)" }],
    state: { leaderlessSince: NOW, leaderlessSeen: 0 },
  },
  {
    name: "a segment read without a leader long ago but in too few observations (the flag reads false for a moment) is not restarted",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [1], state: { leaderlessSince: NOW - 61_000, leaderlessSeen: 1 } }),
    step: "RestartStuckSegments",
    actions: [waits("SegmentLeaderless", /log segment 1 has no leader/)],
    state: { leaderlessSeen: 2 },
  },
  {
    name: "the restart waits past FaunaDB's own stall watchdog (twice its period)",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [1], stallRestartSeconds: 45, state: { leaderlessSince: NOW - 61_000, leaderlessSeen: 9 } }),
    step: "RestartStuckSegments",
    actions: [waits("SegmentLeaderless", /in 29 s/)],
  },
  {
    name: "two segments without a leader: the lowest first, through a live node (a leaving host is no part of it)",
    given: cluster({ r1: ["live", "live", "live"], r2: ["live", "leaving", "live"], r3: [...three] }, { leaderless: [2, 1], state: { leaderlessSince: NOW - 90_000, leaderlessSeen: 5 } }),
    step: "RestartStuckSegments",
    actions: [{ kind: "deletePod", pod: podName("r1", 1), uid: `uid-${podName("r1", 1)}`, why: "restarting it: log segment 1 has no leader, so writes through it cannot commit (FACTS §7.3: a restart unsticks it)" }],
  },
  {
    name: "a log segment without a leader whose node is still restarting: nothing more is restarted",
    given: withPod(cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [1], state: { leaderlessSince: NOW - 90_000, leaderlessSeen: 5 } }), "r2", 1, { ready: false }),
    step: "RestartStuckSegments",
    actions: [waits("SegmentLeaderless", /log segment 1 has no leader.*waiting for its nodes to be up and ready/)],
  },
  {
    name: "every segment led again: the clock is cleared",
    given: cluster({ r1: [...three], r2: [...three], r3: [...three] }, { state: { leaderlessSince: NOW - 60_000 } }),
    step: "Done",
    actions: [{ kind: "done" }],
    state: { leaderlessSince: null },
  },
  {
    name: "a dead host at an ordinal being scaled away is not waited for: the scale-down removes it by force",
    given: cluster({ r1: ["live", "live", "down"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes } }),
    step: "StartScaleDown",
    actions: [
      { kind: "setInFlight", record: removal("cleaning") },
      { kind: "cleanStorage", addresses: [address("r1", 0), address("r1", 1)] },
      waits("StorageCleanup", /waiting for storage cleanup/),
    ],
  },
  {
    name: "a host that dies after it was marked leaving, its pod gone, is removed by force: it would never leave by itself",
    given: cluster({ r1: ["live", "live", "leaving-down"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("leaving") } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: removal("forcing") }, removeVia("r1", 0, "r1", 2, true, true)],
  },
  {
    name: "a host being removed that membership sees down while its pod runs is waited for, neither removed gracefully nor forced",
    given: cluster({ r1: ["live", "live", "partitioned"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("cleaning") } }),
    step: "ResumeInFlight",
    actions: [waits("NodeDown", /r1-2-host is down while being removed and its pod fc-r1-2 is Running/)],
  },
  {
    name: "the leaving host is the only member answering its admin API: one member's word is not enough, nothing is sent",
    given: cluster({ r1: ["mute", "mute", "live"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("leaving") } }),
    step: "ResumeInFlight",
    actions: [waits("FaunaViewIncomplete", /1 of 3 members report this view.*not answering: fc-r1-0.fc.ns.svc, fc-r1-1.fc.ns.svc/)],
  },
  {
    name: "the leaving host is down and no other member answers: the empty view is no proof it left, nothing is shrunk",
    given: cluster({ r1: ["mute", "mute", "down"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("leaving") } }),
    step: "ResumeInFlight",
    actions: [waits("FaunaViewIncomplete", /no member answered/)],
  },
  {
    name: "the host left membership during cleanup (removed by hand): the StatefulSet shrinks straight away",
    given: cluster({ r1: ["live", "live", "left"] }, { spec: { r1: ["data+log", 2] }, state: { accepted: twoNodes, inFlight: removal("cleaning") } }),
    step: "ResumeInFlight",
    actions: [{ kind: "setInFlight", record: removal("shrinking") }, { kind: "scaleStatefulSet", replica: "r1", replicas: 2 }],
  },
  {
    name: "a highest ordinal whose pod was never created is shrunk away with no admin call",
    given: cluster({ r1: ["live", "live"] }, { statefulSets: { r1: 3 } }),
    step: "StartScaleDown",
    actions: [
      { kind: "setInFlight", record: removal("shrinking", { pod: "r1-2", hostId: null }) },
      { kind: "scaleStatefulSet", replica: "r1", replicas: 2 },
    ],
  },
  {
    // Found by this table: the release looked the pod up by the record's placeholder name and leaked the volume.
    name: "that pod created after all, just before the shrink: the removal waits for it to go",
    given: withPod(cluster({ r1: ["live", "live", "new"] }, {
      spec: { r1: ["data+log", 2] }, statefulSets: { r1: 2 }, state: { accepted: twoNodes, inFlight: removal("shrinking", { pod: "r1-2", hostId: null }) },
    }), "r1", 2, { deletionTimestamp: NOW - 1_000 }),
    step: "ResumeInFlight",
    actions: [waits("PodTerminating", /fc-r1-2 to be deleted/)],
  },
  {
    name: "… and then releases that pod's volume, found by ordinal",
    given: withPod(cluster({ r1: ["live", "live", "absent"] }, {
      spec: { r1: ["data+log", 2] }, statefulSets: { r1: 2 }, state: { accepted: twoNodes, inFlight: removal("shrinking", { pod: "r1-2", hostId: null }) },
    }), "r1", 2, { pvc: { exists: true, bound: true, uid: `uid-data-${podName("r1", 2)}` } }),
    step: "ResumeInFlight",
    actions: [{ kind: "deletePVC", pod: podName("r1", 2), uid: `uid-data-${podName("r1", 2)}` }, { kind: "clearInFlight" }],
    state: { inFlight: null },
  },
  {
    name: "a never-joined removal whose pod is gone with no volume only clears its record",
    given: cluster({ r1: ["live", "live"] }, { statefulSets: { r1: 2 }, state: { inFlight: removal("shrinking", { hostId: null }) } }),
    step: "ResumeInFlight",
    actions: [{ kind: "clearInFlight" }],
    state: { inFlight: null },
  },
  {
    name: "a compute replica that left the spec lost its StatefulSet before the last volume was released: release it, clear",
    given: withPod(cluster({ r1: ["live"], c1: ["absent"] }, {
      types: { r1: "data+log", c1: "compute" },
      spec: { r1: ["data+log", 1] },
      statefulSets: { r1: 1 },
      state: {
        accepted: [{ name: "r1", type: "data+log", nodes: 1 }],
        inFlight: removal("shrinking", { replica: "c1", ordinal: 0, pod: podName("c1", 0), hostId: hostId("c1", 0) }),
      },
    }), "c1", 0, { pvc: { exists: true, bound: true, uid: `uid-data-${podName("c1", 0)}` } }),
    step: "ResumeInFlight",
    actions: [{ kind: "deletePVC", pod: podName("c1", 0), uid: `uid-data-${podName("c1", 0)}` }, { kind: "clearInFlight" }],
  },
  {
    name: "a compute replica declared with 0 nodes needs no StatefulSet: the cluster is done",
    given: cluster({ r1: ["live"], c1: [] }, { types: { r1: "data+log", c1: "compute" }, statefulSets: { r1: 1 } }),
    step: "Done",
    actions: [{ kind: "done" }],
  },
  // ---- refusals ----
  {
    name: "an empty spec is refused before anything is created",
    given: cluster({}, { spec: {}, state: { accepted: null, bootstrapped: false, initialized: false } }),
    step: "AcceptSpec",
    actions: [],
    refusal: "InvalidSpec",
  },
  {
    name: "a spec listing a replica twice is refused",
    given: (() => {
      const input = cluster({}, { spec: { r1: ["data+log", 1] }, state: { accepted: null, bootstrapped: false, initialized: false } });
      input.desired.replicas.push({ name: "r1", type: "compute", nodes: 1 });
      return input;
    })(),
    step: "AcceptSpec",
    actions: [],
    refusal: "InvalidSpec",
  },
  {
    name: "a negative node count is refused",
    given: cluster({}, { spec: { r1: ["data+log", 1], c1: ["compute", -1] }, state: { accepted: null, bootstrapped: false, initialized: false } }),
    step: "AcceptSpec",
    actions: [],
    refusal: "InvalidSpec",
  },
  {
    name: "a new cluster with a data replica of 0 nodes is refused",
    given: cluster({}, { spec: { r1: ["data+log", 1], r2: ["data", 0] }, state: { accepted: null, bootstrapped: false, initialized: false } }),
    step: "AcceptSpec",
    actions: [],
    refusal: "LastDataNode",
  },
  {
    name: "a dead last data node outranks a pending change: its refusal is shown, not TopologyChangeInProgress",
    given: cluster({ r1: [...three], r2: [...three], r3: ["wiped"] }, { spec: { r1: ["data+log", 5], r2: ["data+log", 3], r3: ["data+log", 1] } }),
    step: "ReplaceDeadNodes",
    actions: [waits("NodeDown", /r3-0-host is dead/)],
    refusal: "LastDataNodeDead",
  },
  {
    name: "a dead last data node outranks a refused spec too",
    given: cluster({ r1: [...three], r2: [...three], r3: ["wiped"] }, { spec: { r1: ["data+log", 3], r2: ["compute", 3], r3: ["compute", 1] } }),
    step: "ReplaceDeadNodes",
    actions: [waits("NodeDown", /r3-0-host is dead/)],
    refusal: "LastDataNodeDead",
  },
];

for (const row of rows) {
  test(row.name, () => {
    const d = plan(row.given);
    assert.equal(d.step, row.step, "deciding step");
    assert.equal(d.refusal?.reason ?? null, row.refusal ?? null, `refusal: ${d.refusal?.message ?? "none"}`);
    assert.equal(d.actions.length, row.actions.length, `actions: ${JSON.stringify(d.actions)}`);
    row.actions.forEach((want, i) => {
      const got = d.actions[i];
      if (want.kind === "wait" && got?.kind === "wait") {
        assert.equal(got.reason, want.reason);
        assert.match(got.message, want.says);
        assert.ok(got.afterMs > 0 && got.afterMs <= Math.max(...Object.values(WAIT_MS)), `afterMs ${got.afterMs}`);
      } else {
        assert.deepEqual(got, want);
      }
    });
    for (const [key, value] of Object.entries(row.state ?? {})) {
      assert.deepEqual(d.state[key as keyof PlanState], value, `state.${key}`);
    }
  });
}

// A guard plan() cannot reach: JoinNodes runs first and waits until every accepted node answers as a member, so
// a replication change always has a member to go through. The step still never PUTs to nowhere on its own.
test("updateReplication alone, with no member answering its admin API, waits instead of PUTting", () => {
  const input = cluster({ r1: [...three] }, { types: { r1: "compute" } });
  input.kube.pods = input.kube.pods.map((p) => ({ ...p, admin: { kind: "unreachable" } }));
  const topology = [{ name: "r1", type: "data+log" as const, nodes: 3 }];
  const outcome = updateReplication.run(makeView(input, topology), input.state);
  assert.deepEqual(outcome?.actions.map((a) => (a.kind === "wait" ? a.reason : a.kind)), ["NoMemberReachable"]);
  assert.match(outcome?.actions[0]?.kind === "wait" ? outcome.actions[0].message : "", /no member to change replication through/);
});

// plan() always sets leaderlessSince first (remember); a status written before the field existed has none.
test("restartStuckSegments alone, on a state without leaderlessSince, counts the grace from now", () => {
  const input = cluster({ r1: [...three], r2: [...three], r3: [...three] }, { leaderless: [0] });
  const { leaderlessSince: _, ...older } = input.state;
  const outcome = restartStuckSegments.run(makeView(input, input.state.accepted ?? []), older);
  assert.match(outcome?.actions[0]?.kind === "wait" ? outcome.actions[0].message : "", /log segment 0 has no leader.*in 60 s/);
});
