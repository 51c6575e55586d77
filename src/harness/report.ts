// The harness's findings and the report a person reads in a minute: a headline verdict, one table row per
// scenario, short notes. Pure: numbers in, verdicts and markdown out (report.html: reportHtml.ts; JUnit: junit.ts).
import type { CheckResult } from "./checks/check.ts";
import type { ErrorClass } from "../load/errors.ts";
import type { LatencySummary, SecondSample } from "../load/stats.ts";

/** A moment of a scenario's timeline, in seconds since its load started. */
export interface TimelineEvent {
  t: number;
  kind: "fault" | "heal" | "not-ready" | "ready" | "mark";
  label: string;
}

/** A node's state over the scenario, in runs: from `t` on it was `state` (up, down, absent). */
export interface NodeLane {
  pod: string;
  runs: { t: number; state: "up" | "down" | "absent" }[];
}

export interface Timeline {
  /** Epoch ms when the load started (t = 0). */
  startedAt: number;
  durationS: number;
  series: SecondSample[];
  events: TimelineEvent[];
  nodes: NodeLane[];
}

export interface ScenarioResult {
  name: string;
  /** What was injected, in a few words. */
  fault: string;
  /** What must hold besides "no acknowledged write lost", in a few words. */
  expectation: string;
  expectationMet: boolean;
  expectationDetail: string;
  writesAttempted: number;
  writesAcknowledged: number;
  writesFailed: number;
  /** Acknowledged writes absent (or holding other data) when read back after recovery. */
  lost: number;
  /** Acknowledged writes whose read-back kept failing: the check could not decide. */
  unreadable: number;
  /** Reads of an acknowledged write during the load that answered "not found". */
  readsMissing: number;
  /** Longest time without an acknowledged write from the injection to the end of the load (write unavailability). */
  longestWriteGapS: number;
  /** Seconds from the injection until the cluster was Ready again; 0 = never seen not Ready; null = not in time. */
  readyAgainS: number | null;
  readyTimeoutS: number;
  /** Failures of the load by cause, for the curious. */
  loadErrors: Record<string, number>;
  /** Set when the scenario itself could not be carried out. */
  error?: string;
  durationS: number;
  /** The checks on the load's history (exists, bank, register); absent on results from before they existed. */
  checks?: CheckResult[];
  /** Latency of every operation, from when it was due; by phase (steady, fault, and a scenario's own). */
  latency?: LatencySummary;
  latencyByPhase?: Record<string, LatencySummary>;
  errorClasses?: Record<ErrorClass, number>;
  /** Operations per second asked for and done. */
  targetRate?: number;
  achievedRate?: number;
  timeline?: Timeline;
}

export interface NotRun {
  name: string;
  reason: string;
}

export interface HarnessReport {
  /** Where the cluster ran: "local" (the local tier) or "kind". */
  backend?: string;
  startedAt: string;
  durationS: number;
  /** `<namespace>/<name>` and its shape, e.g. "3 replicas × 1 node". */
  cluster: string;
  topology: string;
  /** Load parameters, e.g. "2 workers, 100 ms pause, 1 read per 4 ops". */
  load: string;
  scenarios: ScenarioResult[];
  notRun: NotRun[];
}

/** Why a scenario failed; empty = pass. */
export function failures(r: ScenarioResult): string[] {
  const why: string[] = [];
  if (r.error) why.push(`could not run: ${r.error}`);
  if (r.lost > 0) why.push(`${r.lost} acknowledged writes lost`);
  if (r.unreadable > 0) why.push(`${r.unreadable} acknowledged writes could not be read back`);
  if (r.readsMissing > 0) why.push(`${r.readsMissing} reads missed an acknowledged write`);
  if (r.writesAcknowledged === 0) why.push("no write was acknowledged: nothing was proven");
  if (r.readyAgainS === null) why.push(`not Ready again within ${r.readyTimeoutS} s`);
  if (!r.expectationMet) why.push(`expectation not met: ${r.expectationDetail}`);
  for (const c of r.checks ?? []) if (!c.passed && c.name !== "exists") why.push(`${c.name} check failed: ${c.summary}`);
  return why;
}

export const passed = (r: ScenarioResult): boolean => failures(r).length === 0;

export function overallPass(report: HarnessReport): boolean {
  return report.scenarios.length > 0 && report.scenarios.every(passed);
}

export function headline(report: HarnessReport): string {
  const acked = sum(report.scenarios, (r) => r.writesAcknowledged);
  const lost = sum(report.scenarios, (r) => r.lost);
  const n = report.scenarios.length;
  const writes = `${lost} of ${acked} acknowledged writes lost`;
  if (n === 0) return "FAIL — no scenario ran";
  if (overallPass(report)) return `PASS — ${plural(n, "scenario")}, ${writes}`;
  const failed = report.scenarios.filter((r) => !passed(r)).map((r) => r.name);
  return `FAIL — ${failed.length} of ${plural(n, "scenario")} failed (${failed.join(", ")}), ${writes}`;
}

/**
 * The longest stretch without an acknowledged write within [from, to]: the edges count, so a load that never
 * recovered shows the whole window.
 */
export function longestGapMs(ackTimes: readonly number[], from: number, to: number): number {
  const inside = ackTimes.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  const points = [from, ...inside, to];
  let longest = 0;
  for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i]! - points[i - 1]!);
  return longest;
}

export interface ReadySample {
  at: number;
  ready: boolean;
}

/**
 * From samples of the cluster's readiness taken after `from`: ms until the first Ready sample after the last
 * not-Ready one; 0 if no sample was ever not Ready; undefined if the last sample is not Ready.
 */
export function readyAgainMs(samples: readonly ReadySample[], from: number): number | undefined {
  const after = samples.filter((s) => s.at >= from);
  const last = after.at(-1);
  if (!last?.ready) return undefined;
  const lastDown = after.findLastIndex((s) => !s.ready);
  if (lastDown < 0) return 0;
  return after[lastDown + 1]!.at - from;
}

export function renderMarkdown(report: HarnessReport): string {
  const rows = report.scenarios.map((r) => [
    r.name,
    passed(r) ? "PASS" : "**FAIL**",
    `${r.writesAcknowledged} / ${r.writesAttempted}`,
    String(r.writesFailed),
    String(r.lost),
    String(r.readsMissing),
    `${r.longestWriteGapS.toFixed(1)} s`,
    r.readyAgainS === null ? `not in ${r.readyTimeoutS} s` : r.readyAgainS === 0 ? "stayed Ready" : `${r.readyAgainS.toFixed(1)} s`,
    `${r.expectationMet ? "yes" : "NO"}: ${r.expectationDetail}`,
    checksCell(r),
    r.latency ? `${r.latency.p50Ms.toFixed(0)} / ${r.latency.p99Ms.toFixed(0)} ms` : "-",
  ]);
  const header = ["scenario", "verdict", "acked / attempted writes", "failed", "lost", "reads missing", "longest write gap", "Ready again", "expectation", "checks", "p50 / p99"];
  const table = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.map(escapeCell).join(" | ")} |`);
  const failed = report.scenarios.filter((r) => !passed(r)).flatMap((r) => [
    `- ${r.name}: ${failures(r).join("; ")}`,
    ...(r.checks ?? []).filter((c) => !c.passed).flatMap((c) => c.offending.slice(0, 5).map((o) => `  - ${c.name}: ${o}`)),
  ]);
  const notes = [
    ...report.scenarios.map((r) => `- ${r.name}: ${r.fault}; expected ${r.expectation}.${failedOps(r)}`),
    ...report.notRun.map((n) => `- not run — ${n.name}: ${n.reason}`),
    `- ${report.backend ? `backend ${report.backend}; ` : ""}cluster ${report.cluster} (${report.topology}); load ${report.load}; started ${report.startedAt}, took ${report.durationS.toFixed(0)} s.`,
    "- Failed writes are allowed under a fault; acknowledged ones must all read back. Longest write gap = longest time " +
      "without an acknowledged write from the injection to the end of the load.",
  ];
  return [
    headline(report),
    "",
    ...table,
    ...(failed.length ? ["", "Failures:", ...failed] : []),
    "",
    "Notes:",
    ...notes,
    "",
  ].join("\n");
}

/** e.g. "exists ok · bank ok · register FAIL (3)". */
export function checksCell(r: ScenarioResult): string {
  if (!r.checks?.length) return "-";
  return r.checks.map((c) => `${c.name} ${c.passed ? "ok" : `FAIL (${c.offendingCount})`}`).join(" · ");
}

/** The commonest causes of failed operations, e.g. " Failed operations: UnavailableError 503 ×12." */
function failedOps(r: ScenarioResult): string {
  const top = Object.entries(r.loadErrors).sort((a, b) => b[1] - a[1]).slice(0, 2);
  return top.length ? ` Failed operations: ${top.map(([cause, n]) => `${cause} ×${n}`).join(", ")}.` : "";
}

const escapeCell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
