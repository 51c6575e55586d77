import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ItemBackoff } from "./backoff.ts";
import { FakeClock, flush } from "./clock.ts";
import { WorkQueue } from "./queue.ts";

function newQueue() {
  const clock = new FakeClock();
  const counts = { added: 0, retried: 0, depth: 0 };
  const queue = new WorkQueue({
    clock,
    metrics: { added: () => counts.added++, retried: () => counts.retried++, depth: (n) => (counts.depth = n) },
  });
  return { clock, queue, counts };
}

describe("WorkQueue", () => {
  it("stores a key once however often it is added", async () => {
    const { queue, counts } = newQueue();
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    assert.equal(queue.length, 2);
    assert.equal(counts.added, 2);
    assert.equal(await queue.get(), "ns/a");
    assert.equal(await queue.get(), "ns/b");
    assert.equal(queue.length, 0);
  });

  it("never hands a key to two workers, and re-runs it once when re-added mid-pass", async () => {
    const { queue } = newQueue();
    queue.add("k");
    const first = await queue.get();
    assert.equal(first, "k");
    queue.add("k");
    queue.add("k");
    assert.equal(queue.length, 0, "a key in flight must not be handed out again");
    let second: string | undefined;
    void queue.get().then((k) => (second = k));
    await flush();
    assert.equal(second, undefined);
    queue.done("k");
    await flush();
    assert.equal(second, "k", "the dirty key runs once more after done");
    queue.done("k");
    assert.equal(queue.length, 0, "and only once");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const { queue } = newQueue();
    const got = queue.get();
    queue.add("x");
    assert.equal(await got, "x");
  });

  it("grows the per-key backoff exponentially and resets it on forget", async () => {
    const { queue, clock, counts } = newQueue();
    const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited("k"));
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    assert.equal(queue.retries("k"), 5);
    assert.equal(counts.retried, 5);
    assert.equal(queue.addRateLimited("other"), 5, "backoff is per key");
    queue.forget("k");
    assert.equal(queue.retries("k"), 0);
    assert.equal(queue.addRateLimited("k"), 5);
    await clock.advance(5);
    assert.equal(queue.length, 2);
  });

  it("caps the backoff at 1000 s", () => {
    const b = new ItemBackoff();
    let last = 0;
    for (let i = 0; i < 80; i++) last = b.next("k");
    assert.equal(last, 1_000_000);
  });

  it("adds a key only after the addAfter delay, keeping the earliest deadline", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("k", 1000);
    queue.addAfter("k", 5000);
    await clock.advance(999);
    assert.equal(queue.length, 0);
    await clock.advance(1);
    assert.equal(queue.length, 1);
    assert.equal(queue.delayedCount, 0);
    await queue.get();
    queue.done("k");
    await clock.advance(10_000);
    assert.equal(queue.length, 0, "the later deadline was dropped, not kept as a second add");
  });

  it("moves a pending addAfter earlier when asked", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("k", 5000);
    queue.addAfter("k", 100);
    await clock.advance(100);
    assert.equal(queue.length, 1);
    await queue.get();
    queue.done("k");
    await clock.advance(5000);
    assert.equal(queue.length, 0);
  });

  it("on shutdown stops handing out keys, releases waiters, and drain waits for work in flight", async () => {
    const { queue, clock } = newQueue();
    queue.add("busy");
    queue.add("queued");
    queue.addAfter("later", 100);
    const busy = await queue.get();
    assert.equal(busy, "busy");
    let drained = false;
    const drain = queue.drain().then(() => (drained = true));
    assert.equal(await queue.get(), undefined);
    queue.add("new");
    await clock.advance(1000);
    await flush();
    assert.equal(drained, false, "drain waits for the key in flight");
    queue.done("busy");
    await drain;
    assert.equal(drained, true);
    assert.equal(queue.length, 1, "nothing new was accepted after shutdown");
  });

  it("a waiting worker gets undefined on shutdown", async () => {
    const { queue } = newQueue();
    const waiting = queue.get();
    queue.shutdown();
    assert.equal(await waiting, undefined);
  });
});
