import { test } from "node:test";
import assert from "node:assert/strict";
import { checkBank, BANK_TOTAL } from "./bank.ts";
import { checkRegister } from "./register.ts";
import { checkExists } from "./exists.ts";
import { emptyHistory } from "../../load/history.ts";

const balances = (total: number) => [total - 700, 100, 100, 100, 100, 100, 100, 100];

test("bank: reads summing to the opening total pass; one that does not fails, named with the transfers in flight", () => {
  const h = emptyHistory();
  h.bankReads.push({ op: 3, startedAt: 1000, endedAt: 1010, balances: balances(BANK_TOTAL) });
  h.transfers.push({ op: 4, from: 0, to: 1, amount: 5, startedAt: 1005, endedAt: 1020, outcome: "ok" });
  assert.equal(checkBank(h).passed, true);
  h.bankReads.push({ op: 9, startedAt: 1015, endedAt: 1030, balances: balances(BANK_TOTAL - 5) });
  const r = checkBank(h, { op: -1, startedAt: 2000, endedAt: 2001, balances: balances(BANK_TOTAL) });
  assert.equal(r.passed, false);
  assert.equal(r.checked, 3);
  assert.equal(r.offendingCount, 1);
  assert.match(r.offending[0]!, /^read op #9 .* summed to 795, not 800 .*transfers in flight: #4$/);
  assert.equal(checkBank(emptyHistory()).passed, false, "no read at all proves nothing");
});

test("register: a read that began after an acknowledged write must not return less; overlapping writes do not count", () => {
  const h = emptyHistory();
  h.registerWrites.push({ op: 1, register: 0, value: 1, startedAt: 0, endedAt: 10, ok: true });
  h.registerWrites.push({ op: 2, register: 0, value: 2, startedAt: 20, endedAt: 40, ok: true });
  h.registerWrites.push({ op: 3, register: 1, value: 9, startedAt: 0, endedAt: 5, ok: true });
  h.registerWrites.push({ op: 4, register: 0, value: 7, startedAt: 0, endedAt: 5, ok: false });
  h.registerReads.push({ op: 5, register: 0, value: 1, startedAt: 30, endedAt: 35 }); // write 2 not yet acked: fine
  h.registerReads.push({ op: 6, register: 0, value: 2, startedAt: 50, endedAt: 55 });
  assert.equal(checkRegister(h).passed, true);
  h.registerReads.push({ op: 7, register: 0, value: 1, startedAt: 60, endedAt: 65 });
  h.registerReads.push({ op: 8, register: 1, value: null, startedAt: 60, endedAt: 65 });
  const r = checkRegister(h);
  assert.equal(r.passed, false);
  assert.equal(r.offendingCount, 2);
  assert.match(r.offending[0]!, /^read op #7 of register 1 .* returned 1, but op #2's write of 2 was acknowledged/);
  assert.match(r.offending[1]!, /^read op #8 of register 2 .* returned not found, but op #3's write of 9/);
});

test("exists: lost and unreadable writes are named", () => {
  const w = { id: "42", n: 7, at: 0 };
  assert.equal(checkExists({ checked: 3, lost: [], unreadable: [] }).passed, true);
  const r = checkExists({ checked: 3, lost: [w], unreadable: [{ write: { ...w, id: "43" }, error: "time out" }] });
  assert.equal(r.passed, false);
  assert.deepEqual(r.offending, ["write of n=7 (document 42) acknowledged at 00:00:00.000 is not there", "write of n=7 (document 43) could not be read back: time out"]);
});
