// Contract tests of the five corrections of FACTS.md ("Corrections of 2026-12-01"; issue 9) and the smaller traps that
// come with them, each against FaunaDB's own code path named in the test. Nodes run as processes on 127.0.0.x with
// speeded-up but explicit simulator settings (FAST_SIM_ENV); sim-timing.test.ts checks the real default timings.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import faunadb from "faunadb";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import {
  admin, errorOf, http, identityOf, kill, prepare, putReplication, ROOT_KEY, rowOf, start, statusOf, waitAdmin, waitFor, waitIdle, type SimProc,
} from "../../src/sim/testing/processCluster.ts";

const q = faunadb.query;
const base = mkdtempSync(join(tmpdir(), "sim-corrections-"));
const [a, b, c] = ["a", "b", "c"].map((n, i) => prepare(base, n, `127.0.0.${81 + i}`)) as [SimProc, SimProc, SimProc];
const [x, y, z] = ["x", "y", "z"].map((n, i) => prepare(base, n, `127.0.0.${84 + i}`)) as [SimProc, SimProc, SimProc];
const [e, f] = ["e", "f"].map((n, i) => prepare(base, n, `127.0.0.${87 + i}`)) as [SimProc, SimProc];
const lone = prepare(base, "lone", "127.0.0.89");
const all = [a, b, c, x, y, z, e, f, lone];
/** Slow enough streaming to watch a departed host's share being taken over. */
const SLOW_MOVE = { ...FAST_SIM_ENV, FAUNA_SIM_RING_MOVE_MS: "20000" };

before(async () => {
  for (const n of [a, b, c, e, f]) start(n, FAST_SIM_ENV);
  for (const n of [x, y, z]) start(n, SLOW_MOVE);
  start(lone, { ...FAST_SIM_ENV, FAUNA_SIM_HELLO_TIMEOUT_MS: "1500" });
  await Promise.all(all.map(waitAdmin));
});
after(async () => {
  await Promise.all(all.map((n) => kill(n, "SIGTERM")));
  rmSync(base, { recursive: true, force: true });
});

const status = statusOf;
const row = rowOf;
const identity = identityOf;
const idle = (n: SimProc) => waitIdle(n);

test("Corrections 1 (AdminApplication.scala identity/status): after a failed join the service exists but is no member: identity 'not a member', status 503", async () => {
  const r = await admin(lone, "POST", "/admin/join", { seed: "127.0.0.99", replica_name: "r9" });
  assert.equal(r.status, 500);
  assert.equal(errorOf(r).code, "hello timeout");
  const id = await admin(lone, "GET", "/admin/identity");
  assert.equal(id.status, 500);
  assert.deepEqual(errorOf(id), { code: "internal server error", description: "Host is not a member of a cluster\nPlease create a ticket at https://support.fauna.com" });
  const st = await admin(lone, "GET", "/admin/status");
  assert.equal(st.status, 503);
  assert.deepEqual(errorOf(st), { code: "cluster uninitialized", description: "This node is not part of a cluster." });
  assert.equal(errorOf(await admin(lone, "POST", "/admin/init", { replica_name: "other" })).description, "Replica name is already set to 'r9'.", "the replica name stuck");
});

test("Corrections 2 (NodeRemoval.scala, Membership.replicaNames): a graceful remove only marks leaving; the replica must still be listed; only force takes the host out", async () => {
  assert.equal((await admin(a, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  assert.equal((await admin(c, "POST", "/admin/join", { seed: a.address, replica_name: "r1" })).status, 200);
  assert.equal((await admin(b, "POST", "/admin/join", { seed: a.address, replica_name: "r2" })).status, 200);
  await idle(a);
  const [ida, idb, idc] = await Promise.all([a, b, c].map(identity));
  await waitFor("b up", async () => ((await row(a, idb!))?.status === "up" ? true : undefined));

  // A compute host: allow_unclean defaults to true for it (AdminApplication remove_node).
  assert.equal((await admin(a, "POST", "/admin/remove_node", { nodeID: idb })).status, 204);
  const leaving = await row(a, idb!);
  assert.equal(leaving?.state, "removed");
  assert.equal(leaving?.ownership, 0);
  const missing = await putReplication(a, { r1: "data+log" });
  assert.equal(missing.status, 400);
  assert.equal(errorOf(missing).description, "Missing specification for replica r2");
  const asData = await putReplication(a, { r1: "data+log", r2: "data" });
  assert.equal(asData.status, 500);
  assert.equal(errorOf(asData).description, "java.lang.IllegalArgumentException: All nodes in replica r2 are leaving. It can't be a data replica. Please create a ticket at https://support.fauna.com");
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await row(a, idb!))?.state, "removed", "a leaving host never leaves membership by itself");
  assert.equal((await admin(a, "POST", "/admin/remove_node", { nodeID: idb, force: true })).status, 204);
  assert.equal(await row(a, idb!), undefined);
  assert.equal((await putReplication(a, { r1: "data+log" })).status, 204, "with the host gone, its replica is no longer listed");
  assert.equal((await admin(a, "POST", "/admin/remove_node", { nodeID: idb, force: true })).status, 204, "removing a removed host is accepted (MembershipApiSpec)");

  // A data host: its share moves to the replica's other node, then it owns 0 and stays `removed` until forced.
  assert.equal((await admin(a, "POST", "/admin/remove_node", { nodeID: idc, force: false, allow_unclean: false })).status, 204);
  await idle(a);
  const gone = await waitFor("c owns nothing", async () => {
    const r = await row(a, idc!);
    return r && r.ownership === 0 && r.ownership_goal === 0 ? r : undefined;
  });
  assert.equal(gone.state, "removed");
  assert.equal((await row(a, ida!))?.ownership, 1);
  const last = await admin(a, "POST", "/admin/remove_node", { nodeID: ida, force: true });
  assert.equal(errorOf(last).description, `Removing ${ida} would leave its data replica r1 empty. Update the replica to compute type first.`);
  assert.equal((await admin(a, "POST", "/admin/remove_node", { nodeID: idc, force: true })).status, 204);
  assert.equal(await row(a, idc!), undefined, "it owned nothing: no trace of it is left");
});

test("cleanup (StorageCleaner.scala) is asynchronous and refused on an unstable topology; remove's allClean check (CassandraService.removeNode) refuses unclean storage, times out on a silent member; a forced remove leaves the host listed n/a/removed while it still owns (ClusterStatus.scala)", async () => {
  assert.equal((await admin(x, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  await waitFor("8443 on x", async () => ((await http(x.address, 8443, "GET", "/ping?scope=write")).status === 200 ? true : undefined));
  const client = new faunadb.Client({ secret: ROOT_KEY, domain: x.address, port: 8443, scheme: "http" });
  const ids: string[] = [];
  try {
    await client.query(q.CreateCollection({ name: "Load" }));
    for (let i = 0; i < 20; i++) ids.push(((await client.query(q.Create(q.Collection("Load"), { data: { i } }))) as { ref: { id: string } }).ref.id);
  } finally {
    await client.close();
  }
  for (const n of [y, z]) assert.equal((await admin(n, "POST", "/admin/join", { seed: x.address, replica_name: "r1" })).status, 200);
  const [idx, idy, idz] = await Promise.all([x, y, z].map(identity));

  // Moving: x's data now belongs partly to y and z, so it needs cleanup; a cleanup now is scheduled but refused.
  assert.deepEqual((await admin(x, "GET", "/admin/storage/clean")).json, { resources: { clean: true } });
  assert.deepEqual((await admin(x, "PUT", "/admin/storage/clean")).json, { resource: "ok" });
  await new Promise((r) => setTimeout(r, 800));
  assert.deepEqual((await admin(x, "GET", "/admin/storage/clean")).json, { resources: { clean: true } }, "unstable topology: nothing cleaned");
  const unclean = await admin(x, "POST", "/admin/remove_node", { nodeID: idy, force: false, allow_unclean: false });
  assert.equal(unclean.status, 400);
  assert.equal(errorOf(unclean).description, "Storage is not clean. Run cleanup before attempting removal.");

  await idle(x);
  await waitFor("x clean after a cleanup on a stable topology", async () => {
    await admin(x, "PUT", "/admin/storage/clean");
    await new Promise((r) => setTimeout(r, 400));
    return ((await admin(x, "GET", "/admin/storage/clean")).json as { resources: { clean: boolean } }).resources.clean === false ? true : undefined;
  }, 20_000, 100);

  // A member that does not answer: the check waits for its deadline (FAUNA_SIM_CLEAN_CHECK_TIMEOUT_MS), then refuses.
  const killedAt = Date.now();
  await kill(z);
  await waitFor("z down", async () => ((await row(x, idz!))?.status === "down" ? true : undefined), 10_000, 50);
  const detection = Date.now() - killedAt;
  assert.ok(detection >= 1200, `phi-accrual takes ~18 check intervals, not a fixed second: ${detection} ms`);
  const t0 = Date.now();
  const silent = await admin(x, "POST", "/admin/remove_node", { nodeID: idy, force: false, allow_unclean: false });
  assert.ok(Date.now() - t0 >= 2900, "waited for the deadline");
  assert.equal(silent.status, 400);
  assert.equal(errorOf(silent).description, `Timed out checking cleanliness of cfs: all. Deadline: TimeBound(3 seconds). Recipient: ${idz}.`);
  assert.equal((await row(x, idy!))?.state, "live", "nothing was marked");

  // Forced removal of the dead owner: it stays listed, without an address, until x and y hold its share.
  assert.equal((await admin(x, "POST", "/admin/remove_node", { nodeID: idz, force: true, allow_unclean: true })).status, 204);
  const departed = await row(x, idz!);
  assert.ok(departed, "still listed right after its removal");
  assert.deepEqual({ ...departed, ownership: departed.ownership > 0 }, {
    status: "down", state: "removed", ownership: true, ownership_goal: 0, host_id: idz, address: "n/a", replica: "r1",
    worker_id: "n/a", log_segment: "none", log_segment_leader: false, persisted_timestamp: "not reported",
  });
  await waitFor("z gone once its share moved", async () => ((await row(x, idz!)) === undefined ? true : undefined), 30_000);
  const owners = (await status(x)).nodes.map((r) => [r.host_id, r.ownership]);
  assert.deepEqual(owners.sort(), [[idx, 0.5], [idy, 0.5]].sort());
  // z's own documents lived on z only (one replica): FaunaDB claims such ranges without streaming and they are gone
  // (TopologyReconciler.scala), so nothing is read back here; sim-faunadb-specs checks durability where a copy exists.
  assert.equal(ids.length, 20);
});

test("Corrections 3 (FaunaApp.start, CassandraService startDaemon): a restarted member opens 8444 only after its daemon has started, a fresh node at once", async () => {
  assert.equal((await admin(e, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  assert.equal((await admin(f, "POST", "/admin/join", { seed: e.address, replica_name: "r1" })).status, 200);
  await idle(e);
  await Promise.all([kill(e), kill(f)]);
  const daemon = { ...FAST_SIM_ENV, FAUNA_SIM_DAEMON_START_MS: "2000" };
  const t0 = Date.now();
  start(e, daemon);
  await new Promise((r) => setTimeout(r, 1000));
  await assert.rejects(admin(e, "GET", "/admin/identity"), /ECONNREFUSED/, "a member's admin port waits for its cluster services");
  await waitAdmin(e);
  assert.ok(Date.now() - t0 >= 2000, "not before the daemon started");
  // Its waitables read its own persisted metadata: it starts with its replica's other node still down
  // (MembershipApiSpec restarts a whole cluster one node at a time).
  assert.equal((await admin(e, "GET", "/admin/identity")).status, 200);
  start(f, daemon);
  await waitAdmin(f);
  await waitFor("8443 on f", async () => ((await http(f.address, 8443, "GET", "/ping?scope=write")).status === 200 ? true : undefined));
  // SIGTERM (FaunaApp's shutdown hook): heartbeats stop and work is refused at once, storage stops after the grace.
  const exited = new Promise<number>((ok) => f.proc!.once("exit", () => ok(Date.now())));
  const termAt = Date.now();
  f.proc!.kill("SIGTERM");
  await waitFor("ping refused while shutting down", async () => {
    const r = await http(f.address, 8443, "GET", "/ping?scope=node");
    return r.status === 503 ? r : undefined;
  }, 800, 20).then((r) => assert.deepEqual(r.json, { errors: [{ code: "time out", description: "Scope node is unavailable" }] }));
  assert.equal((await admin(f, "GET", "/admin/identity")).status, 200, "the admin API still answers during the grace");
  assert.ok((await exited) - termAt >= 1000, "shutdown_grace_period_seconds: 1");
  f.proc = undefined;
  const fresh = prepare(base, "fresh", "127.0.0.90");
  start(fresh, daemon);
  try {
    const t1 = Date.now();
    await waitAdmin(fresh);
    assert.ok(Date.now() - t1 < 1500, "a node that is no member does not start a daemon first");
  } finally {
    await kill(fresh);
  }
});
