// The register check: a register only grows (its write sets the value unless it already holds more), so a read
// that began after a write of `v` was acknowledged must return at least `v`. An older value is a stale read or a
// lost acknowledged write.
import type { History } from "../../load/history.ts";
import { clock, verdict, type CheckResult } from "./check.ts";

export function checkRegister(history: Pick<History, "registerWrites" | "registerReads">): CheckResult {
  const acked = history.registerWrites.filter((w) => w.ok).sort((a, b) => a.endedAt - b.endedAt);
  const offending: string[] = [];
  for (const r of history.registerReads) {
    let floor: (typeof acked)[number] | undefined;
    for (const w of acked) {
      if (w.endedAt >= r.startedAt) break;
      if (w.register === r.register && (!floor || w.value > floor.value)) floor = w;
    }
    if (floor && (r.value === null || r.value < floor.value))
      offending.push(`read op #${r.op} of register ${r.register + 1} at ${clock(r.startedAt)} returned ${r.value ?? "not found"}, but op #${floor.op}'s write of ${floor.value} was acknowledged at ${clock(floor.endedAt)}, before the read began`);
  }
  return verdict("register", "a read never returns an older value than one acknowledged before it began", history.registerReads.length, offending,
    `${history.registerReads.length} register reads, none older than an acknowledged write (${acked.length} writes acknowledged)`,
    (n) => `${n} of ${history.registerReads.length} register reads returned an older value than an acknowledged write`);
}
