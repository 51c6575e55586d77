// The benchmarks' common output: rows with the goal beside each figure, printed as a table and merged into
// bench/results.json (one section per benchmark, so separate runs of separate benchmarks combine).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export type Goal = { max: number } | { min: number } | { equals: number };

export interface Row {
  what: string;
  value: number | null;
  unit: string;
  goal?: Goal;
  note?: string;
}

export const RESULTS_FILE = join(import.meta.dirname, "..", "results.json");

export function verdict(r: Row): "ok" | "MISS" | "" {
  if (!r.goal) return "";
  if (r.value === null) return "MISS";
  if ("max" in r.goal) return r.value <= r.goal.max ? "ok" : "MISS";
  if ("min" in r.goal) return r.value >= r.goal.min ? "ok" : "MISS";
  return r.value === r.goal.equals ? "ok" : "MISS";
}

export function goalText(g: Goal | undefined, unit: string): string {
  if (!g) return "";
  if ("max" in g) return `≤ ${g.max} ${unit}`.trim();
  if ("min" in g) return `≥ ${g.min} ${unit}`.trim();
  return `= ${g.equals} ${unit}`.trim();
}

const fmt = (v: number | null) => (v === null ? "—" : Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.what, `${fmt(r.value)} ${r.unit}`.trim(), goalText(r.goal, r.unit), verdict(r), r.note ?? ""]);
  const head = ["what", "figure", "goal", "", "note"];
  const widths = head.map((h, i) => Math.min(70, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) => `| ${c.map((x, i) => (i < 4 ? x.padEnd(widths[i]!) : x)).join(" | ")} |`;
  return [line(head), line(widths.map((w, i) => (i < 4 ? "-".repeat(w) : "---"))), ...cells.map(line)].join("\n");
}

export function machine(): { cores: number; memoryGb: number; node: string } {
  return { cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}

type Results = { machine: ReturnType<typeof machine>; sections: Record<string, { at: string; rows: Row[]; details?: unknown }> };

export function saveSection(section: string, rows: Row[], details?: unknown): void {
  let results: Results = { machine: machine(), sections: {} };
  if (existsSync(RESULTS_FILE)) {
    try {
      results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Results;
    } catch {
      // start over
    }
  }
  results.machine = machine();
  results.sections[section] = { at: new Date().toISOString(), rows, details };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

export function readResults(): Results | undefined {
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as Results;
  } catch {
    return undefined;
  }
}

export const secs = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
