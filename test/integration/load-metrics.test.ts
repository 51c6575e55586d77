// The live metrics: while a load runs against a simulated node, GET /metrics serves its operations, failure
// classes, latency histogram and the harness's fault marker, directly and through the host relay to a socket.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareWorkload, startLoad } from "../../src/load/load.ts";
import { namesFor } from "../../src/load/workloads.ts";
import { harnessMetrics } from "../../src/harness/metrics.ts";
import { relayToSocket, serveMetrics } from "../../src/harness/metricsServer.ts";
import { ROOT_KEY, simCluster, type SimCluster } from "../support/simCluster.ts";

let cluster: SimCluster;
before(async () => {
  cluster = await simCluster("metrics", 97, 1);
});
after(() => cluster?.stop());

const value = (text: string, series: RegExp) => Number(text.split("\n").find((l) => series.test(l))?.split(" ").at(-1) ?? NaN);

test("GET /metrics serves the load's series during a run, and the fault marker", async () => {
  const m = harnessMetrics();
  const direct = await serveMetrics(m.registry, { port: 0 });
  const socket = join(mkdtempSync(join(tmpdir(), "metrics-")), "metrics.sock");
  const viaSocket = await serveMetrics(m.registry, { path: socket });
  const relay = await relayToSocket(0, socket);
  const endpoint = { domain: cluster.nodes[0]!.address, port: 8443 };
  const collection = `metrics_${Date.now()}`;
  try {
    await prepareWorkload(endpoint, ROOT_KEY, namesFor(collection));
    m.scenario("kill-node");
    const load = startLoad({ endpoint: () => endpoint, secret: ROOT_KEY, collection, rate: 50, concurrency: 8, observer: m.observer });
    m.event("kill-node", { t: 1, kind: "fault", label: "one pod force-deleted" });
    await new Promise((r) => setTimeout(r, 2500));
    for (const port of [(direct.address() as AddressInfo).port, (relay.address() as AddressInfo).port]) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.ok(value(text, /^fauna_load_operations_total\{op="write",outcome="ok"\}/) > 20, text.slice(0, 2000));
      assert.ok(value(text, /^fauna_load_latency_seconds_count\{op="write"\}/) > 20);
      assert.match(text, /^fauna_load_latency_seconds_bucket\{le="0.01",op="write"\} \d+$/m);
      assert.equal(value(text, /^fauna_harness_fault_active\{scenario="kill-node"\}/), 1);
      assert.equal(value(text, /^fauna_harness_scenario_running\{scenario="kill-node"\}/), 1);
    }
    await load.stop();
    const after = await (await fetch(`http://127.0.0.1:${(direct.address() as AddressInfo).port}/metrics`)).text();
    assert.equal(value(after, /^fauna_load_in_flight /), 0, "every started operation finished");
  } finally {
    await new Promise((r) => relay.close(r));
    await new Promise((r) => viaSocket.close(r));
    await new Promise((r) => direct.close(r));
  }
});
