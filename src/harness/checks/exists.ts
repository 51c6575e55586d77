// The read-back check: every acknowledged write is there with its data once the cluster is Ready again.
import type { LostReport } from "../../load/load.ts";
import { clock, verdict, type CheckResult } from "./check.ts";

export function checkExists(found: LostReport): CheckResult {
  const offending = [
    ...found.lost.map((w) => `write of n=${w.n} (document ${w.id}) acknowledged at ${clock(w.at)} is not there`),
    ...found.unreadable.map((u) => `write of n=${u.write.n} (document ${u.write.id}) could not be read back: ${u.error}`),
  ];
  return verdict("exists", "every acknowledged write reads back", found.checked, offending,
    `all ${found.checked} acknowledged writes read back`,
    () => `${found.lost.length} of ${found.checked} acknowledged writes lost${found.unreadable.length ? `, ${found.unreadable.length} unreadable` : ""}`);
}
