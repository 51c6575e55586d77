import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateXML } from "xmllint-wasm";
import { REPO_ROOT } from "../localtier/paths.ts";
import { renderJunit } from "./junit.ts";
import { sampleReport } from "./testing/sampleReport.ts";

const schema = { fileName: "JUnit.xsd", contents: readFileSync(join(REPO_ROOT, "test/fixtures/junit/JUnit.xsd"), "utf8") };

test("junit.xml validates against the JUnit XSD: one testcase per scenario and per check, failures carry the offending operations", async () => {
  const report = sampleReport();
  report.scenarios[0]!.error = "kubectl <delete> failed & \u0007 bell";
  const xml = renderJunit(report);
  const result = await validateXML({ xml: { fileName: "junit.xml", contents: xml }, schema });
  assert.equal(result.valid, true, result.errors.map((e) => e.message).join("\n"));
  assert.equal((xml.match(/<testcase /g) ?? []).length, 2 * 4 + 1, "2 scenarios × (scenario + 3 checks) + 1 not run");
  assert.match(xml, /<testcase name="check bank: bank claim" classname="harness.kill-replica" time="0.000">\n\s+<failure message="2 of 120 reads[^"]*" type="AssertionError">2 of 120[^<]*read op #412/);
  assert.match(xml, /<error message="could not run: kubectl &lt;delete&gt; failed &amp; {2}bell"/);
  assert.match(xml, /<skipped\/>/);
});

test("the schema check can fail: a testcase without its time is refused", async () => {
  const xml = renderJunit(sampleReport()).replace(/ time="[\d.]+"(\/?>)/, "$1");
  const result = await validateXML({ xml: { fileName: "junit.xml", contents: xml }, schema });
  assert.equal(result.valid, false);
  assert.match(result.errors[0]!.message, /time/);
});
