import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { Redactor } from "../kube/redact.ts";
import { FakeClock, flush } from "./clock.ts";
import { Controller, type Reconciler } from "./controller.ts";
import { ResilientInformer } from "./informer.ts";
import { createLogger } from "./log.ts";
import { ControllerMetrics } from "./metrics.ts";
import { LEADERSHIP_LOST } from "./leader.ts";
import { done, failed, requeueAfter } from "./result.ts";
import { FakeListWatch } from "./testing.ts";

const quietLog = () => createLogger({ redactor: new Redactor(), destination: new PassThrough(), level: "silent" });

function setup(reconcile: Reconciler, opts: { workers?: number } = {}) {
  const clock = new FakeClock();
  const metrics = new ControllerMetrics();
  const primary = new FakeListWatch();
  const owned = new FakeListWatch();
  const c = new Controller({ name: "test", reconcile, clock, log: quietLog(), metrics, workers: opts.workers ?? 2, resyncPeriodMs: 60_000 });
  const pInf = new ResilientInformer({ name: "primary", cache: primary.asCache(), clock });
  const oInf = new ResilientInformer({ name: "owned", cache: owned.asCache(), clock });
  c.watchPrimary(pInf).watchOwned(oInf, { group: "x.io", kind: "Db", managedBy: { label: "managed-by", value: "op" } });
  const stop = new AbortController();
  const informers = [pInf.run(stop.signal), oInf.run(stop.signal)];
  const running = c.run(stop.signal);
  return { clock, metrics, primary, owned, c, stop, all: () => Promise.all([running, ...informers]) };
}

describe("Controller", () => {
  it("reconciles primary objects, owners of owned objects, and resyncs", async () => {
    const calls: string[] = [];
    const t = setup(async (key) => (calls.push(key), done()));
    t.primary.items = [{ metadata: { name: "a", namespace: "ns" } }];
    await flush();
    await t.clock.advance(1);
    assert.deepEqual(calls, ["ns/a"], "the initial list and the start-up resync collapse into one pass");
    t.owned.emit("update", {
      metadata: {
        name: "a-sts",
        namespace: "ns",
        labels: { "managed-by": "op" },
        ownerReferences: [{ apiVersion: "x.io/v1", kind: "Db", name: "a", uid: "u", controller: true }],
      },
    });
    await flush();
    assert.deepEqual(calls, ["ns/a", "ns/a"]);
    await t.clock.advance(60_000);
    assert.deepEqual(calls, ["ns/a", "ns/a", "ns/a"], "periodic resync");
    t.stop.abort();
    await t.all();
  });

  it("does not requeue on a status-only update, and does on a spec or metadata change", async () => {
    const calls: string[] = [];
    const t = setup(async (key) => (calls.push(key), done()));
    const obj = (generation: number, status: string, labels: Record<string, string> = {}) => ({
      metadata: { name: "a", namespace: "ns", generation, labels },
      status: { phase: status },
    });
    t.primary.emit("add", obj(1, "new"));
    await flush();
    assert.equal(calls.length, 1);
    t.primary.emit("update", obj(1, "written by the pass"));
    await flush();
    assert.equal(calls.length, 1, "our own status write does not start another pass");
    t.primary.emit("update", obj(2, "written by the pass"));
    await flush();
    assert.equal(calls.length, 2, "a spec change (new generation) does");
    t.primary.emit("update", obj(2, "written by the pass", { tier: "gold" }));
    await flush();
    assert.equal(calls.length, 3, "a label change does");
    t.primary.emit("delete", obj(2, "gone", { tier: "gold" }));
    await flush();
    assert.equal(calls.length, 4, "a deletion does");
    t.stop.abort();
    await t.all();
  });

  it("retries errors with backoff, turns throws into errors, and honours requeueAfter", async () => {
    const calls: number[] = [];
    let n = 0;
    const t = setup(async () => {
      calls.push(t.clock.now());
      n++;
      if (n === 1) return failed(new Error("transient"));
      if (n === 2) throw new Error("bug");
      if (n === 3) return requeueAfter(30_000);
      return done();
    });
    const start = t.clock.now();
    t.primary.emit("add", { metadata: { name: "a", namespace: "ns" } });
    await t.clock.advance(100_000);
    const offsets = calls.map((c) => c - start);
    assert.equal(offsets.length, 4);
    assert.ok(offsets[1]! - offsets[0]! >= 5, "first retry after 5 ms");
    assert.ok(offsets[2]! - offsets[1]! >= 10, "second retry after 10 ms");
    assert.ok(offsets[3]! - offsets[2]! >= 30_000, "requeue after 30 s");
    const text = await t.metrics.registry.metrics();
    assert.match(text, /controller_runtime_reconcile_total\{controller="test",result="error"\} 2/);
    assert.match(text, /controller_runtime_reconcile_total\{controller="test",result="requeue_after"\} 1/);
    assert.match(text, /controller_runtime_reconcile_errors_total\{controller="test"\} 2/);
    t.stop.abort();
    await t.all();
  });

  it("never runs one key on two workers, and drains the pass in flight on stop", async () => {
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = 0;
    const t = setup(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await gate;
        active--;
        finished++;
        return done();
      },
      { workers: 4 },
    );
    t.primary.emit("add", { metadata: { name: "a", namespace: "ns" } });
    await flush();
    t.primary.emit("update", { metadata: { name: "a", namespace: "ns" } });
    t.primary.emit("update", { metadata: { name: "a", namespace: "ns" } });
    await flush();
    assert.equal(maxActive, 1);
    t.stop.abort();
    let stopped = false;
    const all = t.all().then(() => (stopped = true));
    await flush();
    assert.equal(stopped, false, "stop waits for the pass in flight");
    release();
    await all;
    assert.equal(finished, 1, "the dirty re-add is not started after shutdown");
  });

  it("cancels the pass in flight at once when the lease is lost (no drain)", async () => {
    let aborted: unknown;
    const t = setup(async (_key, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      aborted = ctx.signal.reason;
      return done();
    });
    t.primary.emit("add", { metadata: { name: "a", namespace: "ns" } });
    await flush();
    t.stop.abort(LEADERSHIP_LOST);
    await t.all();
    assert.equal(aborted, LEADERSHIP_LOST, "the pass saw its signal abort with the lease loss");
  });
});
