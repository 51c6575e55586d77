import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "./clock.ts";
import { WorkQueue } from "./queue.ts";
import { applyResult, done, failed, requeueAfter } from "./result.ts";

function setup() {
  const clock = new FakeClock();
  return { clock, queue: new WorkQueue({ clock }) };
}

describe("applyResult", () => {
  it("done forgets the backoff and does not re-add", async () => {
    const { queue, clock } = setup();
    queue.addRateLimited("k");
    queue.addRateLimited("k");
    assert.equal(applyResult(queue, "k", done()), "success");
    assert.equal(queue.retries("k"), 0);
    await clock.advance(60_000);
    assert.equal(queue.length, 1, "only the earlier rate-limited add remains");
  });

  it("requeue re-adds after the delay and resets the backoff", async () => {
    const { queue, clock } = setup();
    queue.addRateLimited("k");
    await clock.advance(5);
    await queue.get();
    queue.done("k");
    assert.equal(applyResult(queue, "k", requeueAfter(30_000)), "requeue_after");
    assert.equal(queue.retries("k"), 0);
    await clock.advance(29_999);
    assert.equal(queue.length, 0);
    await clock.advance(1);
    assert.equal(queue.length, 1);
  });

  it("requeue delays have a floor", async () => {
    const { queue, clock } = setup();
    applyResult(queue, "k", requeueAfter(0), { minRequeueMs: 500 });
    await clock.advance(499);
    assert.equal(queue.length, 0);
    await clock.advance(1);
    assert.equal(queue.length, 1);
  });

  it("an error retries with growing backoff", async () => {
    const { queue, clock } = setup();
    assert.equal(applyResult(queue, "k", failed(new Error("boom"))), "error");
    assert.equal(applyResult(queue, "k", failed(new Error("boom"))), "error");
    assert.equal(queue.retries("k"), 2);
    await clock.advance(5);
    assert.equal(queue.length, 1, "the earliest retry wins");
  });

  it("a terminal error is not retried", async () => {
    const { queue, clock } = setup();
    queue.addRateLimited("k");
    assert.equal(applyResult(queue, "k", failed(new Error("invalid spec"), true)), "terminal_error");
    assert.equal(queue.retries("k"), 0);
    await clock.advance(1_000_000);
    assert.equal(queue.length, 1, "only the add made before the pass");
  });
});
