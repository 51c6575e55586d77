// The one guard every destructive action passes (issue 10): a StatefulSet shrink, a PVC delete, a forced removal,
// a wipe (pod + volume of a removed host), a pod restart, a graceful removal and a replication change that drops data.
// Each rule answers why the action must wait, or null. The planner's steps decide what to do; this decides whether
// the observation is good enough to do it. Peers lost data exactly here: acting on a stale, partial or one-sided view
// (cockroach-operator #1138/#1151, cass-operator #973).
import type { MemberStatus } from "../../fauna/statusParse.ts";
import { downConfirmed, inMembership, type FaunaObservation } from "../faunaView.ts";
import { WAIT_MS, type PlanAction, type PlanInput, type PodObservation, type WaitReason } from "./types.ts";
import { memberAt } from "./view.ts";

export interface Hold {
  reason: WaitReason;
  message: string;
}

export const OWNERSHIP_EPSILON = 1e-6;

/** The first reason an action of the list must not run now, or null when every destructive action may. */
export function holdBack(input: PlanInput, actions: readonly PlanAction[]): Hold | null {
  for (const action of actions) {
    const hold = holdFor(input, action);
    if (hold) return hold;
  }
  return null;
}

export function holdFor(input: PlanInput, action: PlanAction): Hold | null {
  if (!isDestructive(input, action)) return null;
  const view = unconfirmed(input.fauna);
  if (view) return view;
  switch (action.kind) {
    case "removeHost":
      return action.force ? forcedRemoval(input, action.hostId) : gracefulRemoval(input, action.hostId);
    case "deletePVC":
      return volumeRelease(input, action.pod);
    case "deletePod":
      return action.wipe ? volumeRelease(input, action.pod) : null;
    case "scaleStatefulSet":
      return shrink(input, action.replica, action.replicas);
    default:
      return null;
  }
}

export function isDestructive(input: PlanInput, action: PlanAction): boolean {
  switch (action.kind) {
    case "removeHost":
    case "deletePVC":
    case "deletePod":
      return true;
    case "scaleStatefulSet":
      return action.replicas < (input.kube.statefulSets[action.replica] ?? 0);
    case "putReplication":
      return dropsData(input.fauna, action.replicas);
    default:
      return false;
  }
}

/** A majority of the members must report one view (FaunaDB decides membership by majority too). */
export function unconfirmed(fauna: FaunaObservation): Hold | null {
  const p = fauna.provenance;
  if (p.confirmed) return null;
  const parts = [
    fauna.members === null ? "no member answered" : `${p.agreeing.length} of ${p.voters} members report this view (a majority is ${p.quorum})`,
    p.silent.length > 0 ? `not answering: ${p.silent.join(", ")}` : "",
    p.disagreeing.length > 0 ? `reporting another view: ${p.disagreeing.join(", ")}` : "",
  ].filter(Boolean);
  return { reason: "FaunaViewIncomplete", message: `FaunaDB's view is not confirmed by a majority (${parts.join("; ")}); nothing destructive until it is` };
}

function member(input: PlanInput, hostId: string): MemberStatus | undefined {
  return input.fauna.members?.find((m) => m.hostId === hostId);
}

function podAtAddress(input: PlanInput, address: string): PodObservation | undefined {
  return input.kube.pods.find((p) => p.address === address || (p.podIP ?? undefined) === address);
}

/** A leaving host whose data has moved away (FaunaDB QA: RemoveNode → WaitForTopology → ForceRemoveNode). */
export function handedOver(input: PlanInput, m: MemberStatus): boolean {
  return m.state === "removed" && m.ownership <= OWNERSHIP_EPSILON && m.ownershipGoal <= OWNERSHIP_EPSILON && input.fauna.movementIdle === true;
}

/** The pod at the host's address came back without the host's identity (an empty disk): positive evidence it is gone. */
function podLostIdentity(pod: PodObservation, hostId: string): boolean {
  return pod.admin.kind === "not-member" || (pod.admin.kind === "member" && pod.admin.hostId !== hostId);
}

function forcedRemoval(input: PlanInput, hostId: string): Hold | null {
  const m = member(input, hostId);
  if (!m || !inMembership(m)) return null; // already out: the call is a no-op
  if (handedOver(input, m)) return null;
  const pod = podAtAddress(input, m.address);
  if (!downConfirmed(input.fauna, hostId)) {
    return { reason: "Unsafe", message: `host ${hostId} (${m.address}) is neither reported down by a majority nor done handing its data over; not force-removing it` };
  }
  if (pod?.running && !podLostIdentity(pod, hostId)) {
    return {
      reason: "NodeDown",
      message: `host ${hostId} is reported down but its pod ${pod.name} is Running: not force-removing a node that may only be cut off; waiting for it to return or for its pod to stop`,
    };
  }
  return null;
}

function gracefulRemoval(input: PlanInput, hostId: string): Hold | null {
  const m = member(input, hostId);
  if (m && m.status === "down") return { reason: "NodeDown", message: `host ${hostId} is down: a graceful removal cannot hand its data over` };
  return null;
}

/** The volume of a pod goes only once no member sits at its address and the data is owned elsewhere. */
function volumeRelease(input: PlanInput, podName: string): Hold | null {
  const pod = input.kube.pods.find((p) => p.name === podName);
  const holder = pod ? memberAt((input.fauna.members ?? []).filter(inMembership), pod) : undefined;
  if (holder) {
    return { reason: "Unsafe", message: `host ${holder.hostId} at ${holder.address} is still a member: its volume stays until it is out of membership` };
  }
  if (input.fauna.movementIdle !== true) return { reason: "DataMoving", message: `data is still moving: the volume of ${podName} stays until it is owned elsewhere` };
  const behind = (input.fauna.members ?? []).filter((m) => m.state === "live" && Math.abs(m.ownership - m.ownershipGoal) > OWNERSHIP_EPSILON);
  if (behind.length > 0) {
    return { reason: "DataMoving", message: `${behind.map((m) => m.address).join(", ")} do not own their goal yet: the volume of ${podName} stays` };
  }
  return null;
}

/** Cutting ordinals off a StatefulSet: none of the pods cut may still be a member. */
function shrink(input: PlanInput, replica: string, size: number): Hold | null {
  const members = (input.fauna.members ?? []).filter(inMembership);
  for (const pod of input.kube.pods.filter((p) => p.replica === replica && p.ordinal >= size)) {
    const holder = memberAt(members, pod);
    if (holder) return { reason: "Unsafe", message: `${pod.name} is still host ${holder.hostId} in membership: not shrinking replica ${replica} below it` };
  }
  return null;
}

/** A replication change that drops a replica holding data, or turns one into compute, or lowers the log count. */
function dropsData(fauna: FaunaObservation, next: readonly { name: string; type: string }[]): boolean {
  const now = fauna.replication?.replicas ?? [];
  return now.some((r) => {
    if (r.type === "compute") return false;
    const after = next.find((n) => n.name === r.name)?.type;
    return after === undefined || after === "compute" || (r.type === "data+log" && after !== "data+log");
  });
}

export const HOLD_WAIT_MS = WAIT_MS.short;
