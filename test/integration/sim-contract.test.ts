// Contract tests of the simulator's admin API and /ping against FACTS.md §1.5, §2, §3, §5, §7.3 (one node and a
// 3-node cluster on 127.0.0.x), plus the fault switch and the settle-time trap.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import faunadb from "faunadb";
import { isAdminErrorBody, type AdminStatusResponse } from "../../src/fauna/wire.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { admin, basic, http, kill, prepare, ROOT_KEY, start, waitAdmin, waitFor, type SimProc } from "../../src/sim/testing/processCluster.ts";

const q = faunadb.query;
const base = mkdtempSync(join(tmpdir(), "sim-contract-"));
const solo = prepare(base, "solo", "127.0.0.61");
const faulty = prepare(base, "faulty", "127.0.0.62");
const trap = [1, 2, 3].map((i) => prepare(base, `trap${i}`, `127.0.0.${62 + i}`));

before(async () => {
  start(solo, FAST_SIM_ENV);
  start(faulty, { ...FAST_SIM_ENV, FAUNA_SIM_FAULT_DROP_ACKED_WRITES: "1" });
  for (const n of trap) start(n, { ...FAST_SIM_ENV, FAUNA_SIM_SETTLE_MS: "60000" });
  await Promise.all([solo, faulty, ...trap].map(waitAdmin));
});
after(async () => {
  await Promise.all([solo, faulty, ...trap].map((n) => kill(n, "SIGTERM")));
  rmSync(base, { recursive: true, force: true });
});

const errorOf = (r: { json: unknown }) => {
  assert.ok(isAdminErrorBody(r.json), JSON.stringify(r.json));
  return r.json.errors[0]!;
};

test("config: unknown key, missing broadcast address, missing root key, missing flags dir are fatal", () => {
  const cases: [string, RegExp][] = [
    ["auth_root_key: k\nnetwork_broadcast_address: 127.0.0.1\nbogus_key: 1\n", /`bogus_key`: Unrecognized setting\./],
    ["auth_root_key: k\n", /Required configuration setting `network_broadcast_address` absent or null\./],
    ["network_broadcast_address: 127.0.0.1\n", /auth_root_key or auth_root_key_hash must be set\./],
    [`auth_root_key: k\nnetwork_broadcast_address: 127.0.0.1\nflags_path: ${base}/nope/ff.json\n`, /NoSuchFileException/],
  ];
  for (const [yml, re] of cases) {
    const f = join(base, "bad.yml");
    writeFileSync(f, yml);
    const r = spawnSync(process.execPath, ["src/cli/main.ts", "sim", "--config", f], { encoding: "utf8", timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, re);
  }
});

test("auth: Basic with root key only; Bearer and wrong keys get the 401 body", async () => {
  for (const headers of [{}, { authorization: `Bearer ${ROOT_KEY}` }, basic("wrong")]) {
    const r = await http(solo.address, 8444, "GET", "/admin/status", undefined, headers);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { errors: [{ code: "unauthorized", description: "Unauthorized" }] });
  }
});

test("before init (FACTS Corrections 1): status/replication/movement/storage 500 UninitializedException, identity 500 not initialized, 8443 closed; init validation; init, then idempotent", async () => {
  const uninitialized = {
    code: "internal server error",
    description: "fauna.repo.UninitializedException: FaunaDB Service is uninitialized Please create a ticket at https://support.fauna.com",
  };
  for (const [method, path] of [["GET", "/admin/status"], ["GET", "/admin/replication"], ["GET", "/admin/movement_status"], ["GET", "/admin/storage/clean"], ["PUT", "/admin/storage/clean"], ["POST", "/admin/host-id"]] as const) {
    const r = await admin(solo, method, path, method === "GET" ? undefined : {});
    assert.equal(r.status, 500, `${method} ${path}`);
    assert.deepEqual(errorOf(r), uninitialized, `${method} ${path}`);
  }
  assert.equal(errorOf(await admin(solo, "POST", "/admin/remove_node", {})).description, "No nodeID in the request");
  assert.deepEqual(errorOf(await admin(solo, "POST", "/admin/remove_node", { nodeID: "x" })), uninitialized);
  const id = await admin(solo, "GET", "/admin/identity");
  assert.equal(id.status, 500);
  assert.deepEqual(errorOf(id), { code: "internal server error", description: "Host is not initialized\nPlease create a ticket at https://support.fauna.com" });
  await assert.rejects(http(solo.address, 8443, "GET", "/ping?scope=node"));
  assert.equal(errorOf(await admin(solo, "POST", "/admin/init", {})).description, "Replica name is required.");
  assert.equal(errorOf(await admin(solo, "POST", "/admin/init", { replica_name: "-bad" })).description, "Replica name is invalid.");
  assert.equal(errorOf(await admin(solo, "POST", "/admin/join", { replica_name: "r1" })).description, "No seed in the request.");
  assert.deepEqual((await admin(solo, "POST", "/admin/init", { replica_name: "r1" })).json, { changed: true });
  assert.deepEqual((await admin(solo, "POST", "/admin/init", { replica_name: "r1" })).json, { changed: false });
  assert.equal(errorOf(await admin(solo, "POST", "/admin/init", { replica_name: "r2" })).description, "Replica name is already set to 'r1'.");
});

test("status JSON has the golden shape and types; movement idle; replication, storage, host-id, remove, 404/405", async () => {
  const st = (await admin(solo, "GET", "/admin/status")).json as AdminStatusResponse;
  const n = st.nodes[0]!;
  assert.deepEqual(Object.keys(n), ["status", "state", "ownership", "ownership_goal", "host_id", "address", "replica", "worker_id", "log_segment", "log_segment_leader", "persisted_timestamp"]);
  assert.equal(typeof n.worker_id, "string");
  assert.equal(typeof n.log_segment, "string");
  assert.equal(n.ownership, 1);
  assert.equal(n.log_segment_leader, true);
  assert.deepEqual(st.replica_info, [{ name: "r1", type: "data+log" }]);
  assert.deepEqual((await admin(solo, "GET", "/admin/movement_status")).json, { resource: { movement_status: "No data movement is currently in progress." } });
  const rep = await admin(solo, "GET", "/admin/replication");
  assert.match(String(rep.headers.etag), /^[A-Za-z0-9_-]{27}$/);
  const put = (body: unknown, h: Record<string, string> = {}) => admin(solo, "PUT", "/admin/replication", body, h);
  assert.equal(errorOf(await put({ replicas: [] })).description, "Missing specification for replica r1");
  assert.equal(errorOf(await put({ replicas: [{ name: "zz", type: "data" }] })).description, "Unknown replica zz");
  assert.equal(errorOf(await put({ replicas: [{ name: "r1", type: "weird" }] })).description, "Unknown replica type weird");
  const compute = await put({ replicas: [{ name: "r1", type: "compute" }] });
  assert.equal(compute.status, 500);
  assert.match(errorOf(compute).description, /^java\.lang\.IllegalArgumentException: Cluster must have at least one data\+log replica\./);
  assert.equal((await put({ replicas: [{ name: "r1", type: "data+log" }] }, { "if-match": "stale" })).status, 412);
  assert.equal((await put({ replicas: [{ name: "r1", type: "data+log" }] }, { "if-match": String(rep.headers.etag) })).status, 204);
  assert.deepEqual((await admin(solo, "GET", "/admin/storage/clean")).json, { resources: { clean: false } });
  assert.deepEqual((await admin(solo, "PUT", "/admin/storage/clean")).json, { resource: "ok" });
  assert.deepEqual((await admin(solo, "POST", "/admin/host-id", { node: solo.address })).json, { identity: n.host_id });
  assert.equal(errorOf(await admin(solo, "POST", "/admin/host-id", { node: "1.2.3.4" })).description, "Host is unknown.");
  const rm = await admin(solo, "POST", "/admin/remove_node", { nodeID: n.host_id, force: false, allow_unclean: false });
  assert.equal(rm.status, 400);
  assert.equal(errorOf(rm).description, `Removing ${n.host_id} would leave its data replica r1 empty. Update the replica to compute type first.`);
  assert.equal((await admin(solo, "GET", "/admin/nope")).status, 404);
  const m = await admin(solo, "DELETE", "/admin/status");
  assert.equal(m.status, 405);
  assert.equal(errorOf(m).code, "method not allowed");
});

test("/ping scopes, bodies and the unknown-scope rule", async () => {
  await waitFor("8443", async () => ((await http(solo.address, 8443, "GET", "/ping")).status === 200 ? true : undefined));
  for (const [param, scope] of [["", "write"], ["?scope=read", "read"], ["?scope=local", "read"], ["?scope=global", "write"], ["?scope=all", "all"], ["?scope=node", "node"], ["?scope=WRITE", "node"]]) {
    const r = await http(solo.address, 8443, "GET", `/ping${param}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, `{ "resource": "Scope ${scope} is OK" }\n`);
  }
  assert.equal((await http(solo.address, 8443, "HEAD", "/ping")).text, "");
});

test("fault switch: an acknowledged write is silently lost, so a durability check fails", async () => {
  assert.equal((await admin(faulty, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  await waitFor("8443", async () => ((await http(faulty.address, 8443, "GET", "/ping")).status === 200 ? true : undefined));
  const c = new faunadb.Client({ secret: ROOT_KEY, domain: faulty.address, port: 8443, scheme: "http" });
  try {
    await c.query(q.CreateCollection({ name: "Load" })); // acknowledged...
    await assert.rejects(c.query(q.Get(q.Collection("Load")))); // ...but gone
  } finally {
    await c.close();
  }
});

test("settle-time trap (FACTS §7.3): update-replica right after joins leaves a segment without a leader until a restart", async () => {
  const [seed, a, b] = trap as [SimProc, SimProc, SimProc];
  await admin(seed, "POST", "/admin/init", { replica_name: "r1" });
  await admin(a, "POST", "/admin/join", { seed: `${seed.address}:7500`, replica_name: "r2" });
  await admin(b, "POST", "/admin/join", { seed: seed.address, replica_name: "r3" });
  const replicas = ["r1", "r2", "r3"].map((name) => ({ name, type: "data+log" }));
  assert.equal((await admin(seed, "PUT", "/admin/replication", { replicas })).status, 204);
  const st = (await admin(seed, "GET", "/admin/status")).json as AdminStatusResponse;
  assert.ok(st.nodes.every((x) => !x.log_segment_leader));
  assert.equal((await http(seed.address, 8443, "GET", "/ping?scope=write&timeout=300")).status, 503);
  await kill(a, "SIGTERM");
  start(a);
  await waitFor("leader after restart", async () => (((await admin(seed, "GET", "/admin/status")).json as AdminStatusResponse).nodes.some((x) => x.log_segment_leader) ? true : undefined), 10_000);
});
