// The harness report as JUnit XML (the Apache Ant schema that Jenkins, GitLab and GitHub reporters read;
// test/fixtures/junit/JUnit.xsd): one testsuite per scenario, one testcase for the scenario itself (it ran, writes
// were acknowledged, Ready again, its expectation met) and one per check. Pure.
import { hostname } from "node:os";
import { failures, type HarnessReport, type ScenarioResult } from "./report.ts";

/** XML 1.0 cannot carry control characters other than tab, newline and carriage return, even escaped. */
const xmlChars = (s: string) => [...s].filter((c) => c >= " " || c === "\t" || c === "\n" || c === "\r").join("");

const esc = (s: string) =>
  xmlChars(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

interface Case {
  name: string;
  time: number;
  failure?: { message: string; text: string };
  error?: { message: string; text: string };
  skipped?: boolean;
}

/** The scenario's own verdict: everything but the checks, which have their own testcases. */
function scenarioCase(r: ScenarioResult): Case {
  const own = failures(r).filter((f) => !/ check failed: /.test(f));
  if (r.error) return { name: "scenario", time: r.durationS, error: { message: `could not run: ${r.error}`, text: own.join("\n") } };
  return { name: "scenario", time: r.durationS, ...(own.length ? { failure: { message: own[0]!, text: own.join("\n") } } : {}) };
}

function cases(r: ScenarioResult): Case[] {
  const checks = (r.checks ?? []).map((c): Case => ({
    name: `check ${c.name}: ${c.claim}`,
    time: 0,
    ...(c.passed ? {} : { failure: { message: c.summary, text: [c.summary, ...c.offending, ...(c.offendingCount > c.offending.length ? [`… and ${c.offendingCount - c.offending.length} more`] : [])].join("\n") } }),
  }));
  return [scenarioCase(r), ...checks];
}

function testcase(suite: string, c: Case): string {
  const open = `    <testcase name="${esc(c.name)}" classname="harness.${esc(suite)}" time="${c.time.toFixed(3)}"`;
  if (c.skipped) return `${open}>\n      <skipped/>\n    </testcase>`;
  const problem = c.error ? ["error", c.error] as const : c.failure ? ["failure", c.failure] as const : undefined;
  if (!problem) return `${open}/>`;
  const [tag, p] = problem;
  return `${open}>\n      <${tag} message="${esc(p.message)}" type="${tag === "error" ? "ScenarioError" : "AssertionError"}">${esc(p.text)}</${tag}>\n    </testcase>`;
}

function suite(id: number, name: string, at: string, list: Case[], systemOut: string): string {
  const count = (f: (c: Case) => boolean) => list.filter(f).length;
  const time = list.reduce((a, c) => a + c.time, 0);
  return [
    `  <testsuite name="${esc(name)}" package="harness" id="${id}" timestamp="${at}" hostname="${esc(hostname() || "localhost")}" tests="${list.length}" failures="${count((c) => !!c.failure)}" errors="${count((c) => !!c.error)}" skipped="${count((c) => !!c.skipped)}" time="${time.toFixed(3)}">`,
    "    <properties/>",
    ...list.map((c) => testcase(name, c)),
    `    <system-out>${esc(systemOut)}</system-out>`,
    "    <system-err/>",
    "  </testsuite>",
  ].join("\n");
}

export function renderJunit(report: HarnessReport): string {
  const at = report.startedAt.slice(0, 19);
  const suites = report.scenarios.map((r, i) =>
    suite(i, r.name, at, cases(r), `${r.fault}; expected ${r.expectation}. ${r.writesAcknowledged} of ${r.writesAttempted} writes acknowledged, ${r.lost} lost.`));
  if (report.notRun.length)
    suites.push(suite(report.scenarios.length, "not-run", at, report.notRun.map((n) => ({ name: `${n.name}: ${n.reason}`, time: 0, skipped: true })), ""));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join("\n")}\n</testsuites>\n`;
}
