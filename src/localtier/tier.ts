// Controls the local tier from the host: up (start in the background, wait until ready), down (stop, and make sure
// no process of the tier's namespace is left), state, exec (run a command inside the namespace).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, openSync, readFileSync, readdirSync, readlinkSync, mkdirSync, rmSync, statSync } from "node:fs";
import { execa } from "execa";
import { join } from "node:path";
import { BINARIES, bin, tierFiles, workDir, REPO_ROOT, binDir } from "./paths.ts";

export interface TierState {
  daemonPid: number;
  innerPid: number;
  apiPort: number;
  netns: string;
  ready: boolean;
  kubeconfig: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export function readState(dir = workDir()): TierState | undefined {
  const f = tierFiles(dir).state;
  if (!existsSync(f)) return undefined;
  try {
    const s = JSON.parse(readFileSync(f, "utf8")) as TierState;
    return alive(s.daemonPid) ? s : undefined;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".ts")) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** Pods run the compiled CLI (dist/); rebuild it when any source file is newer. */
export async function ensureCompiledCli(progress: (m: string) => void): Promise<void> {
  const main = join(REPO_ROOT, "dist", "cli", "main.js");
  const built = existsSync(main) ? statSync(main).mtimeMs : 0;
  if (built >= newestMtime(join(REPO_ROOT, "src"))) return;
  progress("compiling the CLI for pods (tsc -p tsconfig.build.json)");
  const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  await execa(process.execPath, [tsc, "-p", join(REPO_ROOT, "tsconfig.build.json")], { cwd: REPO_ROOT });
  const { utimesSync } = await import("node:fs");
  const now = new Date();
  utimesSync(main, now, now);
}

export function missingBinaries(): string[] {
  return BINARIES.filter((b) => !existsSync(bin(b)));
}

export async function up(opts: { dir?: string; timeoutMs?: number; progress?: (m: string) => void } = {}): Promise<TierState> {
  const dir = opts.dir ?? workDir();
  const progress = opts.progress ?? (() => {});
  const running = readState(dir);
  if (running?.ready) {
    await ensureCompiledCli(progress); // pods started from now on run the current sources
    return running;
  }
  if (running) throw new Error(`a tier is starting or broken in ${dir} (daemon pid ${running.daemonPid}); run local:down first`);
  const missing = missingBinaries();
  if (missing.length) throw new Error(`local tier binaries missing in ${binDir()}: ${missing.join(", ")} — run: npm run local:build`);
  await ensureCompiledCli(progress);
  const files = tierFiles(dir);
  // Every tier starts empty: no objects, volumes or pod directories survive from an earlier one.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(files.logs, { recursive: true });
  const port = await freePort();
  const out = openSync(files.daemonLog, "a");
  const daemon = spawn(process.execPath, [join(REPO_ROOT, "src", "localtier", "daemon.ts"), dir, String(port)], {
    stdio: ["ignore", out, out],
    detached: true,
  });
  daemon.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let lastLine = "";
  const tierLog = join(files.logs, "tier.log");
  while (Date.now() < deadline) {
    const s = readState(dir);
    if (s?.ready) return s;
    if (daemon.exitCode !== null || (!s && Date.now() > deadline - (opts.timeoutMs ?? 120_000) + 3000 && !alive(daemon.pid ?? -1))) {
      throw new Error(`the local tier failed to start; see ${tierLog} and ${files.logs}/`);
    }
    if (existsSync(tierLog)) {
      const line = readFileSync(tierLog, "utf8").trimEnd().split("\n").pop() ?? "";
      if (line !== lastLine) progress(line);
      lastLine = line;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local tier was not ready within ${(opts.timeoutMs ?? 120_000) / 1000} s; see ${tierLog}`);
}

/** PIDs of every process in the given network namespace (the tier's), found through /proc. */
export function processesInNetns(netns: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/net`) === netns) pids.push(Number(e));
    } catch {
      /* exited or not ours */
    }
  }
  return pids;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 120);
  } catch {
    return "?";
  }
}

export async function down(opts: { dir?: string; timeoutMs?: number } = {}): Promise<{ killed: number; strays: string[] }> {
  const dir = opts.dir ?? workDir();
  const f = tierFiles(dir).state;
  if (!existsSync(f)) return { killed: 0, strays: [] };
  const s = JSON.parse(readFileSync(f, "utf8")) as TierState;
  if (alive(s.daemonPid)) process.kill(s.daemonPid, "SIGTERM");
  const deadline = Date.now() + (opts.timeoutMs ?? 45_000);
  while (Date.now() < deadline && (alive(s.daemonPid) || alive(s.innerPid))) await new Promise((r) => setTimeout(r, 200));
  let killed = 0;
  const strays: string[] = [];
  for (const pid of [s.daemonPid, ...(s.netns ? processesInNetns(s.netns) : [])]) {
    if (!alive(pid)) continue;
    strays.push(`${pid} ${commandOf(pid)}`);
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      /* gone */
    }
  }
  rmSync(f, { force: true });
  return { killed, strays };
}

/** Whether this process already runs inside the tier's network namespace (pod IPs and Service IPs reach). */
export function insideTier(state: TierState): boolean {
  try {
    return readlinkSync("/proc/self/ns/net") === state.netns;
  } catch {
    return false;
  }
}

/** argv for running a command inside the tier's namespaces (network, mount — so pod IPs and pod DNS work). */
export function execArgv(state: TierState, command: string[]): string[] {
  // Entering a mount namespace moves the working directory to its root: go back to ours.
  return ["nsenter", "-t", String(state.innerPid), "-U", "-n", "-m", "--preserve-credentials", "--",
    "/bin/sh", "-c", 'cd "$0" && exec "$@"', process.cwd(), ...command];
}

export function exec(command: string[], dir = workDir()): Promise<number> {
  const s = readState(dir);
  if (!s?.ready) return Promise.reject(new Error("no local tier is running: start one with npm run local:up"));
  const [cmd, ...args] = execArgv(s, command);
  return new Promise((resolve) => {
    const child = spawn(cmd ?? "nsenter", args, { stdio: "inherit", env: { ...process.env, KUBECONFIG: s.kubeconfig } });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
