// Starts one container as a host process in a private mount and UTS namespace: the pod's volumes are bind-mounted
// at their mountPaths, the hostname is the pod's, and the pod's command runs with its resolved environment.
import { spawn } from "node:child_process";
import { pipeCriLog } from "./criLog.ts";
import type { Mount } from "./volumes.ts";

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Host paths a pod process needs (the project, the shim, node) made visible under a stage dir first, so that no
 * pod volume mounted later (say an emptyDir on /tmp) can hide them. */
export interface Stage {
  dir: string;
  binds: Array<{ source: string; name: string }>;
}

export function launchScript(mounts: Mount[], hostname: string, workingDir: string | undefined, stage?: Stage): string {
  const lines = ["set -e", `hostname ${shellQuote(hostname)}`];
  for (const b of stage?.binds ?? []) {
    const dst = shellQuote(`${stage?.dir}/${b.name}`);
    lines.push(`mkdir -p ${dst}`, `mount --bind ${shellQuote(b.source)} ${dst}`);
  }
  for (const m of mounts) {
    const src = shellQuote(m.source);
    const dst = shellQuote(m.target);
    lines.push(
      `if [ -d ${src} ]; then mkdir -p ${dst}; else mkdir -p "$(dirname ${dst})"; [ -e ${dst} ] || : > ${dst}; fi`,
      `mount --bind ${src} ${dst}`,
    );
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${dst}`);
  }
  if (workingDir) lines.push(`cd ${shellQuote(workingDir)}`);
  lines.push('exec "$@"');
  return lines.join("\n");
}

export interface Launched {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function launchContainer(argv: string[], env: Record<string, string>, mounts: Mount[], hostname: string,
  workingDir: string | undefined, logFile: string, stage?: Stage): Launched {
  const child = spawn("unshare", ["-m", "-u", "--propagation", "private", "--", "/bin/sh", "-c",
    launchScript(mounts, hostname, workingDir, stage), "container", ...argv], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const logged = pipeCriLog(logFile, child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // A grandchild may keep the pipes open after the container's process exits: wait for the log a little only.
    child.once("exit", (code, signal) => {
      void Promise.race([logged, new Promise((r) => setTimeout(r, 1000))]).then(() => resolve({ code, signal }));
    });
    child.once("error", () => resolve({ code: 127, signal: null }));
  });
  return { pid: child.pid ?? -1, exited };
}
