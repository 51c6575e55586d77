// A node cut off from its peers (nftables drops its bus ports, 7500/7501; its query port stays reachable) for longer
// than the catch-up overlap while the others commit, then reconnected. FaunaDB never answers a read from a state it
// cannot know is current (StorageEngine.scala readRow waits for the applied timestamp; the query times out): the cut
// node answers 503, never "not found" or an old version, during the cut and after it; once back it catches up on
// everything committed while it was away. The victim is the first host of the log segment, so on its return it leads
// it again with a log that has holes (the simulator's sequencer then gathers the log from a majority first).
// Run: npm run local:up && npm run local:exec -- node --test test/integration/sim-cut-off-reads.test.ts
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import faunadb from "faunadb";
import { canIsolate, runNft } from "../../src/localtier/runner/networkIsolation.ts";
import { http, type SimProc } from "../../src/sim/testing/processCluster.ts";
import { ROOT_KEY, simCluster, type SimCluster } from "../support/simCluster.ts";

const q = faunadb.query;
const TABLE = "sim_cut_reads";
/** Longer than the simulator's catch-up overlap (30 s), so a node that kept skipping ahead would lose entries. */
const CUT_MS = 45_000;
const AFTER_MS = 20_000;

const cutScript = (ip: string) => {
  const rules = ["saddr", "daddr"].flatMap((dir) => ["sport", "dport"].map((port) => `    ip ${dir} ${ip} tcp ${port} { 7500, 7501 } drop`));
  return [`add table inet ${TABLE}`, `flush table inet ${TABLE}`, `table inet ${TABLE} {`, "  chain output {", "    type filter hook output priority 0; policy accept;", ...rules, "  }", "}", ""].join("\n");
};
const lift = () => runNft(`delete table inet ${TABLE}\n`).catch(() => undefined);

const client = (n: SimProc) => new faunadb.Client({ secret: ROOT_KEY, domain: n.address, port: 8443, scheme: "http", queryTimeout: 3000, timeout: 4 });
async function query<T>(n: SimProc, expr: faunadb.ExprArg): Promise<T> {
  const c = client(n);
  try {
    return (await c.query(expr)) as T;
  } finally {
    await c.close({ force: true }).catch(() => undefined);
  }
}

interface Acked {
  id: string;
  n: number;
}

/** Reads through `n` until `untilMs`: every answer must be the acknowledged document (or the register's latest value, or newer); failures are allowed. */
async function readsThrough(n: SimProc, acked: readonly Acked[], register: () => number, untilMs: number) {
  const seen = { ok: 0, failed: 0, statuses: new Map<string, number>(), wrong: [] as string[] };
  while (Date.now() < untilMs) {
    const target = acked[Math.floor(Math.random() * acked.length)]!;
    const floor = register();
    try {
      const doc = await query<{ data: { n: number } }>(n, q.Get(q.Ref(q.Collection("Cut"), target.id)));
      if (doc.data.n !== target.n) seen.wrong.push(`document ${target.id}: n ${doc.data.n}, acknowledged ${target.n}`);
      const reg = await query<{ data: { v: number } }>(n, q.Get(q.Ref(q.Collection("Reg"), "1")));
      if (reg.data.v < floor) seen.wrong.push(`register: ${reg.data.v}, acknowledged ${floor} before the read`);
      seen.ok++;
    } catch (err) {
      if (err instanceof faunadb.errors.NotFound) seen.wrong.push(`document ${target.id}: not found`);
      else {
        seen.failed++;
        const key = err instanceof faunadb.errors.FaunaHTTPError ? String(err.requestResult.statusCode) : String((err as Error).message).slice(0, 40);
        seen.statuses.set(key, (seen.statuses.get(key) ?? 0) + 1);
      }
    }
    await sleep(100);
  }
  return seen;
}

describe("a node cut off from its peers, then back", { timeout: 300_000 }, () => {
  let cluster: SimCluster | undefined;
  let skip: string | undefined;
  before(async () => {
    if (!(await canIsolate())) skip = "nft is not available here (install nftables, run in the tier): the cut cannot be made";
    else cluster = await simCluster("cut", 221, 3);
  });
  after(async () => {
    await lift();
    await cluster?.stop();
  });

  it("answers no read from an old state while away or on its return, and catches up on what it missed", async (t) => {
    if (skip || !cluster) return t.skip(skip);
    const [victim, writer, other] = cluster.nodes as [SimProc, SimProc, SimProc];
    await query(writer, q.CreateCollection({ name: "Cut" }));
    await query(writer, q.CreateCollection({ name: "Reg" }));
    await query(writer, q.Create(q.Ref(q.Collection("Reg"), "1"), { data: { v: 0 } }));
    const acked: Acked[] = [];
    let registerAcked = 0;
    let stop = false;
    const writes = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          const doc = await query<{ ref: { id: string } }>(i % 2 ? writer : other, q.Create(q.Collection("Cut"), { data: { n: i } }));
          acked.push({ id: doc.ref.id, n: i });
          await query(writer, q.Update(q.Ref(q.Collection("Reg"), "1"), { data: { v: i } }));
          registerAcked = Math.max(registerAcked, i);
        } catch {
          // writes may fail while the others see the cut node down
        }
        await sleep(50);
      }
    })();
    await sleep(2000);
    await runNft(cutScript(victim.address));
    const cutAt = Date.now();
    const during = await readsThrough(victim, acked, () => registerAcked, cutAt + CUT_MS);
    const writtenDuringCut = acked.length;
    await lift();
    const back = await readsThrough(victim, acked, () => registerAcked, Date.now() + AFTER_MS);
    stop = true;
    await writes;
    console.log(`during the cut: ${during.ok} reads answered, ${during.failed} failed (${[...during.statuses].map(([s, c]) => `${s} ×${c}`).join(", ")}); after: ${back.ok} answered, ${back.failed} failed; ${acked.length} documents acknowledged (${writtenDuringCut} by the end of the cut)`);
    assert.deepEqual(during.wrong, [], "no read through the cut-off node answered from an old state");
    assert.ok((during.statuses.get("503") ?? 0) > 0, "the cut-off node answered reads it could not check with 503 time out");
    assert.deepEqual(back.wrong, [], "no read through the node answered from an old state after it came back");
    assert.ok(back.ok > 0, "the node answers reads again once back");

    // Its own store holds every document it owns (a single-node replica: all of them), the ones written while it was away too.
    const ids = new Set(acked.map((a) => a.id));
    let missing: string[] = [];
    for (const deadline = Date.now() + 30_000; ; ) {
      const r = await http(victim.address, 7500, "POST", "/peer/docs", { prefix: "" }, { "x-fauna-cluster": "simtest" });
      const held = new Set(((r.json as { docs?: { key: string }[] }).docs ?? []).map((d) => d.key.split("/").pop()));
      missing = [...ids].filter((id) => !held.has(id));
      if (missing.length === 0 || Date.now() > deadline) break;
      await sleep(1000);
    }
    assert.deepEqual(missing.slice(0, 10), [], `the node caught up on every document (${missing.length} of ${ids.size} missing)`);
  });
});
