// The FQL v4 evaluator against an in-memory store: the forms as the `faunadb` driver builds them, answers decoded
// by the driver's own parser, one commit per query with every read and write, and FaunaDB's errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import faunadb from "faunadb";
import { keyIdOf, runFql4, type Commit, type Fql4Store, type Scope, type Txn } from "./fql4.ts";
import type { Doc } from "./node.ts";

const q = faunadb.query;

function memory() {
  const docs = new Map<string, Doc>();
  let clock = 1_700_000_000_000;
  let seq = 0;
  const commits: Txn[] = [];
  const store: Fql4Store = {
    now: () => clock,
    newId: () => String(360_000_000_000_000_000n + BigInt(seq++)),
    read: async (key) => docs.get(key),
    scan: async (prefix) => [...docs.values()].filter((d) => d.key.startsWith(prefix)),
  };
  const commit: Commit = async (txn) => {
    commits.push(txn);
    const ts = ++clock;
    for (const d of txn.writes.values()) docs.set(d.key, { ...d, ts });
    return ts;
  };
  return { docs, store, commit, commits };
}

const ROOT: Scope = { path: [], role: "admin" };

async function run(m: ReturnType<typeof memory>, expr: faunadb.ExprArg, scope: Scope = ROOT, commit: Commit = m.commit) {
  const body = JSON.parse(JSON.stringify(expr)) as unknown;
  const answer = await runFql4(body, m.store, scope, commit);
  const decoded = faunadb.parseJSON(JSON.stringify(answer.body)) as { resource?: unknown; errors?: { code: string; description: string }[] };
  return { status: answer.status, resource: decoded.resource as never, errors: decoded.errors, txnMicros: answer.txnMicros };
}

test("the tutorial's schema step: a database, a collection, an index and a key scoped to the database", async () => {
  const m = memory();
  const db = await run(m, q.CreateDatabase({ name: "load-tests" }));
  assert.equal(db.status, 200);
  assert.equal((db.resource as { name: string }).name, "load-tests");
  const inDb: Scope = { path: ["load-tests"], role: "admin" };
  assert.equal((await run(m, q.CreateCollection({ name: "users" }), inDb)).status, 200);
  const idx = await run(m, q.CreateIndex({ name: "users_by_city", source: q.Collection("users"), terms: [{ field: ["data", "city"] }] }), inDb);
  assert.equal(idx.status, 200, JSON.stringify(idx.errors));
  const key = await run(m, q.CreateKey({ database: q.Database("load-tests"), role: "server" }));
  assert.equal(key.status, 200, JSON.stringify(key.errors));
  const k = key.resource as { secret: string; role: string; ref: { id: string }; database: { id: string } };
  assert.equal(k.role, "server");
  assert.equal(k.database.id, "load-tests");
  assert.match(k.secret, /^fnA/, "a version-126 key secret starts with fnA, as FaunaDB's do");
  assert.equal(keyIdOf(k.secret), k.ref.id);
  assert.ok([...m.docs.keys()].includes(`@keys/${k.ref.id}`));
  // The collection lives in the child database only.
  assert.equal((await run(m, q.Exists(q.Collection("users")))).resource, false);
  assert.equal((await run(m, q.Exists(q.Collection("users")), inDb)).resource, true);
  assert.equal((await run(m, q.CreateDatabase({ name: "load-tests" }))).errors?.[0]?.code, "instance already exists");
});

test("an index answers Paginate(Match) with the refs of the matching documents", async () => {
  const m = memory();
  await run(m, q.CreateCollection({ name: "users" }));
  await run(m, q.CreateIndex({ name: "by_city", source: q.Collection("users"), terms: [{ field: ["data", "city"] }] }));
  for (const city of ["Oslo", "Lima", "Oslo"]) await run(m, q.Create(q.Collection("users"), { data: { city } }));
  const page = await run(m, q.Paginate(q.Match(q.Index("by_city"), "Oslo")));
  assert.equal(page.status, 200, JSON.stringify(page.errors));
  const data = (page.resource as { data: { id: string; collection: { id: string } }[] }).data;
  assert.equal(data.length, 2);
  assert.ok(data.every((r) => r.collection.id === "users"));
  const mapped = await run(m, q.Map(q.Paginate(q.Match(q.Index("by_city"), "Lima")), q.Lambda("r", q.Select(["data", "city"], q.Get(q.Var("r"))))));
  assert.deepEqual((mapped.resource as { data: string[] }).data, ["Lima"]);
  assert.equal((await run(m, q.Count(q.Match(q.Index("by_city"), "Oslo")))).resource, 2);
});

test("a bank transfer is one query: both balances read, both writes handed to one commit", async () => {
  const m = memory();
  await run(m, q.CreateCollection({ name: "accounts" }));
  for (const id of ["1", "2"]) await run(m, q.Create(q.Ref(q.Collection("accounts"), id), { data: { balance: 100 } }));
  m.commits.length = 0;
  const a = q.Ref(q.Collection("accounts"), "1");
  const b = q.Ref(q.Collection("accounts"), "2");
  const transfer = q.Let(
    { from: q.Select(["data", "balance"], q.Get(a)), to: q.Select(["data", "balance"], q.Get(b)) },
    q.If(q.GTE(q.Var("from"), 30),
      q.Do(q.Update(a, { data: { balance: q.Subtract(q.Var("from"), 30) } }), q.Update(b, { data: { balance: q.Add(q.Var("to"), 30) } }), q.Now()),
      q.Abort("insufficient funds")),
  );
  const r = await run(m, transfer);
  assert.equal(r.status, 200, JSON.stringify(r.errors));
  assert.equal(m.commits.length, 1);
  assert.deepEqual([...m.commits[0]!.writes.keys()].sort(), ["accounts/1", "accounts/2"]);
  assert.deepEqual([...m.commits[0]!.reads.keys()].sort(), ["accounts/1", "accounts/2"]);
  const total = await run(m, q.Add(q.Select(["data", "balance"], q.Get(a)), q.Select(["data", "balance"], q.Get(b))));
  assert.equal(total.resource, 200);
  assert.equal((await run(m, q.Select(["data", "balance"], q.Get(a)))).resource, 70);
  const aborted = await run(m, q.If(q.GTE(1, 30), null, q.Abort("insufficient funds")));
  assert.deepEqual(aborted.errors?.[0], { position: [], code: "transaction aborted", description: "insufficient funds" });
});

test("writes carry the commit's time; later reads in the same query see them; Update merges", async () => {
  const m = memory();
  await run(m, q.CreateCollection({ name: "r" }));
  const created = await run(m, q.Do(q.Create(q.Ref(q.Collection("r"), "x"), { data: { v: 1, keep: true } }), q.Update(q.Ref(q.Collection("r"), "x"), { data: { v: 2 } })));
  assert.equal(created.status, 200, JSON.stringify(created.errors));
  const doc = created.resource as { ts: number; data: Record<string, unknown> };
  assert.deepEqual(doc.data, { v: 2, keep: true });
  assert.equal(doc.ts, created.txnMicros, "the written document's ts is the transaction time");
});

test("a contended commit re-runs the query; past the retries the client gets 409", async () => {
  const m = memory();
  await run(m, q.CreateCollection({ name: "c" }));
  let refusals = 2;
  const flaky: Commit = async (txn) => {
    if (refusals-- > 0) throw Object.assign(new Error("contended"), { status: 409, code: "contended transaction" });
    return m.commit(txn);
  };
  assert.equal((await run(m, q.Create(q.Collection("c"), { data: {} }), ROOT, flaky)).status, 200);
  const never: Commit = async () => {
    throw Object.assign(new Error("contended"), { status: 409 });
  };
  const r = await run(m, q.Create(q.Collection("c"), { data: {} }), ROOT, never);
  assert.equal(r.status, 409);
  assert.equal(r.errors?.[0]?.code, "contended transaction");
});

test("unsupported forms and roles answer FaunaDB's own errors", async () => {
  const m = memory();
  const r = await runFql4({ create_function: { object: { name: "f" } } }, m.store, ROOT, m.commit);
  assert.equal(r.status, 400);
  assert.deepEqual((r.body as { errors: unknown[] }).errors[0], { position: [], code: "invalid expression", description: "No form/function found, or invalid argument keys: { create_function }." });
  const server: Scope = { path: [], role: "server" };
  assert.equal((await run(m, q.CreateDatabase({ name: "x" }), server)).errors?.[0]?.code, "permission denied");
  assert.equal((await run(m, q.Get(q.Ref(q.Collection("nope"), "1")))).errors?.[0]?.code, "instance not found");
  assert.equal((await run(m, q.Create(q.Collection("nope"), {}))).errors?.[0]?.description, "Ref refers to undefined collection 'nope'");
  assert.equal((await run(m, q.Var("x"))).errors?.[0]?.description, "Variable 'x' is not defined.");
  const ro: Scope = { path: [], role: "server-readonly" };
  await run(m, q.CreateCollection({ name: "c" }));
  assert.equal((await run(m, q.Create(q.Collection("c"), {}), ro)).status, 403);
});
