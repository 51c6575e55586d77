// A check's verdict on what the load did: passed or not, how much it looked at, and the operations that broke it,
// named so a person can find them in the history (report.json) and the cluster's logs.

export interface CheckResult {
  name: "exists" | "bank" | "register";
  /** What it proves, in a few words. */
  claim: string;
  passed: boolean;
  /** How many operations or documents it judged. */
  checked: number;
  /** One line: what was found. */
  summary: string;
  /** The offending operations, one line each (at most MAX_NAMED; `offendingCount` has them all). */
  offending: string[];
  offendingCount: number;
}

export const MAX_NAMED = 20;

export const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export function verdict(name: CheckResult["name"], claim: string, checked: number, offending: string[], ok: string, bad: (n: number) => string): CheckResult {
  return {
    name, claim, checked, passed: offending.length === 0 && checked > 0,
    summary: checked === 0 ? "nothing to judge: no such operation completed" : offending.length === 0 ? ok : bad(offending.length),
    offending: offending.slice(0, MAX_NAMED),
    offendingCount: offending.length,
  };
}
