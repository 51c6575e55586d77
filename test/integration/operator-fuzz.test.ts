// The operator never crashes on an object the API server accepts (issue 3, "Done when"): ≥ 30 random FaunaClusters
// from the seeded generator (test/fixtures/faunacluster/random.ts) are created with strict field validation in one
// namespace while one operator runs; each must be observed (status.observedGeneration == generation, or a Degraded
// condition), the process must stay up and healthy, and deleting them all must complete (finalizers removed).
// Node counts are capped (replicas ≤ 3, nodes ≤ 1) and no pod carries the tier's run annotation: pods are only marked
// Ready, no FaunaDB process runs, so the operator also meets unreachable nodes on every cluster.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-fuzz.test.ts
// Replay another draw with FUZZ_SEED=<n>.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { validateFaunaCluster } from "../../src/api/validate.ts";
import { prng, randomCluster } from "../fixtures/faunacluster/random.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, type RunningOperator } from "../support/operator.ts";

const WANTED = 30;
const MAX_DRAWS = 2000;
const SEED = Number(process.env.FUZZ_SEED ?? 20260311);
const RUN_ANNOTATION = "local.fauna-operator.io/run";

const suite = operatorSuite({ namespacePrefix: "opfuzz", healthPort: 18114 });
const created: string[] = [];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** Fewer, smaller nodes: at most 3 replicas of at most 1 node, and never a real process on the tier. */
function shrink(raw: unknown): unknown {
  const c = structuredClone(raw) as Obj;
  const spec = c["spec"];
  if (!isObj(spec)) return c;
  if (Array.isArray(spec["replicas"])) {
    spec["replicas"] = spec["replicas"].slice(0, 3);
    for (const r of spec["replicas"] as unknown[]) {
      if (isObj(r) && typeof r["nodes"] === "number") r["nodes"] = Math.min(r["nodes"], 1);
    }
  }
  const pm = spec["podMetadata"];
  if (isObj(pm) && isObj(pm["annotations"])) delete pm["annotations"][RUN_ANNOTATION];
  return c;
}

const alive = (o: RunningOperator) => o.proc.exitCode === null && o.proc.signalCode === null;
const status = async (path: string) => (await fetch(`http://127.0.0.1:${suite.op?.healthPort}${path}`)).status;

function observed(c: FaunaCluster): boolean {
  const degraded = c.status?.conditions?.some((x) => x.type === "Degraded" && x.status === "True") ?? false;
  return c.status?.observedGeneration === c.metadata.generation || degraded;
}

describe(`operator fuzz: ${WANTED} random valid FaunaClusters (seed ${SEED})`, { timeout: 600_000 }, () => {
  it("creates them with strict field validation", async () => {
    const r = prng(SEED);
    const refused: string[] = [];
    let draws = 0;
    while (created.length < WANTED && draws < MAX_DRAWS) {
      draws++;
      const raw = shrink(randomCluster(r)) as Obj;
      const name = `fz-${created.length}`;
      raw["metadata"] = { name, namespace: suite.ns };
      // What our validator (the TS mirror of the schema and CEL rules) accepts is what the API server should accept.
      if (validateFaunaCluster(raw).length > 0) continue;
      try {
        await suite.tier.kubectl(["create", "--validate=strict", "-f", "-"], JSON.stringify(raw));
        created.push(name);
      } catch (err) {
        refused.push(`${String(err).split("\n").slice(-3).join(" ")}\n  ${JSON.stringify(raw["spec"])}`);
      }
    }
    console.log(`fuzz: ${created.length} created from ${draws} draws; ${refused.length} accepted by the TS validator but refused by the API server`);
    for (const x of refused) console.log(`refused: ${x}`);
    assert.equal(created.length, WANTED, `only ${created.length} valid clusters in ${draws} draws`);
    assert.ok(refused.length <= 3, "the TS validator and the CRD disagree too often (see refused: lines)");
  });

  it("observes every one of them and stays up and healthy", async () => {
    const op = suite.op;
    assert.ok(op);
    const t0 = Date.now();
    const pending = await eventually("every FaunaCluster observed", async () => {
      if (op && !alive(op)) throw new Error(`the operator exited (${op.proc.exitCode ?? op.proc.signalCode})`);
      const items = (JSON.parse(await suite.tier.kubectl(["-n", suite.ns, "get", "faunaclusters", "-o", "json"])) as { items: FaunaCluster[] }).items;
      const waiting = items.filter((c) => !observed(c)).map((c) => c.metadata.name);
      return items.length === WANTED && waiting.length === 0 ? items : undefined;
    }, 480_000, 2000).catch(suite.failWithLogTail);
    const degraded = pending.filter((c) => c.status?.conditions?.some((x) => x.type === "Degraded" && x.status === "True"));
    const reasons = [...new Set(degraded.map((c) => c.status?.conditions?.find((x) => x.type === "Degraded")?.reason))];
    console.log(`fuzz: all ${WANTED} observed after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${degraded.length} Degraded (${reasons.join(", ")})`);
    for (const c of degraded) {
      const d = c.status?.conditions?.find((x) => x.type === "Degraded");
      console.log(`degraded: ${c.metadata.name} ${d?.reason}: ${d?.message?.slice(0, 300)}`);
    }
    assert.ok(alive(op), "the operator is still running");
    assert.equal(await status("/healthz"), 200);
    assert.equal(await status("/readyz"), 200);
    const fatal = readFileSync(op.logFile, "utf8").split("\n").filter((l) => /"level":60|uncaught|unhandled/i.test(l));
    assert.deepEqual(fatal, [], "no fatal or uncaught errors in the operator log");
  });

  it("deletes them all (the operator removes its finalizer from each) and is still healthy", async () => {
    const op = suite.op;
    assert.ok(op);
    await suite.tier.kubectl(["-n", suite.ns, "delete", "faunaclusters", "--all", "--wait=false"]);
    await eventually("every FaunaCluster gone", async () => {
      if (op && !alive(op)) throw new Error(`the operator exited (${op.proc.exitCode ?? op.proc.signalCode})`);
      return (await suite.tier.kubectl(["-n", suite.ns, "get", "faunaclusters", "-o", "name"])).trim() === "" || undefined;
    }, 180_000, 2000).catch(async (err: unknown) => {
      const left = await suite.tier.kubectl(["-n", suite.ns, "get", "faunaclusters", "-o", "name"]).catch(() => "");
      throw new Error(`${String(err)}\nleft: ${left}\noperator log tail:\n${suite.logTail()}`);
    });
    assert.ok(alive(op), "the operator is still running");
    assert.equal(await status("/healthz"), 200);
    const errors = (await op.metrics()).split("\n").filter((l) => l.startsWith("controller_runtime_reconcile_errors_total"));
    console.log(`fuzz: ${errors.join(" ") || "no reconcile errors"}`);
  });
});
