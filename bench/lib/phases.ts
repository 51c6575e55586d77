// Splits apply → Ready (and pod killed → Ready) along its critical path: each operator action waits for its
// preconditions (observed from outside by the prober); the stretch until the last precondition became observable
// is charged to whoever it waited on (Kubernetes, FaunaDB), the rest until the action was sent is the operator's
// overhead, and the action's own call is the database's time. Pure: a timeline in, segments and waits out.
import type { OperatorAction } from "./oplog.ts";
import type { Fact, Observation } from "./prober.ts";

export type Who = "operator" | "kubernetes" | "faunadb";

export interface Segment {
  phase: string;
  who: Who;
  from: number;
  to: number;
}

/** One operator action: when its last precondition became observable, and when the operator acted. */
export interface Wait {
  action: string;
  precondition: string;
  observableAt: number;
  actedAt: number;
  ms: number;
}

export interface Split {
  segments: Segment[];
  waits: Wait[];
  totalMs: number;
  /** ms per phase label, in first-seen order. */
  phases: { phase: string; who: Who; ms: number }[];
  byWho: Record<Who, number>;
  notes: string[];
}

type Condition = { at: number | undefined; label: string; who: Who };

const find = (obs: readonly Observation[], fact: Fact, subject: string | undefined, from: number, uid?: string) =>
  obs.find((o) => o.fact === fact && o.at >= from && (subject === undefined || o.subject === subject) && (uid === undefined || o.uid === uid));

class Path {
  cursor: number;
  readonly segments: Segment[] = [];
  readonly waits: Wait[] = [];
  readonly notes: string[] = [];
  constructor(start: number) {
    this.cursor = start;
  }
  /** Waits for the conditions (each charged to its owner up to when it held), then the operator acts at `actedAt`. */
  act(action: string, actedAt: number, conditions: Condition[]): void {
    let last = "the previous step";
    let observableAt = this.cursor;
    for (const c of conditions.filter((x) => x.at !== undefined).sort((a, b) => a.at! - b.at!)) {
      if (c.at! <= this.cursor) continue;
      this.segments.push({ phase: c.label, who: c.who, from: this.cursor, to: Math.min(c.at!, actedAt) });
      this.cursor = Math.min(c.at!, actedAt);
      last = c.label;
      observableAt = c.at!;
    }
    for (const c of conditions.filter((x) => x.at === undefined)) this.notes.push(`${action}: "${c.label}" was not observed; not charged`);
    const ms = Math.max(0, actedAt - this.cursor);
    this.waits.push({ action, precondition: last, observableAt, actedAt, ms });
    if (ms > 0) this.segments.push({ phase: "operator overhead", who: "operator", from: this.cursor, to: actedAt });
    this.cursor = Math.max(this.cursor, actedAt);
  }
  /** The action's own call, until it answered. */
  run(phase: string, who: Who, until: number | undefined): void {
    if (until === undefined || until <= this.cursor) return;
    this.segments.push({ phase, who, from: this.cursor, to: until });
    this.cursor = until;
  }
  split(end: number): Split {
    const phases: Split["phases"] = [];
    const byWho: Record<Who, number> = { operator: 0, kubernetes: 0, faunadb: 0 };
    for (const s of this.segments) {
      const ms = s.to - s.from;
      const p = phases.find((x) => x.phase === s.phase && x.who === s.who);
      if (p) p.ms += ms;
      else phases.push({ phase: s.phase, who: s.who, ms });
      byWho[s.who] += ms;
    }
    const start = this.segments[0]?.from ?? end;
    return { segments: this.segments, waits: this.waits, totalMs: end - start, phases, byWho, notes: this.notes };
  }
}

/** When data movement went idle after `from`: on each asked member, the first idle after it was seen busy; the latest. */
export function movementIdleAfter(obs: readonly Observation[], from: number, o: { idleIfNeverBusyAfterMs?: number } = {}): number | undefined {
  const subjects = [...new Set(obs.filter((x) => x.fact === "movement-busy" && x.at >= from).map((x) => x.subject))];
  const grace = o.idleIfNeverBusyAfterMs;
  if (subjects.length === 0 && grace !== undefined) {
    // Nothing to move (FaunaDB reports movement within ~1 s of a change): idle once that long has passed.
    const last = obs.at(-1);
    return last && last.at >= from + grace ? from + grace : undefined;
  }
  const idle = subjects.map((s) => {
    const busy = find(obs, "movement-busy", s, from)!;
    return find(obs, "movement-idle", s, busy.at)?.at;
  });
  if (idle.length === 0 || idle.some((t) => t === undefined)) return undefined;
  return Math.max(...(idle as number[]));
}

export interface ConvergenceInput {
  /** `kubectl apply` of the FaunaCluster. */
  t0: number;
  actions: readonly OperatorAction[];
  obs: readonly Observation[];
  pods: readonly string[];
  settleMs: number;
  cluster: string;
}

export function convergence(i: ConvergenceInput): Split & { readyAt: number } {
  const ready = find(i.obs, "ready", i.cluster, i.t0);
  if (!ready) throw new Error("the prober never saw the FaunaCluster Ready");
  const path = new Path(i.t0);
  // Objects: from the apply until the StatefulSets exist at their size (the pods' precondition), all operator time.
  const sts = i.actions.filter((a) => a.at <= ready.at && (a.kind === "scaleStatefulSet" || (a.kind === "create" && a.what?.startsWith("StatefulSet/"))));
  const objectsDone = Math.max(...sts.map((a) => a.doneAt ?? a.at), i.t0);
  path.act("create objects", i.actions.find((a) => a.kind === "create")?.at ?? objectsDone, []);
  path.run("objects created", "operator", objectsDone);
  const topo = i.actions.filter((a) => a.at >= objectsDone && a.at <= ready.at && ["init", "join", "putReplication", "cleanStorage"].includes(a.kind));
  let lastJoinAnsweredAt: number | undefined;
  for (const a of topo) {
    const conditions: Condition[] = [];
    if (a.kind === "init" || a.kind === "join") {
      const pod = a.pod ?? "";
      conditions.push({ at: find(i.obs, "pod-running", pod, i.t0)?.at, label: "pods running", who: "kubernetes" });
      conditions.push({ at: find(i.obs, "port", pod, i.t0)?.at, label: "FaunaDB start (admin port answers)", who: "faunadb" });
      path.act(`${a.kind} ${pod}`, a.at, conditions);
      path.run(a.kind === "init" ? "init" : "joins (Hello + daemon start)", "faunadb", a.doneAt);
      lastJoinAnsweredAt = a.doneAt;
    } else if (a.kind === "putReplication") {
      // The settle time counts from the last join's answer (FaunaDB's QA sleeps 30 s once its joins returned, FACTS
      // §7.4; a join answers after the new host's daemon started, ~5 s after FaunaDB registered it at Hello).
      conditions.push({ at: lastJoinAnsweredAt === undefined ? undefined : lastJoinAnsweredAt + i.settleMs, label: "settle wait", who: "faunadb" });
      path.act("put replication", a.at, conditions);
      path.run("replication change", "faunadb", a.doneAt);
    } else {
      const put = topo.find((x) => x.kind === "putReplication");
      conditions.push({ at: put ? movementIdleAfter(i.obs, put.at) : undefined, label: "data movement", who: "faunadb" });
      path.act("clean storage", a.at, conditions);
      path.run("clean storage", "faunadb", a.doneAt);
    }
  }
  const put = topo.find((x) => x.kind === "putReplication");
  const podsReady = Math.max(...i.pods.map((p) => find(i.obs, "pod-ready", p, i.t0)?.at ?? Infinity));
  path.act("report Ready", ready.at, [
    { at: put ? movementIdleAfter(i.obs, put.at) : undefined, label: "data movement", who: "faunadb" },
    { at: Number.isFinite(podsReady) ? podsReady : undefined, label: "pods ready (API port + readiness probe)", who: "kubernetes" },
  ]);
  return { ...path.split(ready.at), readyAt: ready.at };
}

export interface HealInput {
  /** When the pod was deleted. */
  t0: number;
  pod: string;
  oldUid: string;
  actions: readonly OperatorAction[];
  obs: readonly Observation[];
  cluster: string;
}

export function heal(i: HealInput): Split & { readyAt: number; runningAt: number; droppedAt: number | undefined; overheadAfterRunningMs: number } {
  const running = i.obs.find((o) => o.fact === "pod-running" && o.subject === i.pod && o.at >= i.t0 && o.uid !== i.oldUid);
  if (!running) throw new Error(`the prober never saw ${i.pod} running again`);
  const uid = running.uid;
  const dropped = find(i.obs, "not-ready", i.cluster, i.t0);
  const ready = dropped ? find(i.obs, "ready", i.cluster, dropped.at) : undefined;
  if (!ready) throw new Error(dropped ? "the prober never saw the FaunaCluster Ready again" : "the FaunaCluster never left Ready: nothing to time");
  const path = new Path(i.t0);
  path.run("pod recreated and running", "kubernetes", running.at);
  const member = find(i.obs, "member", i.pod, running.at, uid);
  const acts = i.actions.filter((a) => a.at >= i.t0 && a.at <= ready.at && a.kind !== "create" && a.kind !== "update");
  for (const a of acts) {
    path.act(`${a.kind}${a.pod ? ` ${a.pod}` : ""}`, a.at, [{ at: member?.at, label: "FaunaDB restart (admin port answers)", who: "faunadb" }]);
    path.run(a.kind, "faunadb", a.doneAt);
  }
  path.act("report Ready", ready.at, [
    { at: member?.at, label: "FaunaDB restart (admin port answers)", who: "faunadb" },
    { at: find(i.obs, "node-up", i.pod, running.at, uid)?.at, label: "node live (peers see it up)", who: "faunadb" },
    { at: find(i.obs, "pod-ready", i.pod, running.at, uid)?.at, label: "pod ready (API port + readiness probe)", who: "kubernetes" },
  ]);
  const split = path.split(ready.at);
  const overheadAfterRunningMs = split.segments.filter((s) => s.who === "operator" && s.from >= running.at).reduce((n, s) => n + (s.to - s.from), 0);
  return { ...split, readyAt: ready.at, runningAt: running.at, droppedAt: dropped?.at, overheadAfterRunningMs };
}
