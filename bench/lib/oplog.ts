// The operator's JSON log (pino, `--log-level debug`), read back: when it acted, on what, and how long passes took.
import { readFileSync } from "node:fs";

export type LogLine = {
  time: number;
  msg?: string;
  level?: number;
  key?: string;
  reconcileId?: string;
  step?: string;
  actions?: string[];
  action?: string;
  pod?: string;
  kind?: string;
  name?: string;
  ms?: number;
  identity?: string;
  outcome?: string;
};

export function readLog(file: string): LogLine[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return parseLog(text);
}

export function parseLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const l = JSON.parse(line) as LogLine;
      if (typeof l.time === "number") out.push(l);
    } catch {
      // a line cut by a kill
    }
  }
  return out;
}

/** One topology or object action of the operator: when it was sent, and when its call answered (if logged). */
export interface OperatorAction {
  kind: "create" | "update" | "scaleStatefulSet" | "init" | "join" | "putReplication" | "cleanStorage" | "removeHost" | "deletePod" | "deletePVC";
  at: number;
  doneAt: number | undefined;
  pod?: string;
  what?: string;
  key?: string;
}

const PLAN_KINDS = new Set(["scaleStatefulSet", "initNode", "joinNode", "putReplication", "cleanStorage", "removeHost", "deletePod", "deletePVC"]);

/**
 * The actions in log order, each with the answer time from its "action done" line. `key` restricts to one
 * FaunaCluster (namespace/name).
 */
export function actionsOf(lines: readonly LogLine[], key?: string): OperatorAction[] {
  const out: OperatorAction[] = [];
  const mine = lines.filter((l) => key === undefined || l.key === key);
  for (let i = 0; i < mine.length; i++) {
    const l = mine[i]!;
    if (l.msg === "creating" || l.msg === "updating") {
      out.push({ kind: l.msg === "creating" ? "create" : "update", at: l.time, doneAt: undefined, what: `${l.kind ?? ""}/${l.name ?? ""}`, key: l.key });
    } else if (l.msg === "action done" && l.action && PLAN_KINDS.has(l.action)) {
      const kind = (l.action === "initNode" ? "init" : l.action === "joinNode" ? "join" : l.action) as OperatorAction["kind"];
      // The start: the info line of init/join/put, else the "topology plan" line of the same pass.
      const startLine = [...mine.slice(0, i)].reverse().find((x) => x.reconcileId === l.reconcileId && (x.action === l.action || x.msg === "topology plan"));
      const at = startLine?.time ?? l.time - (l.ms ?? 0);
      out.push({ kind, at: Math.max(at, l.time - (l.ms ?? 0)), doneAt: l.time, pod: startLine?.pod, key: l.key });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Actions whose admin call blocks the pass for FaunaDB's own time (init ~3 s, join ~5 s, a graceful remove). */
const BLOCKING_ACTIONS = new Set(["initNode", "joinNode", "removeHost"]);

/**
 * Durations of reconcile passes in ms (the controller's "reconciled" lines), optionally within [from, to];
 * `withoutBlockingActions` leaves out the passes that waited on an init, join or remove call.
 */
export function passDurations(lines: readonly LogLine[], from = -Infinity, to = Infinity, o: { withoutBlockingActions?: boolean } = {}): number[] {
  const blocked = new Set(lines.filter((l) => l.msg === "action done" && l.action && BLOCKING_ACTIONS.has(l.action)).map((l) => l.reconcileId));
  return lines
    .filter((l) => l.msg === "reconciled" && typeof l.ms === "number" && l.time >= from && l.time <= to)
    .filter((l) => !o.withoutBlockingActions || !blocked.has(l.reconcileId))
    .map((l) => l.ms!);
}

/** When this instance logged `msg` first (after `from`). */
export function firstLine(lines: readonly LogLine[], msg: string, from = -Infinity): LogLine | undefined {
  return lines.find((l) => l.msg === msg && l.time >= from);
}
