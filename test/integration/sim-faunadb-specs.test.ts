// FaunaDB's own cluster tests and QA flows, ported as contract tests of the simulator (same steps, same expected
// answers; the code is ours). Each test names the spec or QA generator it follows, in fauna/faunadb at 4f8f8be; the
// mapping table is in src/sim/README.md. Nodes are processes on 127.0.0.x at FAST_SIM_ENV speed with the settle trap
// off (FAUNA_SIM_SETTLE_MS=0): FaunaDB's tests change replication right after joins and do not hit it every time.
import { after, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import faunadb from "faunadb";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import {
  admin, errorOf, identityOf, kill, prepare, putReplication, ROOT_KEY, rowOf, start, statusOf, waitAdmin, waitFor, waitIdle, waitPing, wipe, type SimProc,
} from "../../src/sim/testing/processCluster.ts";

const q = faunadb.query;
const ENV = { ...FAST_SIM_ENV, FAUNA_SIM_SETTLE_MS: "0" };
const base = mkdtempSync(join(tmpdir(), "sim-specs-"));
after(() => rmSync(base, { recursive: true, force: true }));

/** Starts fresh nodes at 127.0.0.<first>… for the test `t` (stopped when it ends) and waits for their admin ports. */
async function launch(t: TestContext, prefix: string, first: number, count: number): Promise<SimProc[]> {
  const nodes = Array.from({ length: count }, (_, i) => prepare(base, `${prefix}${i + 1}`, `127.0.0.${first + i}`));
  for (const n of nodes) start(n, ENV);
  t.after(() => Promise.all(nodes.map((n) => kill(n, "SIGTERM"))));
  await Promise.all(nodes.map(waitAdmin));
  return nodes;
}

const init = async (n: SimProc, replica: string) => assert.deepEqual((await admin(n, "POST", "/admin/init", { replica_name: replica })).json, { changed: true });
const join_ = async (n: SimProc, seed: SimProc, replica: string) => {
  const r = await admin(n, "POST", "/admin/join", { seed: seed.address, replica_name: replica });
  assert.deepEqual(r.json, { changed: true }, r.text);
};
const remove = (via: SimProc, nodeID: string, body: Record<string, unknown> = {}) => admin(via, "POST", "/admin/remove_node", { nodeID, ...body });
/** The test helper `removeNode`: graceful (or forced) with allow_unclean, then `removalDone` (state removed or gone, then idle). */
async function removeNode(via: SimProc, id: string, force = false): Promise<void> {
  assert.equal((await remove(via, id, { force, allow_unclean: true })).status, 204);
  await waitFor("removal under way", async () => {
    const r = await rowOf(via, id);
    return r === undefined || r.state === "removed" ? true : undefined;
  });
  await waitIdle(via);
}
const shouldBeMember = async (n: SimProc) => assert.equal((await admin(n, "GET", "/admin/identity")).status, 200, `${n.name} is a member`);
const shouldNotBeMember = async (n: SimProc) => assert.equal((await admin(n, "GET", "/admin/identity")).status, 500, `${n.name} is no member`);
const segment0Hosts = async (n: SimProc) => (await statusOf(n)).nodes.filter((r) => r.log_segment === "0").length;

async function writeDocs(n: SimProc, count: number): Promise<Map<string, number>> {
  const c = new faunadb.Client({ secret: ROOT_KEY, domain: n.address, port: 8443, scheme: "http", queryTimeout: 5000 });
  const docs = new Map<string, number>();
  try {
    await c.query(q.CreateCollection({ name: "Load" }));
    for (let i = 0; i < count; i++) docs.set(((await c.query(q.Create(q.Collection("Load"), { data: { i } }))) as { ref: { id: string } }).ref.id, i);
  } finally {
    await c.close();
  }
  return docs;
}

/** `verifyDataIntegrity`: every document reads back with its content through `n`. */
async function verifyDocs(n: SimProc, docs: Map<string, number>): Promise<void> {
  const c = new faunadb.Client({ secret: ROOT_KEY, domain: n.address, port: 8443, scheme: "http", queryTimeout: 5000 });
  try {
    for (const [id, i] of docs) assert.equal(((await c.query(q.Get(q.Ref(q.Collection("Load"), id)))) as { data: { i: number } }).data.i, i, `document ${id}`);
  } finally {
    await c.close();
  }
}

test("MembershipApiSpec (ext/multicore): init once, joins, restarts, replica types, removals", { timeout: 180_000 }, async (t) => {
  const [n1, n2, n3] = (await launch(t, "m", 101, 3)) as [SimProc, SimProc, SimProc];
  // be initialized by a seed node
  await shouldNotBeMember(n1);
  await init(n1, "dc1");
  await shouldBeMember(n1);
  const id1 = await identityOf(n1);
  await waitFor("waitUntilLive", async () => ((await rowOf(n1, id1))?.worker_id ?? "n/a") !== "n/a" || undefined);
  // but initialized only once
  assert.deepEqual((await admin(n1, "POST", "/admin/init", { replica_name: "dc1" })).json, { changed: false });
  // reject updating a replica type with no hosts in it
  assert.equal((await putReplication(n1, { dc1: "data+log", dc2: "data+log" })).status, 400);
  // have a 2nd node: try to join through a non-member and fail
  assert.equal((await admin(n2, "POST", "/admin/join", { seed: n3.address })).status, 400);
  // join the cluster; fail at attempting to join the same cluster twice
  await join_(n2, n1, "dc1");
  await shouldBeMember(n2);
  assert.deepEqual((await admin(n2, "POST", "/admin/join", { seed: n1.address, replica_name: "dc1" })).json, { changed: false });
  // re-establish consensus when restarted (no join needed)
  await kill(n2);
  start(n2);
  await waitAdmin(n2);
  await shouldBeMember(n2);
  await waitPing([n2]);
  // update a replica type after there's a node in it
  await join_(n3, n1, "dc2");
  const id3 = await identityOf(n3);
  assert.equal((await putReplication(n1, { dc1: "data+log", dc2: "data+log" })).status, 204);
  // shut down the whole cluster and restart it one node at a time
  await Promise.all([n1, n2, n3].map((n) => kill(n)));
  for (const n of [n1, n2, n3]) {
    start(n);
    await waitAdmin(n);
    await shouldBeMember(n);
  }
  await waitPing([n1, n2, n3]);
  const markReplica2As = async (type: string) => {
    const spec = { replicas: [{ name: "dc1", type: "data+log" }, { name: "dc2", type }] };
    assert.equal((await admin(n1, "PUT", "/admin/replication", spec)).status, 204);
    assert.deepEqual((await admin(n1, "GET", "/admin/replication")).json, { resource: spec });
    await waitPing([n1, n2, n3]);
  };
  // allow marking a replica as compute-only: segment 0 then has one host
  await markReplica2As("compute");
  await waitFor("one host in segment 0", async () => ((await segment0Hosts(n1)) === 1 ? true : undefined), 30_000);
  // allow marking a replica as data-only, then data+log: segment 0 has two hosts again
  await markReplica2As("data");
  await markReplica2As("data+log");
  await waitFor("two hosts in segment 0", async () => ((await segment0Hosts(n1)) === 2 ? true : undefined), 30_000);
  // refuse to remove the last node from a data replica
  assert.equal((await remove(n2, id3, { allow_unclean: true })).status, 400);
  // remove the last node from a compute-only replica
  await markReplica2As("compute");
  await removeNode(n1, id3);
  // allow to remove an already removed node
  await removeNode(n1, id3);
});

test("NodeRemovalSpec (ext/cluster): removal of a node, but not of the last node of a data replica; forced removal of a leaving node", { timeout: 180_000 }, async (t) => {
  const [a1, a2, a3] = (await launch(t, "r", 111, 3)) as [SimProc, SimProc, SimProc];
  await init(a1, "r1");
  await join_(a2, a1, "r2");
  await join_(a3, a1, "r2");
  assert.equal((await putReplication(a1, { r1: "data+log", r2: "data+log" })).status, 204);
  await waitIdle(a1);
  const [, id2, id3] = await Promise.all([a1, a2, a3].map(identityOf));
  assert.equal((await remove(a1, id3!, { allow_unclean: true })).status, 204);
  await waitFor("node3 leaving", async () => ((await rowOf(a1, id3!))?.state === "removed" ? true : undefined));
  const lastOfR2 = `Removing ${id2} would leave its data replica r2 empty. Update the replica to compute type first.`;
  // Can't remove node2 as node3 removal is pending, not even by force
  assert.equal(errorOf(await remove(a1, id2!, { allow_unclean: true })).description, lastOfR2);
  assert.equal(errorOf(await remove(a1, id2!, { force: true, allow_unclean: true })).description, lastOfR2);
  // node2 eventually takes over node3's segments; then node3 can be forced out
  await waitIdle(a1);
  assert.equal((await rowOf(a1, id2!))?.ownership, 1);
  assert.equal((await remove(a1, id3!, { force: true, allow_unclean: true })).status, 204);
  assert.equal(await rowOf(a1, id3!), undefined);
  // Still can't remove node2, gracefully or by force
  assert.equal(errorOf(await remove(a1, id2!, { allow_unclean: true })).description, lastOfR2);
  assert.equal(errorOf(await remove(a1, id2!, { force: true, allow_unclean: true })).description, lastOfR2);
  // Switch the replica to compute: now node2 can be removed, and is leaving
  assert.equal((await putReplication(a1, { r1: "data+log", r2: "compute" })).status, 204);
  assert.equal((await remove(a1, id2!, { allow_unclean: true })).status, 204);
  assert.equal((await rowOf(a1, id2!))?.state, "removed");
  // Even while the node is leaving, its replica can't become data again (only leaving nodes)
  const back = await putReplication(a1, { r1: "data+log", r2: "data+log" });
  assert.equal(back.status, 500);
  assert.match(errorOf(back).description, /^java\.lang\.IllegalArgumentException: All nodes in replica r2 are leaving\. It can't be a data replica\./);
  // Idempotent removal meanwhile; it is still leaving
  assert.equal((await remove(a1, id2!, { allow_unclean: true })).status, 204);
  assert.equal((await rowOf(a1, id2!))?.state, "removed");
  // Force-remove it; r2 no longer exists
  assert.equal((await remove(a1, id2!, { force: true, allow_unclean: true })).status, 204);
  assert.equal(await rowOf(a1, id2!), undefined);
  assert.equal(errorOf(await putReplication(a1, { r1: "data+log", r2: "data+log" })).description, "Unknown replica r2");

  // allow forced removal of an already leaving node
  const [b1, b2, b3] = (await launch(t, "s", 114, 3)) as [SimProc, SimProc, SimProc];
  await init(b1, "r1");
  await join_(b2, b1, "r2");
  await join_(b3, b1, "r2");
  assert.equal((await putReplication(b1, { r1: "data+log", r2: "data+log" })).status, 204);
  await waitIdle(b1);
  const [jd2, jd3] = await Promise.all([b2, b3].map(identityOf));
  assert.equal((await remove(b1, jd3!, { allow_unclean: true })).status, 204);
  assert.equal((await rowOf(b1, jd3!))?.state, "removed");
  assert.equal((await remove(b1, jd3!, { force: true, allow_unclean: true })).status, 204);
  // By the time the call returns it is out of membership: status lists it only as a departed owner (no address).
  const departed = await rowOf(b1, jd3!);
  assert.ok(departed === undefined || (departed.address === "n/a" && departed.state === "removed"), JSON.stringify(departed));
  await waitIdle(b1);
  await waitFor("r2 stable on node2", async () => ((await rowOf(b1, jd2!))?.ownership === 1 ? true : undefined));
});

test("QA RemoveNode and NodeRotate (qa/src/main/scala/qa/generators/op, qa/operator/Cmd.scala): clean storage, graceful remove, WaitForTopology, forced remove; rotate = force-remove a wiped node, rejoin with a new identity", { timeout: 240_000 }, async (t) => {
  const nodes = await launch(t, "q", 121, 6);
  const replicaOf = (i: number) => (i < 3 ? "replica-0" : "replica-1");
  await init(nodes[0]!, replicaOf(0));
  for (const [i, n] of nodes.entries()) if (i > 0) await join_(n, nodes[0]!, replicaOf(i));
  assert.equal((await putReplication(nodes[0]!, { "replica-0": "data+log", "replica-1": "data+log" })).status, 204);
  await waitIdle(nodes[0]!);
  await waitPing(nodes);
  const docs = await writeDocs(nodes[3]!, 30);
  const [t1, t2, seed] = nodes as [SimProc, SimProc, SimProc];
  let active = [...nodes];
  /** Cmd.Admin.CleanStorage + Cmd.Proc.WaitForCleanup on every active node. */
  const cleanAll = async () => {
    for (const n of active) assert.deepEqual((await admin(n, "PUT", "/admin/storage/clean")).json, { resource: "ok" });
    for (const n of active)
      await waitFor(`needs-cleanup false on ${n.name}`, async () => {
        const clean = ((await admin(n, "GET", "/admin/storage/clean")).json as { resources: { clean: boolean } }).resources.clean;
        if (clean) await admin(n, "PUT", "/admin/storage/clean");
        return clean ? undefined : true;
      }, 30_000);
  };
  const hostId = async (n: SimProc) => ((await admin(seed, "POST", "/admin/host-id", { node: n.address })).json as { identity: string }).identity;
  await cleanAll(); // prophylactic cleanup
  for (const t of [t1, t2]) {
    // RemoveNode: host-id, then the CLI's `remove` (force false, allow_unclean false)
    const id = await hostId(t);
    assert.equal((await remove(seed, id, { force: false, allow_unclean: false })).status, 204);
    await waitIdle(seed); // WaitForTopology
    const left = await rowOf(seed, id);
    assert.deepEqual([left?.state, left?.ownership, left?.ownership_goal], ["removed", 0, 0], "moved off, still a member");
    // ForceRemoveNode: ClearNode (stop, wipe), host-id (still listed), remove --force --allow-unclean
    await kill(t);
    wipe(t);
    assert.equal(await hostId(t), id);
    assert.equal((await remove(seed, id, { force: true, allow_unclean: true })).status, 204);
    assert.equal(await rowOf(seed, id), undefined);
    active = active.filter((n) => n !== t);
    await cleanAll();
  }
  await verifyDocs(nodes[4]!, docs);

  // NodeRotate: ForceRemoveNode on a replica-1 node, WaitForTopology, AddNode (a new identity joins), WaitForTopology
  const target = nodes[5]!;
  const oldId = await hostId(target);
  await kill(target);
  wipe(target);
  assert.equal((await remove(seed, oldId, { force: true, allow_unclean: true })).status, 204);
  await waitIdle(seed);
  start(target);
  await waitAdmin(target);
  await join_(target, seed, "replica-1");
  await waitIdle(seed);
  const newId = await identityOf(target);
  assert.notEqual(newId, oldId);
  const st = await statusOf(seed);
  assert.equal(st.nodes.some((r) => r.host_id === oldId), false);
  assert.ok(st.nodes.filter((r) => r.replica === "replica-1").every((r) => Math.abs(r.ownership - 1 / 3) < 1e-9), JSON.stringify(st.nodes));
  await verifyDocs(target, docs);
});

test("TopologyChangesSpec (ext/multicore): initialize and get populated with data consistently", { timeout: 120_000 }, async (t) => {
  const [n1, ...rest] = (await launch(t, "t", 131, 4)) as [SimProc, ...SimProc[]];
  await init(n1, "r1");
  const id1 = await identityOf(n1);
  await waitFor("waitUntilLive", async () => ((await rowOf(n1, id1))?.worker_id ?? "n/a") !== "n/a" || undefined, 10_000);
  for (const [n, r] of rest.map((n, i) => [n, ["r1", "r1", "r2"][i]!] as const)) await join_(n, n1, r);
  assert.equal((await putReplication(n1, { r1: "data+log", r2: "data+log" })).status, 204);
  await waitPing([n1, ...rest]);
  const docs = await writeDocs(n1, 40);
  await waitIdle(n1);
  for (const n of [n1, ...rest]) await verifyDocs(n, docs);
});
