// SIGKILLs an operator under test at many points of a procedure and restarts it each time, recording what was in
// flight at each kill (the FaunaCluster's status.topology and the operator's last planner decision from its log).
// The kill moments are mixed so they land on different reconcile steps: right after start (informer sync, first
// apply), at random, on a planner decision not killed in yet, and right after the operator logged an action.
import { readFileSync } from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { API_GROUP, API_VERSION, PLURAL, type FaunaCluster } from "../../src/api/types.ts";
import type { TestTier } from "./localtier.ts";
import type { RunningOperator } from "./operator.ts";

export type KillMode = "startup" | "random" | "new-step" | "after-action";
// Start-up kills (the first pass: root key, observe, apply) come often: they also keep a procedure from racing ahead
// of the kills, so that fixed waits (the 30 s settle) cannot end it before the kill count is reached.
const MODES: readonly KillMode[] = ["startup", "after-action", "startup", "new-step", "startup", "random"];

export interface KillPoint {
  n: number;
  mode: KillMode;
  /** ms since the operator's controller started (caches synced): no kill lands in Node's own start-up. */
  aliveMs: number;
  /** status.topology as operation/step (or "-" before any topology status). */
  topology: string;
  /** The planner step of the operator's last "topology plan" log line, and the last action it logged. */
  plannerStep: string;
  lastAction: string;
  ready: boolean;
}

/** Planner actions the operator logs at info level (reconciler steps and topology executor). */
const ACTION_LINES = new Set(["creating", "updating", "init", "join", "put replication"]);

export function readCluster(tier: TestTier, namespace: string, name: string): Promise<FaunaCluster> {
  const api = tier.kc.makeApiClient(k8s.CustomObjectsApi);
  return api.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: PLURAL, name }) as Promise<FaunaCluster>;
}

export const isReady = (c: FaunaCluster): boolean =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;

export function topologyOf(c: FaunaCluster): string {
  const t = c.status?.topology;
  if (!t) return "-";
  const op = t.operation ?? "none";
  return op === "none" ? `${t.step ?? "-"}` : `${op}:${t.step ?? "-"}`;
}

type LogLine = { msg?: string; step?: string; action?: string; pod?: string; kind?: string; name?: string; actions?: string[] };

function logLines(file: string): LogLine[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a line cut by the kill
    }
  }
  return out;
}

function describeAction(l: LogLine): string {
  if (l.msg === "creating" || l.msg === "updating") return `${l.msg} ${l.kind ?? ""}/${l.name ?? ""}`;
  return `${l.msg ?? ""}${l.pod ? ` ${l.pod}` : ""}`;
}

export function lastDecision(file: string): { plannerStep: string; lastAction: string; actions: number } {
  const lines = logLines(file);
  const plan = lines.filter((l) => l.msg === "topology plan").at(-1);
  const acts = lines.filter((l) => l.msg !== undefined && ACTION_LINES.has(l.msg));
  const last = acts.at(-1);
  return {
    plannerStep: plan ? `${plan.step ?? "?"}[${(plan.actions ?? []).join(",")}]` : "-",
    lastAction: last ? describeAction(last) : "-",
    actions: acts.length,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

export interface KillLoopOptions {
  tier: TestTier;
  namespace: string;
  name: string;
  kills: number;
  start: () => Promise<RunningOperator>;
  /** The running operator; replaced after each kill. */
  op: RunningOperator;
  /** Stop early (and report) when this is true before a kill: the procedure under test already finished. */
  finished: (c: FaunaCluster) => boolean;
  /** Before kill `atKill`, let the procedure get this far without kills (bounded), so kills cover its later part. */
  midpoint?: { atKill: number; what: string; reached: (c: FaunaCluster) => boolean; timeoutMs: number };
  log?: (line: string) => void;
}

/** Kills and restarts `kills` times; returns the kill points and the operator now running. */
export async function killRepeatedly(o: KillLoopOptions): Promise<{ points: KillPoint[]; op: RunningOperator; finishedEarly: boolean }> {
  const points: KillPoint[] = [];
  const hitSteps = new Set<string>();
  let op = o.op;
  let spawnedAt = await controllerStarted(op);
  for (let n = 1; n <= o.kills; n++) {
    const mode = MODES[(n - 1) % MODES.length] ?? "random";
    if (o.midpoint && n === o.midpoint.atKill) await reach(o, o.midpoint);
    await waitForKillMoment(mode, op, hitSteps, spawnedAt);
    const c = await readCluster(o.tier, o.namespace, o.name);
    if (o.finished(c)) return { points, op, finishedEarly: true };
    const d = lastDecision(op.logFile);
    const point: KillPoint = { n, mode, aliveMs: Date.now() - spawnedAt, topology: topologyOf(c), plannerStep: d.plannerStep, lastAction: d.lastAction, ready: isReady(c) };
    op.proc.kill("SIGKILL");
    await op.stop();
    points.push(point);
    hitSteps.add(point.plannerStep);
    o.log?.(`kill ${n} (${mode}, ${(point.aliveMs / 1000).toFixed(1)} s up): status ${point.topology}; planner ${point.plannerStep}; last action ${point.lastAction}`);
    op = await o.start();
    spawnedAt = await controllerStarted(op);
  }
  return { points, op, finishedEarly: false };
}

/** When the operator's workers start (its log says so); a process killed before that has done nothing yet. */
async function controllerStarted(op: RunningOperator): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (logLines(op.logFile).some((l) => l.msg === "caches synced, starting workers")) return Date.now();
    if (op.proc.exitCode !== null) throw new Error(`the operator exited with ${op.proc.exitCode}; log: ${op.logFile}`);
    await sleep(50);
  }
  throw new Error(`the operator did not start its workers within 60 s; log: ${op.logFile}`);
}

async function reach(o: KillLoopOptions, m: NonNullable<KillLoopOptions["midpoint"]>): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < m.timeoutMs) {
    const c = await readCluster(o.tier, o.namespace, o.name).catch(() => undefined);
    if (c && (m.reached(c) || o.finished(c))) break;
    await sleep(200);
  }
  o.log?.(`midpoint "${m.what}" ${Date.now() - t0 < m.timeoutMs ? "reached" : "not reached"} after ${((Date.now() - t0) / 1000).toFixed(1)} s without kills`);
}

async function waitForKillMoment(mode: KillMode, op: RunningOperator, hit: Set<string>, spawnedAt: number): Promise<void> {
  switch (mode) {
    case "startup":
      // Informer sync, root key, first apply of the owned objects.
      await sleep(between(0, 1000) - (Date.now() - spawnedAt));
      return;
    case "random":
      await sleep(between(300, 2500));
      return;
    case "new-step": {
      // As soon as this process's planner decides something not killed in yet (step and actions).
      const deadline = Date.now() + between(1000, 2500);
      while (Date.now() < deadline) {
        const step = lastDecision(op.logFile).plannerStep;
        if (step !== "-" && !hit.has(step)) return;
        await sleep(50);
      }
      return;
    }
    case "after-action": {
      // Right after this process logs an action: between the call going out and its effect being recorded.
      const deadline = Date.now() + between(1000, 2500);
      while (Date.now() < deadline) {
        if (lastDecision(op.logFile).actions > 0) {
          await sleep(between(0, 300));
          return;
        }
        await sleep(50);
      }
      return;
    }
  }
}

export function summarizePoints(points: KillPoint[]): string {
  const byTopology = new Map<string, number>();
  for (const p of points) byTopology.set(p.topology, (byTopology.get(p.topology) ?? 0) + 1);
  const byPlanner = new Map<string, number>();
  for (const p of points) {
    const step = p.plannerStep.split("[")[0] ?? "-";
    byPlanner.set(step, (byPlanner.get(step) ?? 0) + 1);
  }
  const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k}×${v}`).join(", ");
  return `${points.length} kills; status.topology: ${fmt(byTopology)}; planner step of the killed process: ${fmt(byPlanner)}`;
}
