// Prints the local tier's figures: the cold build time of its binaries (recorded by hack/build-localtier.sh), the
// warm start time (`up` until the API answers and nodes are Ready), and the resident memory of its processes.
// Usage: node bench/localtier.ts [runs=3]   (stops any running tier first)
import { readFileSync, existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { up, down, processesInNetns } from "../src/localtier/tier.ts";
import { binDir } from "../src/localtier/paths.ts";

const runs = Number(process.argv[2] ?? 3);
const info = join(binDir(), "build-info.json");
if (existsSync(info)) {
  const b = JSON.parse(readFileSync(info, "utf8")) as { seconds: number; k8s: string; etcd: string; kwok: string; builtAt: string };
  console.log(`cold build (last): ${b.seconds} s for k8s v${b.k8s}, etcd v${b.etcd}, kwok v${b.kwok} (built ${b.builtAt})`);
} else {
  console.log("cold build: not recorded (binaries predate build-info.json); time `npm run local:build` on an empty cache");
}

const rssMb = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
const name = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
};

const starts: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), "tier-bench-"));
  const t0 = performance.now();
  const state = await up({ dir });
  starts.push((performance.now() - t0) / 1000);
  if (i === runs - 1) {
    await new Promise((r) => setTimeout(r, 5000));
    const byName = new Map<string, number>();
    for (const pid of [state.daemonPid, ...processesInNetns(state.netns)]) byName.set(name(pid), (byName.get(name(pid)) ?? 0) + rssMb(pid));
    let total = 0;
    for (const [n, mb] of [...byName].sort((a, b) => b[1] - a[1])) {
      console.log(`  rss ${n.padEnd(24)} ${mb.toFixed(0).padStart(5)} MB`);
      total += mb;
    }
    console.log(`resident memory of the idle tier: ${total.toFixed(0)} MB`);
  }
  await down({ dir });
}
console.log(`warm start (up → ready), ${runs} runs: ${starts.map((s) => s.toFixed(1)).join(" s, ")} s (goal ≤ 20 s)`);
