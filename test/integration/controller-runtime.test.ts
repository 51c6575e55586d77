// The generic controller runtime against the local tier's real API server: KubeClient's typed errors and SSA,
// informers, Lease election handover and event aggregation.
// Run: npm run local:up && npm run local:exec -- node --test test/integration/controller-runtime.test.ts
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { realClock } from "../../src/controller/clock.ts";
import { ResilientInformer } from "../../src/controller/informer.ts";
import { LeaderElector } from "../../src/controller/leader.ts";
import { kubeLeaseStore } from "../../src/controller/leaseStore.ts";
import { KubeClient, type KubernetesObject } from "../../src/kube/client.ts";
import { isAlreadyExists, isConflict, isInvalid, KubeError } from "../../src/kube/errors.ts";
import { KubeEventRecorder } from "../../src/kube/events.ts";
import { kubeMetrics } from "../../src/kube/metrics.ts";
import { Redactor } from "../../src/kube/redact.ts";
import { Resources } from "../../src/kube/resource.ts";
import { kubeConfigTransport } from "../../src/kube/transport.ts";
import { makeListWatch } from "../../src/kube/watch.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";

type ConfigMap = KubernetesObject & { data?: Record<string, string> };

let tier: TestTier;
let ns: string;
let client: KubeClient;
const registry = new Registry();

before(async () => {
  tier = await useTier();
  ns = await tier.namespace("runtime");
  client = new KubeClient({ transport: kubeConfigTransport(tier.kc), fieldManager: "fauna-operator-test", metrics: kubeMetrics(registry) });
});
after(async () => tier && ns && tier.deleteNamespace(ns));

describe("KubeClient on a real API server", () => {
  it("applies idempotently and maps failures to typed errors", async () => {
    const cm: ConfigMap = { metadata: { name: "cfg", namespace: ns }, data: { a: "1" } };
    const first = await client.apply(Resources.configMaps, cm);
    const again = await client.apply(Resources.configMaps, cm);
    assert.equal(again.metadata?.resourceVersion, first.metadata?.resourceVersion, "an unchanged apply writes nothing");
    assert.equal(await client.find(Resources.configMaps, { namespace: ns, name: "absent" }), undefined);

    const dup = await client.create(Resources.configMaps, cm).catch((e: unknown) => e);
    assert.ok(isAlreadyExists(dup));
    const stale = await client
      .replace(Resources.configMaps, { ...cm, metadata: { ...cm.metadata, resourceVersion: "1" } })
      .catch((e: unknown) => e);
    assert.ok(isConflict(stale), String(stale));
    const invalid = await client
      .apply(Resources.configMaps, { metadata: { name: "Bad_Name", namespace: ns } })
      .catch((e: unknown) => e);
    assert.ok(isInvalid(invalid) && invalid instanceof KubeError);
    assert.match(invalid.serverMessage, /metadata.name/);
    const wrongUid = await client
      .delete(Resources.configMaps, { namespace: ns, name: "cfg" }, { preconditions: { uid: "not-the-uid" } })
      .catch((e: unknown) => e);
    assert.ok(isConflict(wrongUid), String(wrongUid));
    assert.match(await registry.metrics(), /kube_api_requests_total\{verb="apply",resource="configmaps",code="200"\}/);
  });

  it("informers sync and see changes", async () => {
    const stop = new AbortController();
    const informer = new ResilientInformer<ConfigMap>({
      name: "configmaps",
      cache: makeListWatch<ConfigMap>(client, tier.kc, Resources.configMaps, { namespace: ns }),
      clock: realClock,
    });
    const seen: string[] = [];
    informer.on({ add: (o) => seen.push(`add ${o.metadata?.name}`), update: (o) => seen.push(`update ${o.metadata?.name}`) });
    const running = informer.run(stop.signal);
    assert.equal(await informer.waitForSync(), true);
    await client.apply(Resources.configMaps, { metadata: { name: "watched", namespace: ns }, data: { v: "1" } });
    await eventually("informer sees the new ConfigMap", async () => informer.get("watched", ns), 10_000);
    await client.apply(Resources.configMaps, { metadata: { name: "watched", namespace: ns }, data: { v: "2" } });
    await eventually("informer sees the update", async () => informer.get("watched", ns)?.data?.v === "2", 10_000);
    assert.ok(seen.includes("add watched") && seen.includes("update watched"));
    stop.abort();
    await running;
  });

  it("hands the Lease over within seconds when the leader releases it", async () => {
    const make = (identity: string) =>
      new LeaderElector({ identity, clock: realClock, store: kubeLeaseStore({ client, namespace: ns, name: "runtime-test" }) });
    const a = make("a");
    const b = make("b");
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await eventually("a leads", async () => a.isLeader, 10_000, 100);
    const runB = b.run(stopB.signal);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(b.isLeader, false, "b stands by while a renews");
    const t0 = Date.now();
    stopA.abort();
    assert.equal(await runA, "stopped");
    await eventually("b leads", async () => b.isLeader, 20_000, 100);
    const took = Date.now() - t0;
    assert.ok(took < 6000, `handover took ${took} ms`);
    const lease = await client.get<KubernetesObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }>(
      Resources.leases,
      { namespace: ns, name: "runtime-test" },
    );
    assert.equal(lease.spec?.holderIdentity, "b");
    stopB.abort();
    await runB;
  });

  it("aggregates repeated events into one Event with a count", async () => {
    const recorder = new KubeEventRecorder({
      client,
      component: "fauna-operator-test",
      instance: "t",
      redactor: new Redactor(),
      now: () => Date.now(),
      onError: (e) => assert.fail(String(e)),
    });
    const cm = await client.get<ConfigMap>(Resources.configMaps, { namespace: ns, name: "cfg" });
    for (let i = 0; i < 3; i++) await recorder.record(cm, { type: "Normal", reason: "Tested", message: "same message" });
    const events = await client.list<KubernetesObject & { count?: number; reason?: string }>(Resources.events, { namespace: ns });
    const mine = events.items.filter((e) => e.reason === "Tested");
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.count, 3);
  });
});
