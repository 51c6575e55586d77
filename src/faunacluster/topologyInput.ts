// Builds the planner's input from one Observation (pure): every ordinal that has a pod or a PVC, each with its own
// admin answer; StatefulSet sizes by replica; the merged FaunaDB view; the remembered plan state, re-validated
// (status is a cache, not an authority: issue 10).
import { resolveSpec } from "../api/defaults.ts";
import { PORTS } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import { isReplicaType } from "../fauna/wire.ts";
import { timeOf } from "../kube/client.ts";
import type { NodeAnswer, Observation, Observed } from "./observe.ts";
import {
  initialPlanState, REMOVE_STAGES, REPLACE_STAGES,
  type DesiredReplica, type DesiredTopology, type InFlight, type KubeObservation, type PlanInput, type PlanState, type PodAdmin, type PodObservation,
} from "./plan/types.ts";
import { isPodReady, isPodRunning, replicaOf, type Slot } from "./slots.ts";

function adminOf(answer: NodeAnswer | undefined): PodAdmin {
  if (!answer || answer.kind === "unreachable") return { kind: "unreachable" };
  if (answer.kind === "not-member") return { kind: "not-member" };
  return { kind: "member", hostId: answer.hostId, needsCleanup: answer.needsCleanup };
}

export function podObservations(all: readonly Slot[], answers: readonly NodeAnswer[]): PodObservation[] {
  return all.map((s) => ({
    name: s.name,
    uid: s.pod?.metadata?.uid,
    replica: s.replica,
    ordinal: s.ordinal,
    exists: s.pod !== undefined,
    phase: s.pod?.status?.phase,
    running: s.pod ? isPodRunning(s.pod) : false,
    ready: s.pod ? isPodReady(s.pod) : false,
    deletionTimestamp: timeOf(s.pod?.metadata?.deletionTimestamp),
    podIP: s.pod?.status?.podIP,
    address: s.dnsName,
    pvc: { exists: s.pvc !== undefined, bound: s.pvc?.status?.phase === "Bound", uid: s.pvc?.metadata?.uid },
    createdAt: timeOf(s.pod?.metadata?.creationTimestamp),
    admin: adminOf(answers.find((a) => a.pod === s.name)),
  }));
}

export function kubeObservation(o: Observed, all: readonly Slot[], answers: readonly NodeAnswer[]): KubeObservation {
  const statefulSets: Record<string, number> = {};
  for (const sts of o.statefulSets) {
    const r = replicaOf(sts);
    if (r !== undefined) statefulSets[r] = sts.spec?.replicas ?? 0;
  }
  return { pods: podObservations(all, answers), statefulSets };
}

export function desiredTopology(cluster: FaunaCluster, forceRemoveGraceSeconds: number): DesiredTopology {
  const spec = resolveSpec(cluster);
  const config = spec.config as Record<string, unknown> | undefined;
  const stallEnabled = config?.consensus_stall_restart_period_enable !== false;
  const stallSeconds = typeof config?.consensus_stall_restart_period_seconds === "number" ? config.consensus_stall_restart_period_seconds : 30;
  return {
    replicas: spec.replicas.map((r) => ({ name: r.name, type: r.type, nodes: r.nodes })),
    settleSeconds: spec.settleSeconds,
    forceRemoveGraceSeconds,
    peerPort: spec.peerEncryption.level === "none" ? PORTS.peer : PORTS.peerSecure,
    stallRestartSeconds: stallEnabled ? stallSeconds : null,
  };
}

/** Everything the planner reads, from one observation. */
export function planInput(obs: Observation, forceRemoveGraceSeconds: number, now: number): { input: PlanInput; stateProblems: string[] } {
  const { state, problems } = persistedPlanState(obs);
  return {
    input: {
      desired: desiredTopology(obs.cluster, forceRemoveGraceSeconds),
      kube: kubeObservation(obs.kube, obs.slots, obs.nodes),
      fauna: obs.fauna,
      state,
      now,
    },
    stateProblems: problems,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === "string";

/**
 * The plan state persisted in status.topology.plan, field by field: what does not have its type is replaced by its
 * initial value and named in `problems`. The accepted topology must lie between what runs now and what the spec
 * asks (the planner only ever moves from one to the other); anything else is dropped and re-derived.
 */
export function persistedPlanState(obs: Pick<Observation, "cluster" | "kube" | "fauna">): { state: PlanState; problems: string[] } {
  const raw = (obs.cluster.status?.topology as { plan?: unknown } | undefined)?.plan;
  const initial = initialPlanState();
  if (raw === undefined) return { state: initial, problems: [] };
  if (!isObject(raw)) return { state: initial, problems: ["status.topology.plan is not an object"] };
  const problems: string[] = [];
  const field = <T>(name: keyof PlanState, ok: (v: unknown) => v is T, fallback: T): T => {
    const v = raw[name];
    if (v === undefined) return fallback;
    if (ok(v)) return v;
    problems.push(`status.topology.plan.${name} is malformed`);
    return fallback;
  };
  const isBool = (v: unknown): v is boolean => typeof v === "boolean";
  const isNumRecord = (v: unknown): v is Record<string, number> => isObject(v) && Object.values(v).every(isInt);
  const isNullableInt = (v: unknown): v is number | null => v === null || isInt(v);
  const state: PlanState = {
    accepted: field("accepted", isAcceptedList, null),
    bootstrapped: field("bootstrapped", isBool, false),
    initialized: field("initialized", isBool, false),
    inFlight: field("inFlight", isInFlightOrNull, null),
    membersDigest: field("membersDigest", isStr, ""),
    membershipChangedAt: field("membershipChangedAt", isInt, 0),
    downSince: field("downSince", isNumRecord, {}),
    cleanupPending: field("cleanupPending", isBool, false),
    leaderlessSince: field("leaderlessSince", isNullableInt, null),
    leaderlessSeen: field("leaderlessSeen", isInt, 0),
  };
  if (state.accepted !== null) {
    const outside = acceptedOutsideRange(state.accepted, obs);
    if (outside) {
      problems.push(`status.topology.plan.accepted ${outside}: re-derived from the spec`);
      state.accepted = null;
    }
  }
  return { state, problems };
}

function isAcceptedList(v: unknown): v is DesiredReplica[] {
  return Array.isArray(v) && v.every((r) => isObject(r) && isStr(r.name) && isReplicaType(r.type) && isInt(r.nodes) && r.nodes >= 0);
}

function isInFlightOrNull(v: unknown): v is InFlight | null {
  if (v === null) return true;
  if (!isObject(v)) return false;
  switch (v.kind) {
    case "init":
      return isStr(v.pod) && isStr(v.replica);
    case "remove":
      return (REMOVE_STAGES as readonly unknown[]).includes(v.stage) && isStr(v.replica) && isInt(v.ordinal) && isStr(v.pod) && (v.hostId === null || isStr(v.hostId));
    case "replace":
      return (REPLACE_STAGES as readonly unknown[]).includes(v.stage) && isStr(v.replica) && isInt(v.ordinal) && isStr(v.pod) && isStr(v.hostId);
    default:
      return false;
  }
}

/** Why an accepted topology cannot have come from this planner, or null. */
function acceptedOutsideRange(accepted: DesiredReplica[], obs: Pick<Observation, "cluster" | "kube" | "fauna">): string | null {
  const spec = obs.cluster.spec.replicas;
  for (const a of accepted) {
    const wanted = spec.find((r) => r.name === a.name);
    const sts = obs.kube.statefulSets.find((s) => replicaOf(s) === a.name);
    const running = sts?.spec?.replicas;
    if (!wanted && running === undefined) return `names replica ${a.name}, which neither the spec nor a StatefulSet has`;
    const bounds = [wanted?.nodes, running].filter((n): n is number => n !== undefined);
    if (a.nodes < Math.min(...bounds) || a.nodes > Math.max(...bounds)) {
      return `gives ${a.name} ${a.nodes} node(s), outside what runs (${running ?? "none"}) and what the spec asks (${wanted?.nodes ?? "none"})`;
    }
    const current = obs.fauna.replication?.replicas.find((r) => r.name === a.name)?.type;
    if (a.type !== wanted?.type && a.type !== current && !(current === undefined && a.type === "compute")) {
      return `gives ${a.name} type ${a.type}, which is neither the spec's (${wanted?.type ?? "none"}) nor FaunaDB's (${current ?? "none"})`;
    }
  }
  return null;
}
