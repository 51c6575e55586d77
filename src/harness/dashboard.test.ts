// dashboards/fauna.json is Grafana dashboard JSON (the dashboard kind's JSON Schema, test/fixtures/grafana) and
// every series it queries is one the harness or the operator exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Registry } from "prom-client";
import { REPO_ROOT } from "../localtier/paths.ts";
import { ControllerMetrics } from "../controller/metrics.ts";
import { kubeMetrics } from "../kube/metrics.ts";
import { harnessMetrics } from "./metrics.ts";

const read = (p: string) => JSON.parse(readFileSync(join(REPO_ROOT, p), "utf8")) as Record<string, unknown>;
const schema = read("test/fixtures/grafana/dashboard.jsonschema.json");
const dashboard = read("dashboards/fauna.json");

interface Panel {
  type: string;
  id: number;
  title?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

function validate(doc: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const ok = ajv.validate(schema, doc);
  return { ok, errors: ajv.errorsText(ajv.errors) };
}

test("dashboards/fauna.json validates as Grafana dashboard JSON; the schema refuses a broken one", () => {
  const r = validate(dashboard);
  assert.ok(r.ok, r.errors);
  const broken = structuredClone(dashboard) as { panels: Record<string, unknown>[] };
  broken.panels[1]!.gridPos = { x: 0, y: 0, w: "wide", h: 8 };
  assert.equal(validate(broken).ok, false);
  const { templating: _t, ...noTemplating } = dashboard;
  assert.equal(validate(noTemplating).ok, false, "templating is required");
});

test("every query names a series the harness or the operator exports; panels have unique ids and do not overlap", async () => {
  const registry = new Registry();
  harnessMetrics(registry);
  new ControllerMetrics(registry);
  kubeMetrics(registry);
  const exported = new Set((await registry.getMetricsAsJSON()).flatMap((m) => (String(m.type) === "histogram" ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])));
  const panels = dashboard.panels as Panel[];
  const exprs = [...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...(dashboard.annotations as { list: { expr?: string }[] }).list.flatMap((a) => (a.expr ? [a.expr] : []))];
  assert.ok(exprs.length >= 15);
  for (const e of exprs) {
    const names = e.match(/\b(fauna|controller_runtime|workqueue|kube_api|leader_election)_[a-z_]+/g) ?? [];
    assert.ok(names.length > 0, `${e} queries none of our series`);
    for (const n of names) assert.ok(exported.has(n), `${n} (in ${e}) is not exported`);
  }
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
  const cells = new Set<string>();
  for (const p of panels)
    for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel at ${x},${y}`);
        cells.add(`${x},${y}`);
      }
});
