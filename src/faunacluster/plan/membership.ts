// Join the nodes of the accepted topology, one at a time, through a live seed (FACTS §7.4 step 3, §7.5).
import { WAIT_MS } from "./types.ts";
import { currentType, holdsData, podsOf, seedFor, wait, type Step } from "./view.ts";

export const joinNodes: Step = {
  name: "JoinNodes",
  run(view) {
    let missing: string | null = null;
    for (const replica of view.topology) {
      for (const pod of podsOf(view, replica.name).filter((p) => p.ordinal < replica.nodes)) {
        if (pod.exists && pod.admin.kind === "not-member") {
          // A pod back with an empty disk faster than failure detection: its old host still holds the address and
          // looks up. Joining now would register a second host at one address; wait until the old one is seen down,
          // then ReplaceDeadNodes force-removes it first (FACTS §3.4, §7.5).
          const previous = view.members.find((m) => m.address === pod.address && m.state === "live" && m.status === "up");
          if (previous) {
            return wait("NodeDown", `${pod.name} came back without its data; waiting for its old host ${previous.hostId} to be seen down before replacing it`, WAIT_MS.short);
          }
          const seed = seedFor(view, pod.name);
          if (!seed) return wait("NoMemberReachable", `no live member to seed the join of ${pod.name}`, WAIT_MS.short);
          return {
            actions: [{ kind: "joinNode", pod: pod.name, address: pod.address, replica: replica.name, seed }],
            // The settle clock restarts with every join (FACTS §7.3 trap); data streams into a data replica.
            state: { membershipChangedAt: view.now, ...(holdsData(currentType(view, replica.name)) ? { cleanupPending: true } : {}) },
          };
        }
        if (!pod.exists || pod.admin.kind === "unreachable") missing ??= pod.name;
      }
      const count = podsOf(view, replica.name).filter((p) => p.ordinal < replica.nodes).length;
      if (count < replica.nodes) missing ??= `${replica.name} ordinal ${count}`;
    }
    if (missing === null) return null;
    return wait("WaitingForPods", `waiting for ${missing} to start and answer on its admin port`, WAIT_MS.pods);
  },
};
