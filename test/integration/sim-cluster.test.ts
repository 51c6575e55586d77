// A 3 replicas × 3 nodes simulated cluster built with the OPERATING.md sequence of FACTS §7.4 over HTTP, then
// node and replica failures, recovery, and a durability check of every acknowledged write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import faunadb from "faunadb";
import type { AdminStatusResponse, ReplicationGetResponse } from "../../src/fauna/wire.ts";
import { MOVEMENT_IDLE } from "../../src/fauna/wire.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { admin, http, kill, prepare, ROOT_KEY, runDuringTests, start, waitAdmin, waitFor, type SimProc } from "../../src/sim/testing/processCluster.ts";

const q = faunadb.query;
const ENV = FAST_SIM_ENV;
const base = mkdtempSync(join(tmpdir(), "sim-cluster-"));
const nodes: SimProc[] = [];
for (let r = 1; r <= 3; r++)
  for (let i = 1; i <= 3; i++) nodes.push(prepare(base, `r${r}n${i}`, `127.0.0.${30 + r * 3 + i}`));
const replicaOf = (n: SimProc) => `replica_${n.name[1]}`;
const acked: { id: string; n: number }[] = [];

function client(node: SimProc) {
  return new faunadb.Client({ secret: ROOT_KEY, domain: node.address, port: 8443, scheme: "http", queryTimeout: 5000 });
}

async function write(node: SimProc, n: number): Promise<boolean> {
  const c = client(node);
  try {
    const doc = (await c.query(q.Create(q.Collection("Load"), { data: { n } }))) as { ref: { id: string } };
    acked.push({ id: doc.ref.id, n });
    return true;
  } catch {
    return false;
  } finally {
    await c.close();
  }
}

const status = async (node: SimProc) => (await admin(node, "GET", "/admin/status")).json as AdminStatusResponse;

runDuringTests(base, nodes, ENV);

test("build 3×3 with init, join one at a time, settle, update-replica; reach a healthy cluster", async () => {
  const seed = nodes[0]!;
  assert.deepEqual((await admin(seed, "POST", "/admin/init", { replica_name: "replica_1" })).json, { changed: true });
  for (const n of nodes.slice(1)) {
    const r = await admin(n, "POST", "/admin/join", { seed: seed.address, replica_name: replicaOf(n) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { changed: true });
  }
  const joined = await status(seed);
  assert.deepEqual(joined.replica_info.map((r) => r.type), ["data+log", "compute", "compute"]); // new replicas start as compute
  await new Promise((r) => setTimeout(r, 1600)); // the settle wait of FACTS §7.3 (scaled down)
  const get = await admin(seed, "GET", "/admin/replication");
  const etag = String(get.headers.etag);
  const replicas = (get.json as ReplicationGetResponse).resource.replicas.map((r) => ({ name: r.name, type: "data+log" }));
  const put = await admin(seed, "PUT", "/admin/replication", { replicas }, { "if-match": etag });
  assert.equal(put.status, 204, put.text);
  // A stale ETag now gets 412.
  assert.equal((await admin(seed, "PUT", "/admin/replication", { replicas }, { "if-match": etag })).status, 412);

  for (const n of nodes)
    await waitFor(`ping write on ${n.name}`, async () => ((await http(n.address, 8443, "GET", "/ping?scope=write")).status === 200 ? true : undefined));
  await waitFor("movement idle", async () => {
    const r = await admin(seed, "GET", "/admin/movement_status");
    return (r.json as { resource: { movement_status: string } }).resource.movement_status === MOVEMENT_IDLE ? true : undefined;
  });
  const s = await waitFor("all up", async () => {
    const st = await status(seed);
    return st.nodes.every((x) => x.status === "up") ? st : undefined;
  });
  assert.equal(s.nodes.length, 9);
  assert.ok(s.nodes.every((x) => x.state === "live" && Math.abs(x.ownership - x.ownership_goal) < 1e-9));
  assert.ok(s.nodes.every((x) => Math.abs(x.ownership_goal - 1 / 3) < 1e-9));
  const segments = new Set(s.nodes.map((x) => x.log_segment));
  assert.deepEqual([...segments].sort(), ["0", "1", "2"]);
  for (const seg of segments) assert.equal(s.nodes.filter((x) => x.log_segment === seg && x.log_segment_leader).length, 1);

  // The faunadb driver creates a collection, a document, and reads it back.
  const c = client(nodes[4]!);
  try {
    await c.query(q.CreateCollection({ name: "Load" }));
    const doc = (await c.query(q.Create(q.Collection("Load"), { data: { hello: "world" } }))) as { ref: { id: string } };
    const back = (await c.query(q.Get(q.Ref(q.Collection("Load"), doc.ref.id)))) as { data: { hello: string } };
    assert.equal(back.data.hello, "world");
  } finally {
    await c.close();
  }
  for (let i = 0; i < 10; i++) assert.ok(await write(nodes[i % 9]!, i));
});

test("one node down keeps writes; one replica down keeps writes; two replicas down stop them; recovery restores", async () => {
  await kill(nodes[1]!); // r1n2
  assert.ok(await write(nodes[0]!, 100));
  await waitFor("r1n2 down", async () => ((await status(nodes[0]!)).nodes.find((x) => x.address === nodes[1]!.address)?.status === "down" ? true : undefined), 5000);
  assert.ok(await write(nodes[3]!, 101));
  start(nodes[1]!, ENV);
  await waitAdmin(nodes[1]!);

  const r2 = nodes.filter((n) => replicaOf(n) === "replica_2");
  const r3 = nodes.filter((n) => replicaOf(n) === "replica_3");
  await Promise.all(r2.map((n) => kill(n)));
  assert.ok(await write(nodes[0]!, 102));
  assert.ok(await write(nodes[7]!, 103));
  await Promise.all(r3.map((n) => kill(n)));
  await waitFor("write ping fails", async () => ((await http(nodes[0]!.address, 8443, "GET", "/ping?scope=write&timeout=200")).status === 503 ? true : undefined), 8000);
  assert.equal(await write(nodes[0]!, 104), false);

  for (const n of [...r2, ...r3]) start(n, ENV);
  for (const n of nodes)
    await waitFor(`ping write on ${n.name} after recovery`, async () => ((await http(n.address, 8443, "GET", "/ping?scope=write")).status === 200 ? true : undefined), 20_000);
  assert.ok(await write(nodes[5]!, 105));

  // Every acknowledged write is still readable (from a node of another replica than most writers).
  const c = client(nodes[8]!);
  try {
    for (const a of acked) {
      const d = (await c.query(q.Get(q.Ref(q.Collection("Load"), a.id)))) as { data: { n: number } };
      assert.equal(d.data.n, a.n);
    }
  } finally {
    await c.close();
  }
});
