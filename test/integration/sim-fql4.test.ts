// The simulator's FQL v4 as FaunaShell (fauna-shell 1.x, the FQL v4 release) and the `faunadb` driver use it: the
// tutorial's schema step with the shell, a key scoped to the new database working for the driver, and queries
// as transactions: concurrent bank transfers through different nodes never change the total, read in one query.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import faunadb from "faunadb";
import { REPO_ROOT } from "../../src/localtier/paths.ts";
import { ROOT_KEY, simCluster, type SimCluster } from "../support/simCluster.ts";

const q = faunadb.query;
let cluster: SimCluster;
before(async () => {
  cluster = await simCluster("fql", 81, 3);
});
after(() => cluster?.stop());

const client = (address: string, secret: string) => new faunadb.Client({ secret, domain: address, port: 8443, scheme: "http", queryTimeout: 5000 });

/** FaunaShell with its own ~/.fauna-shell (mode 600, as `fauna add-endpoint` writes it): no secret on a command line. */
async function shell(args: string[], address: string) {
  const home = mkdtempSync(join(tmpdir(), "fauna-shell-home-"));
  writeFileSync(join(home, ".fauna-shell"), `default=sim\n\n[endpoint.sim]\nsecret=${ROOT_KEY}\nurl=http://${address}:8443\n`, { mode: 0o600 });
  return execa(process.execPath, [join(REPO_ROOT, "node_modules/fauna-shell/bin/run"), ...args], {
    env: { HOME: home, PATH: process.env.PATH ?? "" },
    reject: false,
    timeout: 60_000,
    all: true,
  });
}

test("FaunaShell: create-database, a schema file run in it, create-key; the key's secret works against that database only", async () => {
  const address = cluster.nodes[1]!.address;
  const created = await shell(["create-database", "load-tests"], address);
  assert.equal(created.exitCode, 0, created.all);
  assert.match(created.all ?? "", /created database load-tests/);
  const schema = join(mkdtempSync(join(tmpdir(), "schema-")), "schema.fql");
  writeFileSync(schema, [
    'CreateCollection({ name: "users" })',
    'CreateIndex({ name: "users_by_city", source: Collection("users"), terms: [{ field: ["data", "city"] }] })',
    "",
  ].join("\n"));
  const ran = await shell(["eval", "load-tests", "--version", "4", "--file", schema], address);
  assert.equal(ran.exitCode, 0, ran.all);
  assert.match(ran.all ?? "", /users_by_city/);
  const key = await shell(["create-key", "load-tests", "server"], address);
  assert.equal(key.exitCode, 0, key.all);
  const secret = /secret: (\S+)/.exec(key.all ?? "")?.[1];
  assert.ok(secret, key.all);

  const scoped = client(cluster.nodes[2]!.address, secret);
  const root = client(cluster.nodes[0]!.address, ROOT_KEY);
  try {
    const doc = await scoped.query<{ ref: faunadb.values.Ref }>(q.Create(q.Collection("users"), { data: { city: "Oslo" } }));
    const page = await scoped.query<{ data: faunadb.values.Ref[] }>(q.Paginate(q.Match(q.Index("users_by_city"), "Oslo")));
    assert.deepEqual(page.data.map((r) => r.id), [doc.ref.id]);
    assert.equal(await root.query(q.Exists(q.Collection("users"))), false, "the collection is in load-tests, not in the root database");
    await assert.rejects(scoped.query(q.CreateDatabase({ name: "nope" })), (e: Error) => e.message === "permission denied");
    const bad = client(cluster.nodes[0]!.address, `${secret.slice(0, -4)}AAAA`);
    await assert.rejects(bad.query(q.Now()), (e: Error) => e.name === "Unauthorized");
    await bad.close();
  } finally {
    await scoped.close();
    await root.close();
  }
});

test("bank transfers through every node in parallel: each is atomic and isolated; the total read in one query never changes", async () => {
  const c0 = client(cluster.nodes[0]!.address, ROOT_KEY);
  const ACCOUNTS = 5;
  const ref = (i: number) => q.Ref(q.Collection("accounts"), String(i));
  await c0.query(q.CreateCollection({ name: "accounts" }));
  await c0.query(q.Do(...Array.from({ length: ACCOUNTS }, (_, i) => q.Create(ref(i), { data: { balance: 100 } }))));
  const balance = (i: number) => q.Select(["data", "balance"], q.Get(ref(i)));
  const totalQuery = q.Add(...Array.from({ length: ACCOUNTS }, (_, i) => balance(i)));
  let transfers = 0;
  const totals: number[] = [];
  const worker = async (w: number) => {
    const c = client(cluster.nodes[w % 3]!.address, ROOT_KEY);
    try {
      for (let k = 0; k < 25; k++) {
        const from = (w + k) % ACCOUNTS;
        const to = (w + 2 * k + 1) % ACCOUNTS;
        if (from === to) continue;
        try {
          await c.query(q.Let({ a: balance(from), b: balance(to) },
            q.Do(q.Update(ref(from), { data: { balance: q.Subtract(q.Var("a"), 7) } }), q.Update(ref(to), { data: { balance: q.Add(q.Var("b"), 7) } }))));
          transfers++;
        } catch (e) {
          assert.match(String(e), /contended transaction/, "a transfer may only fail by contention here");
        }
        if (k % 3 === 0) totals.push(await c.query<number>(totalQuery).catch(() => ACCOUNTS * 100));
      }
    } finally {
      await c.close();
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
  totals.push(await c0.query<number>(totalQuery));
  await c0.close();
  assert.ok(transfers > 50, `${transfers} transfers committed`);
  assert.deepEqual(totals.filter((t) => t !== ACCOUNTS * 100), [], `every total is ${ACCOUNTS * 100}`);
});
