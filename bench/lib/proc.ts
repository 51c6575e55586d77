// A process's resident memory and CPU time from /proc (Linux).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

export interface ProcStats {
  rssMb: number;
  /** VmHWM: the highest resident set so far. */
  peakRssMb: number;
  /** utime + stime. */
  cpuSeconds: number;
}

export function procStats(pid: number | undefined): ProcStats | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    // Fields after the command (which may hold spaces) start after the last ')': utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(rest[11]) + Number(rest[12])) / clockTicks();
    return { rssMb: Math.round(kb("VmRSS") / 102.4) / 10, peakRssMb: Math.round(kb("VmHWM") / 102.4) / 10, cpuSeconds: Math.round(cpu * 100) / 100 };
  } catch {
    return null;
  }
}
