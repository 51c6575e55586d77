// Prints start time (spawn → admin port answering) and RSS of N simulator nodes (goal: ≤ 300 ms, ≤ 60 MB each).
// Usage: node bench/sim-start.ts [nodes=9]
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { admin, kill, prepare, start, waitAdmin } from "../src/sim/testing/processCluster.ts";
import { ensureCompiledCli } from "../src/localtier/tier.ts";
import { FAST_SIM_ENV } from "../src/sim/settings.ts";
import { REPO_ROOT } from "../src/localtier/paths.ts";

const count = Number(process.argv[2] ?? 9);
// Measure what pods run: the compiled CLI (src/ through type stripping costs ~35 MB more per node).
if (!process.env.FAUNA_SIM_ENTRY) {
  await ensureCompiledCli((m) => process.stdout.write(`${m}\n`));
  process.env.FAUNA_SIM_ENTRY = join(REPO_ROOT, "dist", "cli", "faunadb.js");
}
process.stdout.write(`entry: ${process.env.FAUNA_SIM_ENTRY}\n`);
const base = mkdtempSync(join(tmpdir(), "sim-bench-"));
const nodes = Array.from({ length: count }, (_, i) => prepare(base, `n${i}`, `127.0.0.${100 + i}`));
try {
  for (const n of nodes) {
    const t0 = performance.now();
    start(n, FAST_SIM_ENV); // start time without FaunaDB's deliberate start delay (FAUNA_SIM_START_DELAY_MS)
    await waitAdmin(n);
    const ms = performance.now() - t0;
    const status = readFileSync(`/proc/${n.proc!.pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    process.stdout.write(`${n.name} start ${ms.toFixed(0)} ms  rss ${rss.toFixed(1)} MB\n`);
  }
  await admin(nodes[0]!, "POST", "/admin/init", { replica_name: "r1" });
  for (const n of nodes.slice(1)) await admin(n, "POST", "/admin/join", { seed: nodes[0]!.address, replica_name: "r1" });
  await new Promise((r) => setTimeout(r, 2000));
  for (const n of nodes) {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${n.proc!.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    process.stdout.write(`${n.name} member rss ${rss.toFixed(1)} MB\n`);
  }
} finally {
  await Promise.all(nodes.map((n) => kill(n, "SIGTERM")));
  rmSync(base, { recursive: true, force: true });
}
