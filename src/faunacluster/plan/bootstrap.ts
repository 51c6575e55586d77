// Steps that bring pods and a first member into existence (FACTS §7.4 steps 1-2).
import { WAIT_MS } from "./types.ts";
import { podAt, wait, type Step } from "./view.ts";

/** Grow each replica's StatefulSet up to its node count; shrinking is scaleDown's job, one host at a time. */
export const growStatefulSets: Step = {
  name: "GrowStatefulSets",
  run(view) {
    const actions = view.topology
      .filter((r) => (view.input.kube.statefulSets[r.name] ?? 0) < r.nodes)
      .map((r) => ({ kind: "scaleStatefulSet" as const, replica: r.name, replicas: r.nodes }));
    return actions.length > 0 ? { actions } : null;
  },
};

/**
 * Initialise the cluster on ordinal 0 of the first data+log replica, once ever: `initialized` is persisted
 * with the in-flight record before the call, so a cluster whose members are merely unreachable is never
 * initialised a second time on another node. "Already a member" is success (FACTS §1.3).
 */
export const initCluster: Step = {
  name: "InitCluster",
  run(view, state) {
    if (state.initialized) return null;
    const first = view.topology.find((r) => r.type === "data+log");
    if (!first) return null; // refused earlier: a spec without data+log replica is never accepted
    const pod = podAt(view, first.name, 0);
    if (!pod?.exists || pod.admin.kind === "unreachable") {
      return wait("WaitingForPods", `waiting for ${first.name} ordinal 0 to answer on its admin port`, WAIT_MS.pods);
    }
    const record = { kind: "init" as const, pod: pod.name, replica: first.name };
    return {
      actions: [
        { kind: "setInFlight", record },
        { kind: "initNode", pod: pod.name, address: pod.address, replica: first.name },
      ],
      state: { initialized: true, inFlight: record },
    };
  },
};

/** After init, every later step needs the cluster's own view; without one, change nothing. */
export const requireMembers: Step = {
  name: "RequireMembers",
  run(view) {
    if (view.input.fauna.members !== null) return null;
    return wait("NoMemberReachable", "no member answered /admin/status; topology changes wait", WAIT_MS.short);
  },
};
