// Where a harness run's report goes: one directory per run with report.md (also printed), report.json (every
// figure, the checks' offending operations, the timelines), report.html (report.png beside it when Chromium is
// there) and junit.xml for CI.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderJunit } from "./junit.ts";
import { headline, overallPass, renderMarkdown, type HarnessReport } from "./report.ts";
import { renderHtml, type HtmlNote } from "./reportHtml.ts";
import { screenshot } from "./screenshot.ts";

export interface ReportFiles {
  dir: string;
  markdown: string;
  json: string;
  html: string;
  junit: string;
  /** undefined when no headless Chromium was found. */
  png: string | undefined;
}

export async function writeReportFiles(report: HarnessReport, parent: string, notes: HtmlNote[] = [], extra: Record<string, unknown> = {}): Promise<ReportFiles> {
  const stamp = report.startedAt.replaceAll(":", "").replace(/\.\d+Z$/, "Z");
  const dir = join(parent, stamp);
  mkdirSync(dir, { recursive: true });
  const files = { dir, markdown: join(dir, "report.md"), json: join(dir, "report.json"), html: join(dir, "report.html"), junit: join(dir, "junit.xml") };
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.json, `${JSON.stringify({ verdict: headline(report), pass: overallPass(report), ...extra, ...report }, null, 2)}\n`);
  writeFileSync(files.html, renderHtml(report, notes));
  writeFileSync(files.junit, renderJunit(report));
  const png = join(dir, "report.png");
  const shot = await screenshot(files.html, png).catch(() => false);
  return { ...files, png: shot ? png : undefined };
}
