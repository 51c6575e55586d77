import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyLocks, readIsCurrent, staleReads, txnTime } from "./txn.ts";

test("a read is current when it saw the log's newest version (or newer); absent reads are stale once the log has the key", () => {
  assert.equal(readIsCurrent(5, 5), true);
  assert.equal(readIsCurrent(6, 5), true);
  assert.equal(readIsCurrent(4, 5), false);
  assert.equal(readIsCurrent(null, 5), false);
  assert.equal(readIsCurrent(null, undefined), true);
  const latest = new Map([["a", 10], ["b", 20]]);
  assert.deepEqual(staleReads([["a", 10], ["b", 19], ["c", null]], (k) => latest.get(k)), ["b"]);
});

test("a transaction's time is later than every version it read or overwrites, even on a clock behind", () => {
  const latest = new Map([["a", 1000]]);
  assert.equal(txnTime(500, [["b", 700]], ["a"], (k) => latest.get(k)), 1001);
  assert.equal(txnTime(2000, [["b", 700]], ["a"], (k) => latest.get(k)), 2000);
  assert.equal(txnTime(500, [["b", 900]], ["c"], (k) => latest.get(k)), 901);
});

test("key locks: a second holder of a key waits for the first; disjoint keys do not", async () => {
  const locks = new KeyLocks();
  const order: string[] = [];
  const r1 = await locks.acquire(["b", "a"]);
  assert.ok(locks.isLocked("a") && locks.isLocked("b"));
  const second = locks.acquire(["a"]).then((r) => {
    order.push("second");
    r();
  });
  const other = await locks.acquire(["c"]);
  order.push("other");
  other();
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, ["other"]);
  r1();
  await second;
  assert.deepEqual(order, ["other", "second"]);
  assert.equal(locks.isLocked("a"), false);
});
