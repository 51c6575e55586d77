import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../localtier/paths.ts";
import { renderHtml } from "./reportHtml.ts";
import { findChromium, screenshot } from "./screenshot.ts";
import { sampleReport } from "./testing/sampleReport.ts";

const OUT = join(REPO_ROOT, ".work", "test-output", "report-html");

test("report.html stands alone: inline SVG charts per scenario, the verdict table, the failing check's operations", () => {
  const html = renderHtml(sampleReport(), [{ title: "Clocks", lines: ["writes kept committing"], pass: true }]);
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|url\(/, "nothing is fetched at view time");
  assert.equal((html.match(/<svg xmlns/g) ?? []).length, 2, "one timeline per scenario");
  assert.match(html, /<tr class="fail"><td><a href="#kill-replica">kill-replica<\/a><\/td><td>FAIL<\/td>/);
  assert.match(html, /read op #412 at 10:00:13.120/);
  assert.match(html, /fauna-replica-3-2 down from t=6s/, "node lanes");
  assert.match(html, /stroke="#d9534f" stroke-width="2" points=/, "a p99 line");
  assert.match(html, /<b>Clocks<\/b><br>writes kept committing/);
});

test("headless Chromium renders report.html; the PNG is kept beside it", { skip: findChromium() ? false : "no chromium (apt-get install -y chromium)" }, async () => {
  mkdirSync(OUT, { recursive: true });
  const html = join(OUT, "report.html");
  const png = join(OUT, "report.png");
  writeFileSync(html, renderHtml(sampleReport(), [{ title: "Does FaunaDB depend on clocks?", lines: ["Writes kept committing through the skew; nothing lost."], pass: true }]));
  assert.equal(await screenshot(html, png, 1900), true);
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(""), "PNG");
  assert.ok(statSync(png).size > 60_000, `a page with charts, not a blank one (${statSync(png).size} bytes)`);
});
