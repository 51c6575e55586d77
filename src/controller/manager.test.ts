import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { Redactor } from "../kube/redact.ts";
import { FakeClock, flush } from "./clock.ts";
import { LeaderElector } from "./leader.ts";
import { createLogger } from "./log.ts";
import { Manager } from "./manager.ts";
import { MemoryLeaseStore } from "./memoryLeaseStore.ts";
import { ControllerMetrics } from "./metrics.ts";

const quietLog = () => createLogger({ redactor: new Redactor(), destination: new PassThrough(), level: "silent" });

function replica(name: string, store: MemoryLeaseStore, clock: FakeClock, trace: string[]) {
  const metrics = new ControllerMetrics();
  const elector = new LeaderElector({ identity: name, store: store.forCaller(name), clock, jitter: () => 0 });
  let synced = false;
  const m = new Manager({ clock, log: quietLog(), metrics, election: { elector, name: "lease" }, health: { port: 0, host: "127.0.0.1" } });
  m.add({
    name: "cache",
    needsLeader: false,
    run: async (s) => {
      trace.push(`${name}:cache-start`);
      synced = true;
      await new Promise((r) => s.addEventListener("abort", r, { once: true }));
      trace.push(`${name}:cache-stop`);
    },
  });
  m.add({
    name: "workers",
    needsLeader: true,
    run: async (s) => {
      trace.push(`${name}:workers-start`);
      await new Promise((r) => s.addEventListener("abort", r, { once: true }));
      await flush(); // a pass finishing its writes
      trace.push(`${name}:workers-drained holder=${store.stored?.record.holderIdentity}`);
    },
  });
  m.addReadyCheck({ name: "cache", check: () => synced });
  const stop = new AbortController();
  const exit = m.run(stop.signal);
  return { m, stop, exit, metrics };
}

async function get(port: number | undefined, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

describe("Manager", () => {
  it("runs caches everywhere, workers on the leader only; on stop drains, then releases, then hands over", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const trace: string[] = [];
    const a = replica("a", store, clock, trace);
    await flush();
    const b = replica("b", store, clock, trace);
    await clock.advance(5_000);
    assert.ok(trace.includes("a:cache-start") && trace.includes("b:cache-start"));
    assert.ok(trace.includes("a:workers-start"));
    assert.ok(!trace.includes("b:workers-start"), "the standby does not reconcile");

    const readyB = await get(b.m.healthPort, "/readyz");
    assert.equal(readyB.status, 200, "a synced standby is ready");
    assert.equal((await get(a.m.healthPort, "/healthz")).status, 200);
    const metricsA = await get(a.m.healthPort, "/metrics");
    assert.match(metricsA.text, /leader_election_master_status\{name="lease"\} 1/);

    a.stop.abort();
    assert.equal(await a.exit, "stopped");
    assert.ok(trace.includes("a:workers-drained holder=a"), "workers drained while the lease was still held");
    assert.ok(trace.indexOf("a:workers-drained holder=a") < trace.indexOf("a:cache-stop"), "caches stop last");
    assert.equal(store.stored?.record.holderIdentity, "", "lease released on shutdown");

    await clock.advance(2_000);
    assert.ok(trace.includes("b:workers-start"), "the standby takes over within one retry period");
    b.stop.abort();
    await b.exit;
  });

  it("exits with lost-leadership when renewals fail past the deadline, and reports not ready before sync", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const metrics = new ControllerMetrics();
    const elector = new LeaderElector({ identity: "a", store: store.forCaller("a"), clock, jitter: () => 0 });
    const m = new Manager({ clock, log: quietLog(), metrics, election: { elector, name: "lease" }, health: { port: 0, host: "127.0.0.1" } });
    m.addReadyCheck({ name: "cache pods synced", check: () => false });
    let workersStopped = false;
    m.add({
      name: "workers",
      needsLeader: true,
      run: (s) =>
        new Promise<void>((r) =>
          s.addEventListener(
            "abort",
            () => {
              workersStopped = true;
              r();
            },
            { once: true },
          ),
        ),
    });
    const stop = new AbortController();
    const exit = m.run(stop.signal);
    await clock.advance(3_000);
    const ready = await get(m.healthPort, "/readyz");
    assert.equal(ready.status, 503);
    assert.match(ready.text, /cache pods synced/);
    store.down.add("a");
    await clock.advance(15_000);
    assert.equal(await exit, "lost-leadership");
    assert.equal(workersStopped, true);
  });
});
