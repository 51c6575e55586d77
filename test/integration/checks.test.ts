// The harness's checks against simulated nodes (processes on 127.0.0.x): a healthy run passes all three; with the
// lossy fault switch on one of three nodes the read-back and register checks fail naming the operations; with the
// non-atomic switch the bank check fails naming the reads whose total changed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { once, prepareWorkload, startLoad, type Mix } from "../../src/load/load.ts";
import { judge } from "../../src/harness/checks/run.ts";
import { BANK, namesFor, transfer } from "../../src/load/workloads.ts";
import { ROOT_KEY, simCluster, type SimCluster } from "../support/simCluster.ts";

const clusters: Record<string, SimCluster> = {};
before(async () => {
  [clusters.healthy, clusters.lossy, clusters.nonAtomic] = await Promise.all([
    simCluster("chk-ok", 91, 1),
    simCluster("chk-lossy", 92, 3, {}, (i): Record<string, string> => (i === 2 ? { FAUNA_SIM_FAULT_DROP_ACKED_WRITES: "1" } : {})),
    simCluster("chk-nonatomic", 95, 1, { FAUNA_SIM_FAULT_NON_ATOMIC: "1" }),
  ]);
});
after(() => Promise.all(Object.values(clusters).map((c) => c.stop())));

/** The workload prepared through the first node, the load spread over every node, then the checks. */
async function runAndJudge(c: SimCluster, seconds: number, mix?: Partial<Mix>) {
  const endpoints = c.nodes.map((n) => ({ domain: n.address, port: 8443 }));
  let next = 0;
  const anyNode = () => endpoints[next++ % endpoints.length]!;
  const collection = `checks_${Date.now()}`;
  await prepareWorkload(endpoints[0]!, ROOT_KEY, namesFor(collection));
  const load = startLoad({ endpoint: anyNode, secret: ROOT_KEY, collection, rate: 60, concurrency: 8, ...(mix ? { mix } : {}) });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const report = await load.stop();
  const { checks } = await judge(() => endpoints[0]!, ROOT_KEY, load);
  return { report, byName: Object.fromEntries(checks.map((x) => [x.name, x])) };
}

test("a healthy run: every check passes, the load met its rate and timed every operation", async () => {
  const { report, byName } = await runAndJudge(clusters.healthy!, 6);
  for (const c of Object.values(byName)) assert.ok(c.passed, `${c.name}: ${c.summary}; ${c.offending.join("; ")}`);
  const done = Object.values(report.ops).reduce((a, o) => a + o.attempted, 0);
  assert.ok(done >= 6 * 60 * 0.8, `${done} operations in 6 s at 60/s`);
  assert.equal(report.latency.count, done);
  assert.ok(report.latency.p99Ms > 0 && report.latency.p50Ms <= report.latency.p99Ms);
  assert.ok(report.series.length >= 6 && report.series.slice(1, 5).every((s) => s.ok > 30), JSON.stringify(report.series));
  assert.ok(report.ops.transfer.ok > 0 && report.ops.registerWrite.ok > 0);
});

test("lossy run (FAUNA_SIM_FAULT_DROP_ACKED_WRITES=1): the read-back and register checks fail and name the operations", async () => {
  // Register-heavy, so that a read lands between a dropped write and the next one that raises the register past it.
  const { byName } = await runAndJudge(clusters.lossy!, 6, { write: 30, read: 10, transfer: 0, balances: 0, registerWrite: 30, registerRead: 30 });
  assert.equal(byName.exists!.passed, false);
  assert.match(byName.exists!.offending[0]!, /^write of n=\d+ \(document \d+\) acknowledged at [\d:.]+ is not there$/);
  assert.equal(byName.register!.passed, false);
  assert.match(byName.register!.offending[0]!, /^read op #\d+ of register \d .* returned \d+, but op #\d+'s write of \d+ was acknowledged/);
});

test("non-atomic run (FAUNA_SIM_FAULT_NON_ATOMIC=1): the bank check fails and names the reads whose total changed", async () => {
  const { byName } = await runAndJudge(clusters.nonAtomic!, 6, { write: 10, read: 0, transfer: 60, balances: 30, registerWrite: 0, registerRead: 0 });
  assert.equal(byName.bank!.passed, false, byName.bank!.summary);
  assert.match(byName.bank!.offending[0]!, /(read op #\d+|the final read) at .* summed to \d+, not 800/);
});

test("a transfer refused for funds is an abort that committed nothing, not a failed operation", async () => {
  const c = clusters.healthy!;
  const endpoint = { domain: c.nodes[0]!.address, port: 8443 };
  const collection = `abort_${Date.now()}`;
  await prepareWorkload(endpoint, ROOT_KEY, namesFor(collection));
  // Drain account 1 so that transfers from it are refused.
  await once(endpoint, ROOT_KEY, transfer(namesFor(collection), 0, 1, BANK.initialBalance));
  const load = startLoad({ endpoint: () => endpoint, secret: ROOT_KEY, collection, rate: 40, concurrency: 4, mix: { write: 0, read: 0, transfer: 1, balances: 0, registerWrite: 0, registerRead: 0 } });
  // Which accounts a transfer uses is random: run until one came from the drained account (3 s usually; longer on a
  // busy machine, where few operations finish in 3 s).
  const deadline = Date.now() + 60_000;
  await new Promise((r) => setTimeout(r, 3000));
  while (!load.history.transfers.some((t) => t.outcome === "aborted") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  const report = await load.stop();
  const aborted = load.history.transfers.filter((t) => t.outcome === "aborted");
  assert.ok(aborted.length > 0, "some transfers came from the drained account");
  assert.equal(report.errorClasses.other, 0, JSON.stringify(report.errors));
});
