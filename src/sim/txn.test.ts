import { test } from "node:test";
import assert from "node:assert/strict";
import { currentBy, firstAnswers, KeyLocks, readIsCurrent, segmentAcks, staleReads, txnTime } from "./txn.ts";

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

test("a quorum read answers once enough members have, and with fewer when the rest fail", async () => {
  const after = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));
  const never = new Promise<number>(() => undefined);
  assert.deepEqual(await firstAnswers([after(5, 1), never, after(1, 2)], 2), [2, 1]);
  assert.deepEqual(await firstAnswers([Promise.reject(new Error("down")), after(1, 3)], 2), [3]);
  assert.deepEqual(await firstAnswers([], 1), []);
});

test("reads are current by a log member's versions only if none of its versions is newer", () => {
  assert.equal(currentBy([["a", 10], ["b", null]], [10, null]), true);
  assert.equal(currentBy([["a", 10]], [11]), false, "the member has a newer version of a");
  assert.equal(currentBy([["b", null]], [3]), false, "b exists in the member's log");
  assert.equal(currentBy([["a", 12]], [11]), true, "a version newer than the member's is current as far as it knows");
});
