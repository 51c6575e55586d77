// The test command (`npm test` after typecheck and lint): host-side tier lifecycle tests first, then the local tier
// is started once (or reused) and every unit and integration test runs inside its network namespace, then the tier
// is stopped if this run started it.
import { spawn } from "node:child_process";
import { up, down, readState, missingBinaries, execArgv } from "../src/localtier/tier.ts";

const run = (cmd: string, args: string[]) =>
  new Promise<number>((resolve) => {
    const child = spawn(cmd, args, { stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

const node = process.execPath;
const only = process.argv.slice(2);
const missing = missingBinaries();
if (missing.length) {
  console.error(`local tier binaries missing (${missing.join(", ")}): run \`npm run local:build\` first (15-30 min cold, cached after)`);
  process.exit(1);
}

let code = 0;
if (only.length === 0) code = await run(node, ["--test", "--test-concurrency=1", "test/host/**/*.test.ts", "test/kind/**/*.test.ts"]);

const startedHere = !readState()?.ready;
const t0 = Date.now();
const state = await up({ progress: (m) => console.error(`  ${m}`) });
console.error(`local tier ${startedHere ? `started in ${((Date.now() - t0) / 1000).toFixed(1)} s` : "reused"}`);
const files = only.length ? only : ["src/**/*.test.ts", "bench/**/*.test.ts", "test/integration/**/*.test.ts"];
const [cmd, ...args] = execArgv(state, [node, "--test", "--test-concurrency=3", "--test-timeout=1800000", ...files]);
try {
  code = (await run(cmd ?? "nsenter", args)) || code;
} finally {
  if (startedHere) await down();
}
process.exit(code);
