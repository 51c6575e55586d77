// `npm run bench`: the tier and simulator figures (bench/localtier.ts, bench/sim-start.ts), then, on the local tier
// (started here if none runs, and stopped after), the operator's benchmarks — convergence (3 × 3 apply → Ready,
// reconcile cost, heal, leader handover), baseline (no operator; its ratios need convergence's figures), scale (1 →
// 100 clusters, the longest) — one after the other, then one table of every figure with its goal. Each benchmark
// writes its section of bench/results.json.
// Usage: npm run bench [-- --only convergence,baseline,scale] [--skip-tier-figures] [--counts 1,10,50,100] [--keep]
import { execa } from "execa";
import { parseArgs } from "node:util";
import { down, exec, readState } from "../src/localtier/tier.ts";
import { ensureTier } from "../src/cli/tierSetup.ts";
import { readResults, table, verdict } from "./lib/report.ts";

const { values: o } = parseArgs({
  options: {
    only: { type: "string", default: "convergence,baseline,scale" },
    "skip-tier-figures": { type: "boolean", default: false },
    counts: { type: "string", default: "1,10,50,100" },
    keep: { type: "boolean", default: false },
  },
});
const say = (m: string) => console.log(m);
const node = process.execPath;

if (!o["skip-tier-figures"]) {
  // These start their own tiers and processes: run them before ours, so they do not share the machine with it.
  if (!readState()?.ready) await execa(node, ["bench/localtier.ts"], { stdio: "inherit" });
  else say("[bench] a tier is running: bench/localtier.ts skipped (it measures tier starts)");
  await execa(node, ["bench/sim-start.ts"], { stdio: "inherit" });
}
const { startedHere } = await ensureTier(say, "bench");
let failed = 0;
try {
  for (const b of o.only.split(",").map((s) => s.trim()).filter(Boolean)) {
    const extra = b === "scale" ? ["--counts", o.counts] : [];
    say(`\n[bench] ${b}`);
    const code = await exec([node, `bench/${b}.ts`, ...extra]);
    if (code !== 0) {
      failed++;
      say(`[bench] ${b} exited ${code}`);
    }
  }
} finally {
  if (startedHere && !o.keep) await down();
}
const results = readResults();
if (results) {
  const rows = Object.entries(results.sections).flatMap(([name, s]) => s.rows.map((r) => ({ ...r, what: `${name}: ${r.what}` })));
  console.log(`\nbench/results.json (${results.machine.cores} cores, ${results.machine.memoryGb} GB):\n${table(rows)}`);
  const misses = rows.filter((r) => verdict(r) === "MISS").length;
  console.log(`\n${misses} figure(s) miss their goal (see bench/RESULTS.md for why)`);
}
process.exitCode = failed > 0 ? 1 : 0;
