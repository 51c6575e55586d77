// Replica types, data movement and storage cleanup (FACTS §7.3, §7.4 steps 4-5, §7.5).
import type { ReplicaSpec } from "../../fauna/wire.ts";
import { OWNERSHIP_EPSILON } from "./guard.ts";
import { WAIT_MS } from "./types.ts";
import { adminVia, currentType, memberAddresses, membershipOf, wait, type Step, type View } from "./view.ts";

/**
 * The FULL list to PUT: every replica that has members, typed as accepted (others keep their type). Leaving hosts
 * still count: FaunaDB refuses a list without a replica whose hosts are all leaving (Membership.replicaNames
 * includes them; FACTS Corrections 2).
 */
export function targetReplication(view: View): ReplicaSpec[] {
  const withMembers = new Set(membershipOf(view).map((m) => m.replica));
  const accepted = view.topology.filter((r) => withMembers.has(r.name)).map((r) => ({ name: r.name, type: r.type }));
  const others = [...withMembers]
    .filter((name) => !view.topology.some((r) => r.name === name))
    .sort()
    .map((name) => ({ name, type: currentType(view, name) }));
  return [...accepted, ...others];
}


export const updateReplication: Step = {
  name: "UpdateReplication",
  run(view) {
    const current = view.input.fauna.replication;
    if (current === null) return wait("NoMemberReachable", "replication could not be read", WAIT_MS.short);
    const target = targetReplication(view);
    if (target.every((r) => currentType(view, r.name) === r.type)) return null;
    // Changing replication too soon after a join can get a log segment stuck (FACTS §7.3): wait the settle time.
    const settleMs = view.input.desired.settleSeconds * 1000;
    const remaining = view.input.state.membershipChangedAt + settleMs - view.now;
    if (remaining > 0) {
      return wait("Settling", `waiting ${Math.ceil(remaining / 1000)} s after the last membership change before changing replication`, remaining);
    }
    const via = adminVia(view);
    if (via === null) return wait("NoMemberReachable", "no member to change replication through", WAIT_MS.short);
    // On 412 the executor requeues: the next pass re-reads replication and its ETag (FACTS §7.3).
    return { actions: [{ kind: "putReplication", via, replicas: target, ifMatch: current.etag }] };
  },
};

/**
 * Movement is over when movement-status is idle AND every live member owns its goal (FACTS §7.4 step 5: "Owns =
 * Goal"). Idle alone is not enough: right after a replication change the status can read idle before the new
 * goals start moving, and a cluster called Ready then would hold one copy of the data.
 */
export const waitForMovement: Step = {
  name: "WaitForMovement",
  run(view) {
    const idle = view.input.fauna.movementIdle;
    if (idle === null) return wait("NoMemberReachable", "movement status unknown", WAIT_MS.short);
    if (idle === false) return wait("DataMoving", "data is moving between nodes", WAIT_MS.movement);
    const behind = (view.input.fauna.members ?? []).filter((m) => m.state === "live" && Math.abs(m.ownership - m.ownershipGoal) > OWNERSHIP_EPSILON);
    if (behind.length === 0) return null;
    const first = behind[0]!;
    return wait("DataMoving", `${behind.length} member(s) do not own their goal yet (${first.address}: owns ${(first.ownership * 100).toFixed(1)}%, goal ${(first.ownershipGoal * 100).toFixed(1)}%)`, WAIT_MS.movement);
  },
};

/** After adds, drop data the old owners no longer own (OPERATING.md "Adding a New Node", FACTS §7.5). */
export const cleanupAfterAdds: Step = {
  name: "CleanupAfterAdds",
  run(view, state) {
    if (!state.cleanupPending) return null;
    return { actions: [{ kind: "cleanStorage", addresses: memberAddresses(view) }], state: { cleanupPending: false } };
  },
};
