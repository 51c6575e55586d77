import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubernetesObject } from "../kube/client.ts";
import type { ListWatchCache } from "../kube/watch.ts";
import { FakeListWatch } from "./testing.ts";
import { FakeClock, flush } from "./clock.ts";
import { ResilientInformer } from "./informer.ts";

function setup() {
  const clock = new FakeClock();
  const fake = new FakeListWatch();
  const restarts: number[] = [];
  const informer = new ResilientInformer({
    name: "pods",
    cache: fake as unknown as ListWatchCache<KubernetesObject>,
    clock,
    backoff: { baseMs: 1000, maxMs: 8000 },
    onRestart: (_err, delay) => restarts.push(delay),
  });
  const stop = new AbortController();
  return { clock, fake, informer, restarts, stop };
}

describe("ResilientInformer", () => {
  it("restarts a failed list with growing backoff and syncs once a list succeeds", async () => {
    const { clock, fake, informer, restarts, stop } = setup();
    const added: string[] = [];
    informer.on({ add: (o) => added.push(o.metadata?.name ?? "") });
    fake.items = [{ metadata: { name: "p1", namespace: "db" } }];
    fake.failNextStarts = 3;
    const running = informer.run(stop.signal);
    let synced = false;
    void informer.waitForSync().then(() => (synced = true));
    await flush();
    assert.equal(informer.hasSynced, false);
    await clock.advance(1000 * 1.2 + 2000 * 1.2 + 4000 * 1.2);
    assert.equal(fake.starts, 4);
    assert.equal(restarts.length, 3);
    assert.ok(restarts[0]! >= 1000 && restarts[1]! >= 2000 && restarts[2]! >= 4000, `delays ${restarts}`);
    assert.equal(informer.hasSynced, true);
    assert.equal(synced, true);
    assert.deepEqual(added, ["p1"]);
    stop.abort();
    await running;
  });

  it("restarts after a watch error, with the backoff reset by the last good start", async () => {
    const { clock, fake, informer, restarts, stop } = setup();
    const running = informer.run(stop.signal);
    await flush();
    assert.equal(informer.hasSynced, true);
    fake.failWatch();
    await flush();
    assert.equal(restarts.length, 1);
    assert.ok(restarts[0]! < 2000, "first restart uses the base delay");
    await clock.advance(1200);
    assert.equal(fake.starts, 2);
    fake.failWatch();
    await flush();
    assert.ok(restarts[1]! < 2000, "a good start resets the backoff");
    stop.abort();
    await running;
    assert.ok(fake.stops >= 1, "stopping the informer stops the watch");
  });

  it("waitForSync gives up when its signal aborts", async () => {
    const { informer } = setup();
    const ac = new AbortController();
    const waiting = informer.waitForSync(ac.signal);
    ac.abort();
    assert.equal(await waiting, false);
  });
});
