// The status the pass reports (STYLE idiom 11): one small pure function per condition, each of the facts the pass
// gathered (StatusFacts), then the phase; per-replica counts and per-node FaunaDB state. Written once, and only when
// it differs from what was read.
import { resolveSpec } from "../api/defaults.ts";
import { ConditionType, Reason, setCondition, type ConditionUpdate } from "../api/conditions.ts";
import type { FaunaClusterSpec, NodeStatus, Phase, ReplicaStatus, TopologyOperationStatus } from "../api/types.ts";
import type { MemberStatus } from "../fauna/statusParse.ts";
import { leaderlessSegments } from "./plan/segments.ts";
import type { Pass } from "./pass.ts";
import type { PlanDecision, PlanInput, PlanState, StepName } from "./plan/types.ts";
import { rotationMessage, type Rotation } from "./rootKeyHashes.ts";

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

/** What the conditions are computed from: the pass's findings, reduced to plain data. */
export interface StatusFacts {
  spec: Pick<FaunaClusterSpec, "replicas" | "paused">;
  invalid?: string | undefined;
  rootKeyProblem?: string | undefined;
  tlsProblem?: string | undefined;
  applyError?: string | undefined;
  topologyError?: string | undefined;
  topologyMessage?: string | undefined;
  input?: PlanInput | undefined;
  decision?: PlanDecision | undefined;
  rootKeyRotation?: Rotation | undefined;
}

type Update = Omit<ConditionUpdate, "observedGeneration">;

function readyNodes(f: StatusFacts): number {
  const pods = f.input?.kube.pods ?? [];
  return f.spec.replicas.reduce((n, r) => n + pods.filter((p) => p.replica === r.name && p.ready && p.ordinal < r.nodes).length, 0);
}

function desiredNodes(f: StatusFacts): number {
  return f.spec.replicas.reduce((n, r) => n + r.nodes, 0);
}

function topologyDone(f: StatusFacts): boolean {
  const d = f.decision;
  return d !== undefined && d.actions.length === 1 && d.actions[0]?.kind === "done" && !d.refusal;
}

export function topologyReadyCondition(f: StatusFacts): Update | null {
  const d = f.decision;
  if (!d) return null;
  if (topologyDone(f)) return { type: ConditionType.TopologyReady, status: "True", reason: Reason.TopologyConverged, message: "every node is a member as the spec asks" };
  return { type: ConditionType.TopologyReady, status: "False", reason: topologyReason(d.step), message: f.topologyMessage ?? d.refusal?.message ?? d.step };
}

export function dataMovingCondition(f: StatusFacts): Update | null {
  if (!f.input) return null;
  const idle = f.input.fauna.movementIdle;
  if (idle === false) return { type: ConditionType.DataMoving, status: "True", reason: Reason.DataMovementInProgress, message: "data is moving between nodes" };
  if (idle === null) return { type: ConditionType.DataMoving, status: "Unknown", reason: Reason.AdminUnreachable, message: "no member answered" };
  return { type: ConditionType.DataMoving, status: "False", reason: Reason.NoDataMovement, message: "no data movement" };
}

/** Members FaunaDB reports down, with whether their pod still runs (then the operator waits: issue 10). */
function downMembers(f: StatusFacts): { member: MemberStatus; podRunning: boolean }[] {
  const members = f.input?.fauna.members ?? [];
  const pods = f.input?.kube.pods ?? [];
  return members
    .filter((m) => m.state === "live" && m.status === "down")
    .map((member) => ({ member, podRunning: pods.some((p) => p.address === member.address && p.running) }));
}

export function degradedCondition(f: StatusFacts): Update {
  const degraded = (reason: Reason, message: string): Update => ({ type: ConditionType.Degraded, status: "True", reason, message });
  if (f.invalid !== undefined) return degraded(Reason.InvalidSpec, f.invalid);
  if (f.rootKeyProblem !== undefined) return degraded(Reason.RootKeyMissing, f.rootKeyProblem);
  if (f.tlsProblem !== undefined) return degraded(Reason.TlsProblem, f.tlsProblem);
  if (f.applyError !== undefined) return degraded(Reason.ApplyFailed, f.applyError);
  const hold = f.decision?.hold;
  if (hold?.reason === "FaunaViewIncomplete") return degraded(Reason.FaunaViewIncomplete, hold.message);
  const down = downMembers(f);
  if (hold?.reason === "NodeDown") return degraded(Reason.NodeDown, hold.message);
  if (down.length > 0) {
    const describe = ({ member, podRunning }: (typeof down)[number]) => `${member.address}${podRunning ? " (pod Running: waiting for it)" : ""}`;
    return degraded(Reason.NodeDown, `${down.length} member(s) down: ${down.map(describe).join(", ")}`);
  }
  if (f.topologyError !== undefined) return degraded(Reason.Reconciling, f.topologyError);
  if (hold) return degraded(Reason.Reconciling, hold.message);
  if (f.decision?.refusal) return degraded(Reason.Reconciling, f.decision.refusal.message);
  const leaderless = leaderlessSegments(f.input?.fauna.members ?? []);
  if (leaderless.length > 0) {
    return degraded(
      Reason.LogSegmentWithoutLeader,
      `log segment(s) ${leaderless.join(", ")} have no leader: writes cannot commit (a replication change made before the settle time can leave a segment stuck until its nodes restart, FACTS §7.3)`,
    );
  }
  return { type: ConditionType.Degraded, status: "False", reason: Reason.Reconciled, message: "no problem found" };
}

export function isReady(f: StatusFacts): boolean {
  return topologyDone(f) && readyNodes(f) === desiredNodes(f) && degradedCondition(f).status === "False" && f.rootKeyRotation === undefined;
}

/** While pods roll to a new root key's hashes (null when the key itself is the problem). */
export function rootKeyRotatingCondition(f: StatusFacts): Update | null {
  if (f.rootKeyProblem !== undefined) return null;
  const r = f.rootKeyRotation;
  return r
    ? { type: ConditionType.RootKeyRotating, status: "True", reason: Reason.RootKeyRotating, message: rotationMessage(r) }
    : { type: ConditionType.RootKeyRotating, status: "False", reason: Reason.RootKeyCurrent, message: "every pod accepts the root key in the Secret" };
}

export function readyCondition(f: StatusFacts): Update {
  if (f.invalid !== undefined) return { type: ConditionType.Ready, status: "False", reason: Reason.InvalidSpec, message: "the spec is invalid" };
  if (isReady(f)) return { type: ConditionType.Ready, status: "True", reason: Reason.Reconciled, message: "all nodes are ready members" };
  if (f.rootKeyRotation) return { type: ConditionType.Ready, status: "False", reason: Reason.RootKeyRotating, message: rotationMessage(f.rootKeyRotation) };
  const podsReady = readyNodes(f) === desiredNodes(f);
  return {
    type: ConditionType.Ready,
    status: "False",
    reason: podsReady ? Reason.Reconciling : Reason.PodsNotReady,
    message: f.topologyMessage ?? `${readyNodes(f)}/${desiredNodes(f)} nodes ready`,
  };
}

export function progressingCondition(f: StatusFacts): Update {
  if (f.invalid !== undefined) return { type: ConditionType.Progressing, status: "False", reason: Reason.InvalidSpec, message: "fix the spec" };
  if (f.spec.paused) return { type: ConditionType.Progressing, status: "False", reason: Reason.Paused, message: "spec.paused is true" };
  if (isReady(f)) return { type: ConditionType.Progressing, status: "False", reason: Reason.Reconciled, message: "converged" };
  const message = f.rootKeyRotation ? rotationMessage(f.rootKeyRotation) : f.topologyMessage ?? "working towards the spec";
  return { type: ConditionType.Progressing, status: "True", reason: Reason.Reconciling, message };
}

export function phaseOf(f: StatusFacts): Phase {
  if (f.invalid !== undefined) return "Failed";
  if (f.spec.paused) return "Paused";
  if (isReady(f)) return "Running";
  const bootstrapped = f.decision?.state.bootstrapped ?? false;
  if (degradedCondition(f).status === "True" && bootstrapped) return "Degraded";
  return bootstrapped ? "Updating" : "Creating";
}

function nodeStatuses(input: PlanInput): NodeStatus[] {
  const members: MemberStatus[] = input.fauna.members ?? [];
  return input.kube.pods
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

function replicaStatuses(spec: ReturnType<typeof resolveSpec>, input: PlanInput): ReplicaStatus[] {
  const fauna = input.fauna;
  return spec.replicas.map((r) => {
    const members = fauna.members?.filter((m) => m.replica === r.name && m.state === "live").length;
    const currentType = fauna.replication?.replicas.find((x) => x.name === r.name)?.type ?? (members ? "compute" : undefined);
    return {
      name: r.name,
      type: r.type,
      desired: r.nodes,
      ready: input.kube.pods.filter((p) => p.replica === r.name && p.ready && p.ordinal < r.nodes).length,
      ...(members === undefined ? {} : { members }),
      ...(currentType ? { currentType } : {}),
    };
  });
}

export function statusFacts(pass: Pass): StatusFacts {
  return { spec: pass.cluster.spec, ...pass.findings };
}

/** Fills the draft's summary fields from what the steps found. */
export function summarize(pass: Pass): void {
  const s = pass.status;
  const f = statusFacts(pass);
  const generation = pass.cluster.metadata.generation;
  const now = new Date(pass.deps.clock.now());
  const set = (u: Update | null) => {
    if (u) s.conditions = setCondition(s.conditions, { ...u, ...(generation === undefined ? {} : { observedGeneration: generation }) }, now);
  };
  if (generation !== undefined) s.observedGeneration = generation;
  s.replicaCount = f.spec.replicas.length;
  s.desiredNodes = desiredNodes(f);
  if (f.input) {
    s.replicas = replicaStatuses(resolveSpec(pass.cluster), f.input);
    s.nodes = nodeStatuses(f.input);
    s.readyNodes = readyNodes(f);
  }
  if (f.invalid === undefined && !f.spec.paused) {
    set(topologyReadyCondition(f));
    set(dataMovingCondition(f));
    set(rootKeyRotatingCondition(f));
  }
  if (!f.spec.paused || f.invalid !== undefined) {
    set(degradedCondition(f));
    set(readyCondition(f));
  }
  set(progressingCondition(f));
  s.phase = phaseOf(f);
}

function topologyReason(step: StepName): Reason {
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
