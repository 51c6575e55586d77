// Child processes of the tier: each logs to its own file, is stopped with SIGTERM then SIGKILL, and can be awaited.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Own process group, so stop() also reaches the process's children. */
  group?: boolean;
}

export function spawnLogged(name: string, command: string, args: string[], opts: SpawnOptions): ManagedProcess {
  const fd = openSync(opts.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      stdio: ["ignore", fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: opts.group ?? false,
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command} (see ${opts.logFile})`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.once("error", () => resolve(null));
  });
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (opts.group) process.kill(-pid, sig);
      else child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  return {
    name,
    pid,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, hint = ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${hint ? ` — ${hint}` : ""}`);
}
