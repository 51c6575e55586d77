import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyLocks, readIsCurrent, segmentAcks, staleReads, txnTime } from "./txn.ts";

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

test("a segment's appends: done at a majority once the leader answered; a dead member does not hold the commit", async () => {
  const never = new Promise<number>(() => {});
  const after = (ms: number, v: number) => new Promise<number>((r) => setTimeout(() => r(v), ms));
  const t0 = Date.now();
  const r = await segmentAcks([{ host: "a", ack: after(5, 1) }, { host: "b", ack: after(10, 2) }, { host: "c", ack: never }], "a", 2);
  assert.deepEqual(r, { clocks: [1, 2], quorum: true });
  assert.ok(Date.now() - t0 < 500);
  const leaderSlow = await segmentAcks([{ host: "a", ack: after(40, 9) }, { host: "b", ack: after(1, 2) }, { host: "c", ack: after(2, 3) }], "a", 2);
  assert.deepEqual(leaderSlow.clocks.sort(), [2, 3, 9], "the leader's clock counts even when a majority answered first");
  const failed = await segmentAcks([{ host: "a", ack: Promise.reject(new Error("x")) }, { host: "b", ack: after(1, 2) }, { host: "c", ack: Promise.reject(new Error("y")) }], "a", 2);
  assert.equal(failed.quorum, false);
});
