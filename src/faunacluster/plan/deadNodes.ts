// Dead members (FACTS §3.4, §7.5, issue 10). A member is replaced only on evidence that its node is gone: its pod
// gone or not running for longer than the grace, or its pod back with an empty disk (not a member, or another host
// ID) while the old host still sits in membership. A member that is down or unreachable while its pod is Running
// may only be cut off (a partition, a restart waiting for its peers: FACTS Corrections 3): it is reported and waited
// for, never removed. The old host is force-removed; a pod still holding the removed identity gets its volume wiped;
// the join step then joins the fresh node and data moves back. The guard (guard.ts) checks every step again.
import type { MemberStatus } from "../../fauna/statusParse.ts";
import { WAIT_MS, type InFlight, type PodObservation } from "./types.ts";
import { adminVia, currentType, holdsData, liveMembersOf, memberById, podNamed, wait, type StepOutcome, type Step, type View } from "./view.ts";

/** The pod at this member's address came back with an empty disk: positive evidence the old node is gone. */
function lostIdentity(pod: PodObservation | undefined, member: MemberStatus): boolean {
  return pod?.running === true && (pod.admin.kind === "not-member" || (pod.admin.kind === "member" && pod.admin.hostId !== member.hostId));
}

/** No process can be serving as this member: no pod, or a pod that is not running. */
export function podGone(pod: PodObservation | undefined): boolean {
  return !pod?.exists || !pod.running;
}

export function podAtAddress(view: View, address: string): PodObservation | undefined {
  return view.input.kube.pods.find((p) => p.address === address);
}

export const replaceDeadNodes: Step = {
  name: "ReplaceDeadNodes",
  run(view, state) {
    const graceMs = view.input.desired.forceRemoveGraceSeconds * 1000;
    let waiting: StepOutcome | null = null;
    for (const member of view.members.filter((m) => m.status === "down" && m.state === "live")) {
      const pod = podAtAddress(view, member.address);
      if (pod && scaledAway(view, pod)) continue; // the scale-down removes it: no grace, no rejoin
      if (lostIdentity(pod, member)) return startReplace(view, member, pod);
      if (!podGone(pod)) {
        waiting ??= wait(
          "NodeDown",
          `host ${member.hostId} (${member.address}) is down while its pod ${pod?.name} is Running: it may be cut off or waiting for its peers; it is not replaced while its pod runs`,
          WAIT_MS.short,
        );
        continue;
      }
      const downFor = view.now - (state.downSince[member.hostId] ?? view.now);
      if (downFor >= graceMs) return startReplace(view, member, pod);
      const inS = Math.ceil((graceMs - downFor) / 1000);
      waiting ??= wait("NodeDown", `host ${member.hostId} (${member.address}) is down and its pod is gone; replaced in ${inS} s unless it returns`, Math.min(graceMs - downFor, WAIT_MS.short));
    }
    return waiting;
  },
};

/** An ordinal the accepted topology no longer has: replacing it would bring back a node about to be removed. */
function scaledAway(view: View, pod: PodObservation): boolean {
  const nodes = view.topology.find((r) => r.name === pod.replica)?.nodes;
  return nodes !== undefined && pod.ordinal >= nodes;
}

function startReplace(view: View, member: MemberStatus, pod: PodObservation | undefined): StepOutcome {
  // FaunaDB refuses to remove the last live node of a data replica (FACTS §7.5); the replica must become compute first.
  const others = liveMembersOf(view, member.replica).filter((m) => m.hostId !== member.hostId);
  if (holdsData(currentType(view, member.replica)) && others.length === 0) {
    return {
      actions: [{ kind: "wait", reason: "NodeDown", message: `host ${member.hostId} is dead`, afterMs: WAIT_MS.short }],
      refusal: {
        reason: "LastDataNodeDead",
        message: `host ${member.hostId}, the only node of data replica ${member.replica}, is dead; change ${member.replica} to compute, then back, to replace it`,
      },
    };
  }
  const record: InFlight = {
    kind: "replace",
    stage: "removing",
    replica: pod?.replica ?? member.replica,
    ordinal: pod?.ordinal ?? -1,
    pod: pod?.name ?? "",
    hostId: member.hostId,
  };
  return forceRemove(view, record);
}

function forceRemove(view: View, record: InFlight & { kind: "replace" }): StepOutcome {
  const via = adminVia(view, record.pod);
  if (via === null) return wait("NoMemberReachable", `no member to force-remove ${record.hostId} through`, WAIT_MS.short);
  return {
    actions: [
      { kind: "setInFlight", record },
      { kind: "removeHost", via, hostId: record.hostId, force: true, allowUnclean: true },
    ],
    state: { inFlight: record },
  };
}

/** Resume a replacement after a restart or on the next pass. */
export function continueReplace(view: View, record: InFlight & { kind: "replace" }): StepOutcome {
  const old = memberById(view, record.hostId);
  const pod = podNamed(view, record.pod);
  if (old && old.state === "live") {
    // The host answers again as itself from its own pod: it was never gone. Abandon the replacement.
    if (old.status === "up" && pod?.admin.kind === "member" && pod.admin.hostId === record.hostId) {
      return { actions: [{ kind: "discardInFlight", why: `host ${record.hostId} is up again in ${pod.name}: not replacing it` }], state: { inFlight: null } };
    }
    return forceRemove(view, { ...record, stage: "removing" });
  }
  if (!pod) return { actions: [{ kind: "clearInFlight" }], state: { inFlight: null } }; // no pod to bring back (ordinal gone)
  const fresh = pod.exists && (pod.admin.kind === "not-member" || (pod.admin.kind === "member" && pod.admin.hostId !== record.hostId));
  if (fresh) return { actions: [{ kind: "clearInFlight" }], state: { inFlight: null } };
  if (pod.exists && pod.deletionTimestamp) return wait("PodTerminating", `waiting for ${pod.name} to terminate`, WAIT_MS.short);
  const stillOld = pod.exists && pod.admin.kind === "member" && pod.admin.hostId === record.hostId;
  if (record.stage === "wiping" && !stillOld) {
    // Wiped already: never delete again a pod that may be the fresh one still starting.
    return wait("WaitingForPods", `waiting for ${pod.name} to come back with an empty volume`, WAIT_MS.pods);
  }
  // Still the removed identity (or not answering yet): its volume must go so it rejoins with a new host ID (FACTS §3.4).
  const wiping = { ...record, stage: "wiping" as const };
  return {
    actions: [
      { kind: "setInFlight", record: wiping },
      ...(pod.pvc.exists ? [{ kind: "deletePVC" as const, pod: pod.name, uid: pod.pvc.uid }] : []),
      ...(pod.exists ? [{ kind: "deletePod" as const, pod: pod.name, uid: pod.uid, wipe: true }] : []),
    ],
    state: { inFlight: wiping },
  };
}
