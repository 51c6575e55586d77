import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock, flush } from "./clock.ts";
import { type ElectionOutcome, LeaderElector, type LeaseStore } from "./leader.ts";
import { MemoryLeaseStore } from "./memoryLeaseStore.ts";

function candidate(name: string, store: MemoryLeaseStore, clock: FakeClock, jitter = () => 0) {
  const elector = new LeaderElector({ identity: name, store: store.forCaller(name), clock, jitter });
  const stop = new AbortController();
  const log: string[] = [];
  let outcome: ElectionOutcome | undefined;
  const done = elector
    .run(stop.signal, { onStartedLeading: () => log.push("started"), onStoppedLeading: () => log.push("stopped") })
    .then((o) => (outcome = o));
  return { elector, stop, log, done, outcome: () => outcome };
}

describe("LeaderElector", () => {
  it("one of two candidates leads; the other stands by while the lease is renewed", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await flush();
    const b = candidate("b", store, clock);
    await clock.advance(60_000);
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
    assert.equal(store.stored?.record.holderIdentity, "a");
    assert.equal(store.stored?.record.leaseDurationSeconds, 15);
    assert.deepEqual(a.log, ["started"]);
    assert.deepEqual(b.log, []);
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
  });

  it("releases the lease on stop so the standby takes over within one retry period", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await flush();
    const b = candidate("b", store, clock);
    await clock.advance(10_000);
    a.stop.abort();
    await a.done;
    assert.equal(a.outcome(), "stopped");
    assert.deepEqual(a.log, ["started", "stopped"]);
    assert.equal(store.stored?.record.holderIdentity, "");
    await clock.advance(2_000);
    assert.equal(b.elector.isLeader, true);
    assert.equal(store.stored?.record.holderIdentity, "b");
    assert.equal(store.stored?.record.leaseTransitions, 1);
    b.stop.abort();
    await b.done;
  });

  it("with the largest jitter, a released lease is taken within one retry period (SIGTERM handover ≤ 2 s)", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await flush();
    const b = candidate("b", store, clock, () => 0.999);
    await clock.advance(10_000);
    a.stop.abort();
    await a.done;
    const releasedAt = clock.now();
    while (!b.elector.isLeader) await clock.advance(100);
    const took = clock.now() - releasedAt;
    assert.ok(took <= 2_000, `took the released lease after ${took} ms`);
    b.stop.abort();
    await b.done;
  });

  it("a standby waits a full lease duration after the last change before taking a dead leader's lease", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await flush();
    const b = candidate("b", store, clock);
    await clock.advance(4_000);
    store.down.add("a"); // a is cut off: it can no longer renew
    const lastChange = clock.now();
    while (!b.elector.isLeader) await clock.advance(500);
    const waited = clock.now() - lastChange;
    assert.ok(waited >= 13_000 && waited <= 18_000, `took over after ${waited} ms`);
    assert.ok(waited < 20_000, "handover must stay under 20 s");
    await clock.advance(20_000);
    assert.equal(a.outcome(), "lost", "the cut-off leader gives up once its renew deadline passes");
    assert.equal(a.elector.isLeader, false);
    b.stop.abort();
    await b.done;
  });

  it("with the largest jitter, a standby takes a dead leader's lease as soon as it expires, not a retry later", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await flush();
    // b's view of the store, noting when b itself read each renewal of a's.
    const inner = store.forCaller("b");
    const seen = new Map<string, number>();
    const spy: LeaseStore = {
      description: inner.description,
      get: async (signal) => {
        const got = await inner.get(signal);
        if (got && !seen.has(got.record.renewTime)) seen.set(got.record.renewTime, clock.now());
        return got;
      },
      create: (r, signal) => inner.create(r, signal),
      update: (r, v, signal) => inner.update(r, v, signal),
    };
    const b = new LeaderElector({ identity: "b", store: spy, clock, jitter: () => 0.999 });
    const stop = new AbortController();
    const done = b.run(stop.signal);
    await clock.advance(4_000);
    store.down.add("a");
    const lastRenewal = store.stored?.record.renewTime ?? "";
    while (!b.isLeader) await clock.advance(100);
    const seenAt = seen.get(lastRenewal);
    assert.ok(seenAt !== undefined, "b saw a's last renewal");
    // The lease expires (for b) 15 s after b saw the last change; b's jittered retries are 2 s apart.
    const late = clock.now() - (seenAt + 15_000);
    assert.ok(late >= 0 && late <= 200, `b took over ${late} ms after the lease expired`);
    a.stop.abort();
    stop.abort();
    await Promise.all([a.done, done]);
  });

  it("a leader that cannot renew for the renew deadline stops leading before its lease expires elsewhere", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await clock.advance(3_000);
    assert.equal(a.elector.isLeader, true);
    store.down.add("a");
    const cutAt = clock.now();
    while (a.outcome() === undefined) await clock.advance(500);
    const after = clock.now() - cutAt;
    assert.equal(a.outcome(), "lost");
    assert.ok(after >= 8_000 && after < 15_000, `gave up after ${after} ms, before the 15 s lease could pass`);
    assert.deepEqual(a.log, ["started", "stopped"]);
  });

  it("fencing: writes are refused from renewDeadline after the last renewal sent, before the lease can pass on", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await clock.advance(3_000);
    assert.equal(a.elector.mayWrite(), true);
    store.down.add("a");
    const cutAt = clock.now();
    let refusedAfter: number | undefined;
    while (a.outcome() === undefined) {
      await clock.advance(100);
      if (refusedAfter === undefined && !a.elector.mayWrite()) refusedAfter = clock.now() - cutAt;
    }
    assert.ok(refusedAfter !== undefined && refusedAfter <= 10_000, `writes refused after ${refusedAfter} ms`);
    // A frozen leader (no timers ran) is fenced by the clock alone, whatever isLeader still says.
    const b = candidate("b", new MemoryLeaseStore(), clock);
    await clock.advance(3_000);
    assert.equal(b.elector.mayWrite(), true);
    assert.equal(b.elector.mayWrite(clock.now() + 10_001), false);
    assert.equal(b.elector.isLeader, true);
    b.stop.abort();
    await b.done;
  });

  it("survives a transient failure shorter than the renew deadline", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await clock.advance(3_000);
    store.down.add("a");
    await clock.advance(5_000);
    store.down.delete("a");
    await clock.advance(30_000);
    assert.equal(a.elector.isLeader, true);
    assert.equal(a.outcome(), undefined);
    a.stop.abort();
    await a.done;
  });

  it("steps down at once when it sees another holder", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = candidate("a", store, clock);
    await clock.advance(3_000);
    const current = store.stored;
    assert.ok(current);
    store.stored = { record: { ...current.record, holderIdentity: "intruder" }, version: "999" };
    await clock.advance(2_000);
    assert.equal(a.outcome(), "lost");
  });

  it("refuses timings that cannot work", () => {
    const store = new MemoryLeaseStore();
    assert.throws(
      () =>
        new LeaderElector({
          identity: "x",
          store: store.forCaller("x"),
          clock: new FakeClock(),
          timings: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
        }),
      /leaseDuration > renewDeadline/,
    );
  });
});
