// The bank check: transfers move money between accounts in one FQL transaction each, so every read of all the
// balances in one query must sum to the opening total. A read that sums to anything else saw a transfer half
// done (writes not atomic) or lost (updates not isolated).
import { BANK } from "../../load/workloads.ts";
import type { BankRead, History } from "../../load/history.ts";
import { clock, verdict, type CheckResult } from "./check.ts";

export const BANK_TOTAL = BANK.accounts * BANK.initialBalance;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** `final` is the read made after the load stopped and the cluster was Ready again. */
export function checkBank(history: Pick<History, "bankReads" | "transfers">, final?: BankRead, total = BANK_TOTAL): CheckResult {
  const reads = final ? [...history.bankReads, final] : history.bankReads;
  const offending = reads.filter((r) => sum(r.balances) !== total).map((r) => {
    const during = history.transfers.filter((t) => t.startedAt <= r.endedAt && t.endedAt >= r.startedAt).map((t) => `#${t.op}`);
    const who = r.op < 0 ? "the final read" : `read op #${r.op}`;
    return `${who} at ${clock(r.startedAt)}–${clock(r.endedAt)} summed to ${sum(r.balances)}, not ${total} (balances ${r.balances.join(", ")})${during.length ? `; transfers in flight: ${during.slice(0, 8).join(", ")}${during.length > 8 ? ", …" : ""}` : ""}`;
  });
  const committed = history.transfers.filter((t) => t.outcome === "ok").length;
  return verdict("bank", `the total of ${total} never changes across ${committed} committed transfers`, reads.length, offending,
    `${reads.length} reads of all ${BANK.accounts} balances each summed to ${total} (${committed} transfers committed)`,
    (n) => `${n} of ${reads.length} reads of all balances did not sum to ${total}`);
}
