// After a load: read every acknowledged write back, read all balances once more, and judge the history.
import { findLost, once, type Endpoint, type LostReport, type RunningLoad } from "../../load/load.ts";
import type { BankRead } from "../../load/history.ts";
import { readBalances } from "../../load/workloads.ts";
import { checkBank } from "./bank.ts";
import type { CheckResult } from "./check.ts";
import { checkExists } from "./exists.ts";
import { checkRegister } from "./register.ts";

export type { CheckResult } from "./check.ts";

export interface Judged {
  checks: CheckResult[];
  lost: LostReport;
}

/** The final balances, retried a few times (the cluster may still settle); undefined when they cannot be read. */
async function finalBalances(endpoint: () => Endpoint, secret: string, load: RunningLoad): Promise<BankRead | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const startedAt = Date.now();
    try {
      const balances = await once<number[]>(endpoint(), secret, readBalances(load.names));
      return { op: -1, startedAt, endedAt: Date.now(), balances };
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  return undefined;
}

export async function judge(endpoint: () => Endpoint, secret: string, load: RunningLoad): Promise<Judged> {
  const lost = await findLost(endpoint, secret, load.names.writes, load.acked);
  const final = await finalBalances(endpoint, secret, load);
  return { lost, checks: [checkExists(lost), checkBank(load.history, final), checkRegister(load.history)] };
}
