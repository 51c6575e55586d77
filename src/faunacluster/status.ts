// The status the pass reports (STYLE idiom 11): conditions, phase, per-replica counts and per-node FaunaDB state,
// computed from the findings at the end of the pass; written once, and only when it differs from what was read.
import { resolveSpec } from "../api/defaults.ts";
import { ConditionType, Reason, setCondition, type ConditionUpdate } from "../api/conditions.ts";
import type { NodeStatus, Phase, ReplicaStatus, TopologyOperationStatus } from "../api/types.ts";
import type { MemberStatus } from "../fauna/statusParse.ts";
import { leaderlessSegments } from "./plan/segments.ts";
import type { Pass } from "./pass.ts";
import type { PlanState } from "./plan/types.ts";
import { rotationMessage } from "./rootKeyHashes.ts";

/** status.topology: the in-flight operation (schema fields) plus the planner's state, which the schema preserves. */
export type TopologyStatus = TopologyOperationStatus & {
  plan: PlanState;
  refusal?: { reason: string; message: string };
};

export function topologyStatus(pass: Pass, state: PlanState): TopologyStatus {
  const d = pass.findings.decision;
  const inFlight = state.inFlight;
  const previous = pass.original.topology as TopologyStatus | undefined;
  const sameOperation = previous?.operation === (inFlight?.kind ?? "none") && previous?.node === inFlight?.pod;
  const startedAt = inFlight ? (sameOperation && previous?.startedAt ? previous.startedAt : isoSeconds(pass.deps.clock.now())) : undefined;
  return {
    operation: inFlight?.kind ?? "none",
    ...(inFlight ? { replica: inFlight.replica, node: inFlight.pod } : {}),
    ...(inFlight && "hostId" in inFlight && inFlight.hostId ? { hostId: inFlight.hostId } : {}),
    ...(inFlight && "stage" in inFlight ? { step: inFlight.stage } : d ? { step: d.step } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(pass.findings.topologyMessage ? { message: pass.findings.topologyMessage } : {}),
    plan: state,
    ...(d?.refusal ? { refusal: { reason: d.refusal.reason, message: d.refusal.message } } : {}),
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function nodeStatuses(pass: Pass): NodeStatus[] {
  const pods = pass.findings.pods ?? [];
  const members: MemberStatus[] = pass.findings.fauna?.members ?? [];
  return pods
    .filter((p) => p.exists || members.some((m) => m.address === p.address))
    .map((p) => {
      const m = members.find((x) => x.address === p.address);
      const base: NodeStatus = { pod: p.name, replica: p.replica };
      if (!m) return { ...base, state: p.admin.kind === "not-member" ? "joining" : "unknown" };
      return {
        ...base,
        hostId: m.hostId,
        address: m.address,
        status: m.status,
        state: m.state,
        ownership: m.ownership,
        ownershipGoal: m.ownershipGoal,
        logSegment: String(m.logSegment),
        leader: m.leader,
        workerId: m.workerId === null ? "n/a" : String(m.workerId),
      };
    });
}

function replicaStatuses(pass: Pass): ReplicaStatus[] {
  const pods = pass.findings.pods ?? [];
  const fauna = pass.findings.fauna;
  return resolveSpec(pass.cluster).replicas.map((r) => {
    const members = fauna?.members?.filter((m) => m.replica === r.name && m.state === "live").length;
    const currentType = fauna?.replication?.replicas.find((x) => x.name === r.name)?.type ?? (members ? "compute" : undefined);
    return {
      name: r.name,
      type: r.type,
      desired: r.nodes,
      ready: pods.filter((p) => p.replica === r.name && p.ready && p.ordinal < r.nodes).length,
      ...(members === undefined ? {} : { members }),
      ...(currentType ? { currentType } : {}),
    };
  });
}

/** Fills the draft's summary fields from what the steps found. */
export function summarize(pass: Pass): void {
  const s = pass.status;
  const f = pass.findings;
  const generation = pass.cluster.metadata.generation;
  const now = new Date(pass.deps.clock.now());
  const set = (u: Omit<ConditionUpdate, "observedGeneration">) => {
    s.conditions = setCondition(s.conditions, { ...u, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  };
  if (generation !== undefined) s.observedGeneration = generation;
  const spec = pass.cluster.spec;
  s.replicaCount = spec.replicas.length;
  s.desiredNodes = spec.replicas.reduce((n, r) => n + r.nodes, 0);

  if (f.invalid !== undefined) {
    set({ type: ConditionType.Degraded, status: "True", reason: Reason.InvalidSpec, message: f.invalid });
    set({ type: ConditionType.Ready, status: "False", reason: Reason.InvalidSpec, message: "the spec is invalid" });
    set({ type: ConditionType.Progressing, status: "False", reason: Reason.InvalidSpec, message: "fix the spec" });
    s.phase = "Failed";
    return;
  }
  if (spec.paused) {
    set({ type: ConditionType.Progressing, status: "False", reason: Reason.Paused, message: "spec.paused is true" });
    s.phase = "Paused";
    return;
  }
  if (f.pods) {
    s.replicas = replicaStatuses(pass);
    s.nodes = nodeStatuses(pass);
    s.readyNodes = s.replicas.reduce((n, r) => n + r.ready, 0);
  }
  const d = f.decision;
  const topologyDone = d !== undefined && d.actions.length === 1 && d.actions[0]?.kind === "done" && !d.refusal;
  const members = f.fauna?.members ?? [];
  const down = members.filter((m) => m.state === "live" && m.status === "down");
  const podsReady = s.readyNodes !== undefined && s.readyNodes === s.desiredNodes;
  const problem = f.rootKeyProblem ?? f.applyError ?? f.topologyError;

  if (d) {
    set(
      topologyDone
        ? { type: ConditionType.TopologyReady, status: "True", reason: Reason.TopologyConverged, message: "every node is a member as the spec asks" }
        : { type: ConditionType.TopologyReady, status: "False", reason: topologyReason(d.step), message: f.topologyMessage ?? d.refusal?.message ?? d.step },
    );
  }
  if (f.fauna) {
    const idle = f.fauna.movementIdle;
    set(
      idle === false
        ? { type: ConditionType.DataMoving, status: "True", reason: Reason.DataMovementInProgress, message: "data is moving between nodes" }
        : { type: ConditionType.DataMoving, status: idle === null ? "Unknown" : "False", reason: idle === null ? Reason.AdminUnreachable : Reason.NoDataMovement, message: idle === null ? "no member answered" : "no data movement" },
    );
  }
  const leaderless = leaderlessSegments(members);
  const stuck = leaderless.length > 0
    ? `log segment(s) ${leaderless.join(", ")} have no leader: writes cannot commit (a replication change made before the settle time can leave a segment stuck until its nodes restart, FACTS §7.3)`
    : undefined;
  const downMessage = down.length > 0 ? `${down.length} member(s) down: ${down.map((m) => m.address).join(", ")}` : undefined;
  const degraded = problem ?? d?.refusal?.message ?? downMessage ?? stuck;
  const degradedReason = f.rootKeyProblem ? Reason.RootKeyMissing
    : f.applyError ? Reason.ApplyFailed
    : problem || d?.refusal ? Reason.Reconciling
    : downMessage ? Reason.NodesDown
    : stuck ? Reason.LogSegmentWithoutLeader
    : Reason.Reconciling;
  set(
    degraded !== undefined
      ? { type: ConditionType.Degraded, status: "True", reason: degradedReason, message: degraded }
      : { type: ConditionType.Degraded, status: "False", reason: Reason.Reconciled, message: "no problem found" },
  );
  const rotation = f.rootKeyRotation;
  if (f.rootKeyProblem === undefined) {
    set(
      rotation
        ? { type: ConditionType.RootKeyRotating, status: "True", reason: Reason.RootKeyRotating, message: rotationMessage(rotation) }
        : { type: ConditionType.RootKeyRotating, status: "False", reason: Reason.RootKeyCurrent, message: "every pod accepts the root key in the Secret" },
    );
  }
  const ready = topologyDone && podsReady && degraded === undefined && rotation === undefined;
  set(
    ready
      ? { type: ConditionType.Ready, status: "True", reason: Reason.Reconciled, message: "all nodes are ready members" }
      : rotation
        ? { type: ConditionType.Ready, status: "False", reason: Reason.RootKeyRotating, message: rotationMessage(rotation) }
        : { type: ConditionType.Ready, status: "False", reason: podsReady ? Reason.Reconciling : Reason.PodsNotReady, message: f.topologyMessage ?? `${s.readyNodes ?? 0}/${s.desiredNodes} nodes ready` },
  );
  set(
    ready
      ? { type: ConditionType.Progressing, status: "False", reason: Reason.Reconciled, message: "converged" }
      : { type: ConditionType.Progressing, status: "True", reason: Reason.Reconciling, message: f.topologyMessage ?? "working towards the spec" },
  );
  s.phase = phaseOf(ready, degraded !== undefined, d?.state.bootstrapped ?? false);
}

function topologyReason(step: string): Reason {
  switch (step) {
    case "InitCluster":
      return Reason.Initializing;
    case "JoinNodes":
      return Reason.Joining;
    case "UpdateReplication":
      return Reason.UpdatingReplication;
    case "StartScaleDown":
    case "ResumeInFlight":
      return Reason.RemovingNode;
    case "WaitForMovement":
      return Reason.DataMovementInProgress;
    default:
      return Reason.Reconciling;
  }
}

function phaseOf(ready: boolean, degraded: boolean, bootstrapped: boolean): Phase {
  if (ready) return "Running";
  if (degraded && bootstrapped) return "Degraded";
  return bootstrapped ? "Updating" : "Creating";
}

/** Deep equality that ignores key order (the API server may return keys in another order than we built them). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
