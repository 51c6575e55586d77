// The pure topology planner: (desired topology, Kubernetes observation, FaunaDB observation, remembered state,
// now) → the next safe action(s). Steps run in a fixed order that encodes safety (STYLE idioms 1, 2, 5):
// finish in-flight work, make pods, initialise once, require the cluster's view, repair dead nodes, join,
// settle then change replication, wait for movement, clean up, restart a stuck log segment, and only then start
// removing hosts.
import { cleanupAfterAdds, updateReplication, waitForMovement } from "./replication.ts";
import { growStatefulSets, initCluster, requireMembers } from "./bootstrap.ts";
import { changedReplicas, checkChange, sameTopology, validateSpec } from "./refusals.ts";
import { joinNodes } from "./membership.ts";
import { replaceDeadNodes } from "./deadNodes.ts";
import { resumeInFlight } from "./inFlight.ts";
import { startScaleDown } from "./scaleDown.ts";
import { leaderlessSince, restartStuckSegments } from "./segments.ts";
import { holdBack } from "./guard.ts";
import { podGone } from "./deadNodes.ts";
import type { DesiredReplica, PlanDecision, PlanInput, PlanState, Refusal } from "./types.ts";
import { makeView, type Step } from "./view.ts";
import { WAIT_MS } from "./types.ts";

export const STEPS: readonly Step[] = [
  resumeInFlight,
  growStatefulSets,
  initCluster,
  requireMembers,
  replaceDeadNodes,
  joinNodes,
  updateReplication,
  waitForMovement,
  cleanupAfterAdds,
  restartStuckSegments,
  startScaleDown,
];

export function plan(input: PlanInput): PlanDecision {
  const state = remember(input);
  const desired = input.desired.replicas;
  const unsafe = validateSpec(desired) ?? checkChange(input, desired, state.accepted);
  if (state.accepted === null) {
    if (unsafe) return { actions: [], state, refusal: unsafe, step: "AcceptSpec", hold: null };
    return runSteps(input, { ...state, accepted: desired }, null);
  }
  if (unsafe) return runSteps(input, state, unsafe); // keep repairing what was accepted
  if (sameTopology(desired, state.accepted)) return runSteps(input, state, null);
  if (!state.bootstrapped) return runSteps(input, { ...state, accepted: desired }, null);
  const changed = changedReplicas(state.accepted, desired);
  if (changed.length > 1) {
    return runSteps(input, state, {
      reason: "MultipleTopologyChanges",
      message: `the spec changes replicas ${changed.join(", ")} at once; change one replica at a time`,
    });
  }
  const current = runSteps(input, state, null);
  if (current.actions.length === 1 && current.actions[0]?.kind === "done") {
    return runSteps(input, { ...current.state, accepted: desired }, null);
  }
  return {
    ...current,
    refusal: current.refusal ?? {
      reason: "TopologyChangeInProgress",
      message: `the change of replica ${changed.join(", ")} waits until the current topology work (${current.step}) is finished`,
    },
  };
}

function runSteps(input: PlanInput, start: PlanState, refusal: Refusal | null): PlanDecision {
  const view = makeView({ ...input, state: start }, start.accepted as DesiredReplica[]);
  for (const step of STEPS) {
    const outcome = step.run(view, start);
    if (outcome === null) continue;
    // Every destructive action passes the guard; held back, the step's state change is not taken either.
    const hold = holdBack(view.input, outcome.actions);
    if (hold) {
      return {
        actions: [{ kind: "wait", reason: hold.reason, message: hold.message, afterMs: WAIT_MS.short }],
        state: start,
        refusal: outcome.refusal ?? refusal,
        step: step.name,
        hold,
      };
    }
    return { actions: outcome.actions, state: { ...start, ...outcome.state }, refusal: outcome.refusal ?? refusal, step: step.name, hold: null };
  }
  return { actions: [{ kind: "done" }], state: { ...start, bootstrapped: true }, refusal, step: "Done", hold: null };
}

/** Clocks and facts derived from this observation that later passes need (settle, grace, never re-init). */
function remember(input: PlanInput): PlanState {
  const state: PlanState = { ...input.state, downSince: { ...input.state.downSince } };
  const members = input.fauna.members;
  if (members !== null && members.length > 0) {
    const digest = members.map((m) => m.hostId).sort().join(",");
    if (digest !== state.membersDigest) {
      state.membersDigest = digest;
      state.membershipChangedAt = input.now;
    }
    // The grace clock of a dead node runs only while FaunaDB reports it down AND no pod of it is running (issue 10):
    // a node cut off behind a Running pod is never on its way to replacement.
    const downSince: Record<string, number> = {};
    for (const m of members.filter((m) => m.status === "down")) {
      if (podGone(input.kube.pods.find((p) => p.address === m.address))) downSince[m.hostId] = state.downSince[m.hostId] ?? input.now;
    }
    state.downSince = downSince;
    state.leaderlessSince = leaderlessSince(members, state, input.now);
    state.leaderlessSeen = state.leaderlessSince === null ? 0 : (state.leaderlessSeen ?? 0) + 1;
    state.initialized = true;
  }
  if (input.kube.pods.some((p) => p.admin.kind === "member")) state.initialized = true;
  return state;
}
