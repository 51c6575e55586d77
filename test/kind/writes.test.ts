// writes.ts against a fake FQL v10 endpoint on loopback: the wire format (path, headers, scoped secret, JSON body),
// failed writes not counted as acknowledged, pagination of the read-back, and loss detection.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createStore, type Endpoint, lostWrites, query, QueryError, readAll, startWrites } from "./writes.ts";

const ROOT = "secret-root";
let server: Server;
let endpoint: Endpoint;
const docs = new Map<string, number>();
const seen: { auth: string | undefined; linearized: string | undefined; path: string | undefined }[] = [];
let writes = 0;

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = "";
    req.on("data", (c: Buffer) => (s += c.toString()));
    req.on("end", () => resolve(s));
  });

before(async () => {
  server = createServer((req, res) => {
    void body(req).then((text) => {
      seen.push({ auth: req.headers.authorization, linearized: req.headers["x-linearized"] as string | undefined, path: req.url });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      const { query: fql } = JSON.parse(text) as { query: string };
      const scoped = /^Bearer secret-root:kind_[0-9a-f]{8}:admin$/.test(req.headers.authorization ?? "");
      if (fql.includes("Database.create")) return send(200, { data: null });
      if (!scoped) return send(401, { error: { code: "unauthorized", message: "Access token required" } });
      if (fql.includes("Collection.create")) return send(200, { data: null });
      const create = /^Writes\.create\(\{ n: (-?\d+) \}\)$/.exec(fql);
      if (create) {
        // Every third write fails as a node going away would.
        if (++writes % 3 === 0) return send(503, { error: { code: "time_out", message: "timed out" } });
        const id = String(400000 + docs.size);
        docs.set(id, Number(create[1]));
        return send(200, { data: { id, coll: "Writes", n: Number(create[1]) } });
      }
      const all = [...docs.entries()];
      if (fql === "Writes.all().map(d => [d.id, d.n]).pageSize(500)") return send(200, { data: { data: all.slice(0, 3), after: "cursor-1" } });
      if (fql === 'Set.paginate("cursor-1")') return send(200, { data: { data: all.slice(3) } });
      return send(400, { error: { code: "invalid_query", message: `unexpected ${fql}` } });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = { domain: "127.0.0.1", port: (server.address() as AddressInfo).port };
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe("kind writes (FQL v10)", () => {
  it("creates a store scoped to a child database, acknowledges only successful writes, reads every page back", async () => {
    const store = await createStore(endpoint, ROOT, 5000);
    assert.match(store.secret, /^secret-root:kind_[0-9a-f]{8}:admin$/);
    const w = startWrites(() => endpoint, store, { workers: 2, pauseMs: 1, maxWrites: 12 });
    await new Promise((r) => setTimeout(r, 300));
    const report = await w.stop();
    assert.ok(report.attempted <= 12, `bounded: ${report.attempted}`);
    assert.equal(report.acknowledged + report.failed, report.attempted);
    assert.ok(report.failed > 0 && report.errors["HTTP 503 time_out"] === report.failed, JSON.stringify(report));
    const stored = await readAll(endpoint, store, 5000);
    assert.equal(stored.size, docs.size, "both pages read");
    assert.deepEqual(lostWrites(w.acked, stored), []);
    assert.ok(seen.every((s) => s.path === "/query/1" && s.linearized === "true"));
  });

  it("stops at maxWrites when not stopped", async () => {
    const store = await createStore(endpoint, ROOT, 5000);
    const w = startWrites(() => endpoint, store, { workers: 3, pauseMs: 1, maxWrites: 9 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(w.report().attempted, 9);
    await w.stop();
  });

  it("reports a missing or changed acknowledged write as lost", () => {
    const acked = [{ id: "1", n: 1 }, { id: "2", n: 2 }, { id: "3", n: 3 }];
    const stored = new Map([["1", 1], ["3", 30]]);
    assert.deepEqual(lostWrites(acked, stored), [{ id: "2", n: 2 }, { id: "3", n: 3 }]);
  });

  it("turns an error answer into a QueryError with status and code, without the secret", async () => {
    const err = await query(endpoint, "wrong-secret", "Writes.create({ n: 1 })").catch((e: unknown) => e);
    assert.ok(err instanceof QueryError);
    assert.equal(err.status, 401);
    assert.equal(err.code, "unauthorized");
    assert.doesNotMatch(err.message, /wrong-secret/);
  });
});
