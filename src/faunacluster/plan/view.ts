// Read-only lookups over one PlanInput, shared by the planner steps (observe once, STYLE idiom 3).
import type { MemberStatus } from "../../fauna/statusParse.ts";
import type { ReplicaType } from "../../fauna/wire.ts";
import { inMembership } from "../faunaView.ts";
import type { DesiredReplica, PlanAction, PlanInput, PlanState, PodObservation, Refusal, StepName, WaitReason } from "./types.ts";

export interface View {
  input: PlanInput;
  /** The topology being worked towards (the accepted one, see refusals.ts). */
  topology: DesiredReplica[];
  members: MemberStatus[];
  now: number;
}

/** What a step answers: null = nothing to do here, go on with the next step; else the pass's decision (one action or more). */
export interface StepOutcome {
  actions: PlanAction[];
  state?: Partial<PlanState>;
  refusal?: Refusal;
}
export type Step = { name: StepName; run: (view: View, state: PlanState) => StepOutcome | null };

export function makeView(input: PlanInput, topology: DesiredReplica[]): View {
  return { input, topology, members: input.fauna.members ?? [], now: input.now };
}

export function podsOf(view: View, replica: string): PodObservation[] {
  return view.input.kube.pods.filter((p) => p.replica === replica).sort((a, b) => a.ordinal - b.ordinal);
}

export function podNamed(view: View, name: string): PodObservation | undefined {
  return view.input.kube.pods.find((p) => p.name === name);
}

export function podAt(view: View, replica: string, ordinal: number): PodObservation | undefined {
  return view.input.kube.pods.find((p) => p.replica === replica && p.ordinal === ordinal);
}

/** The member registered under this pod's stable address (or, failing that, its IP). */
export function memberOfPod(view: View, pod: PodObservation): MemberStatus | undefined {
  return memberAt(view.members, pod);
}

export function memberAt(members: readonly MemberStatus[], pod: Pick<PodObservation, "address" | "podIP">): MemberStatus | undefined {
  return members.find((m) => m.address === pod.address) ?? (pod.podIP ? members.find((m) => m.address === pod.podIP) : undefined);
}

/** Hosts still in membership (live or leaving), as opposed to departed hosts that only still own segments. */
export function membershipOf(view: View): MemberStatus[] {
  return view.members.filter(inMembership);
}

export function memberById(view: View, hostId: string | null): MemberStatus | undefined {
  return hostId === null ? undefined : view.members.find((m) => m.hostId === hostId);
}

export function isMemberPod(pod: PodObservation): boolean {
  return pod.exists && pod.admin.kind === "member";
}

/** Admin address of a member pod to send cluster-wide calls through (replication, remove). */
export function adminVia(view: View, avoidPod?: string): string | null {
  const candidates = view.input.kube.pods.filter((p) => isMemberPod(p) && p.name !== avoidPod);
  const up = candidates.find((p) => memberOfPod(view, p)?.status === "up");
  return (up ?? candidates[0])?.address ?? null;
}

/** Join seed: a live, up member, preferring the first data+log replica's lowest ordinal (FACTS §1.3). */
export function seedFor(view: View, joiningPod: string): { host: string; peerPort: number } | null {
  const order = view.topology.map((r) => r.name);
  const rank = (m: MemberStatus) => {
    const i = order.indexOf(m.replica);
    return (currentType(view, m.replica) === "data+log" ? 0 : 1000) + (i < 0 ? order.length : i);
  };
  const seeds = view.members
    .filter((m) => m.status === "up" && m.state === "live" && m.address !== podNamed(view, joiningPod)?.address)
    .sort((a, b) => rank(a) - rank(b) || a.address.localeCompare(b.address));
  const seed = seeds[0];
  return seed ? { host: seed.address, peerPort: view.input.desired.peerPort } : null;
}

/** The replica's type as FaunaDB currently has it; replicas not listed are compute (FACTS §7.1). */
export function currentType(view: View, replica: string): ReplicaType {
  return view.input.fauna.replication?.replicas.find((r) => r.name === replica)?.type ?? "compute";
}

export function holdsData(type: ReplicaType): boolean {
  return type !== "compute";
}

export function liveMembersOf(view: View, replica: string): MemberStatus[] {
  return view.members.filter((m) => m.replica === replica && m.state === "live");
}

export function memberAddresses(view: View): string[] {
  return view.input.kube.pods.filter(isMemberPod).map((p) => p.address);
}

export function wait(reason: WaitReason, message: string, afterMs: number): StepOutcome {
  return { actions: [{ kind: "wait", reason, message, afterMs }] };
}
