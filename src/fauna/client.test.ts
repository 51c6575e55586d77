import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createHttpFaunaAdmin, type FaunaAdmin } from "./client.ts";
import { Registry } from "prom-client";
import { AdminError } from "./errors.ts";
import { adminMetrics } from "./metrics.ts";

// A tiny node that answers as FACTS §2 says, with switches for the cases under test.
const KEY = "s3cr3t-root-key";
const golden = readFileSync(new URL("../../test/fixtures/golden/admin-status.json", import.meta.url), "utf8");
const fake = {
  member: true,
  etag: '"v1"',
  replicas: [{ name: "r1", type: "data+log" }] as { name: string; type: string }[],
  moving: false,
  needsCleanup: true,
  removeError: null as string | null,
  silent: false,
  requests: [] as { method: string; url: string; body: string; headers: http.IncomingHttpHeaders }[],
};
const err = (code: string, description: string) => JSON.stringify({ errors: [{ code, description }] });

function handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  const reply = (status: number, payload?: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(payload);
  };
  if (fake.silent) return; // accept the request, never answer
  if (req.url?.startsWith("/ping")) return reply(200, JSON.stringify({ resource: "Scope node is OK" }));
  if (req.headers.authorization !== `Basic ${Buffer.from(`${KEY}:`).toString("base64")}`) {
    return reply(401, err("unauthorized", "Unauthorized"));
  }
  const route = `${req.method} ${req.url}`;
  switch (route) {
    case "GET /admin/status":
      return fake.member ? reply(200, golden) : reply(503, err("cluster uninitialized", "This node is not part of a cluster."));
    case "GET /admin/identity":
      return fake.member
        ? reply(200, JSON.stringify({ identity: "11a38170-3c07-4c13-b700-86c58ca888c2" }))
        : reply(500, err("internal server error", "Host is not a member of a cluster"));
    case "POST /admin/host-id":
      return JSON.parse(body).node === "10.244.0.9"
        ? reply(200, JSON.stringify({ identity: "6c3f2824-25a5-404d-96c3-2838d4d04692" }))
        : reply(400, err("bad request", "Host is unknown."));
    case "POST /admin/init":
    case "POST /admin/join": {
      const name = JSON.parse(body).replica_name;
      if (name === "wrong") return reply(400, err("bad request", "Replica name is already set to 'r1'."));
      const changed = !fake.member;
      fake.member = true;
      return reply(200, JSON.stringify({ changed }));
    }
    case "GET /admin/replication":
      return reply(200, JSON.stringify({ resource: { replicas: fake.replicas } }), { etag: fake.etag });
    case "PUT /admin/replication": {
      const match = req.headers["if-match"];
      if (match !== undefined && match !== "*" && match !== fake.etag) return reply(412, err("precondition failed", "Precondition failed"));
      fake.replicas = JSON.parse(body).replicas;
      fake.etag = `"v${Date.now()}"`;
      return reply(204);
    }
    case "POST /admin/remove_node":
      return fake.removeError ? reply(400, err("bad request", fake.removeError)) : reply(204);
    case "GET /admin/movement_status": {
      const line = fake.moving ? "12.50% of tokens in 3 segments moving to 1 nodes in 1 replicas." : "No data movement is currently in progress.";
      return reply(200, JSON.stringify({ resource: { movement_status: line } }));
    }
    case "GET /admin/storage/clean":
      return reply(200, JSON.stringify({ resources: { clean: fake.needsCleanup } }));
    case "PUT /admin/storage/clean":
      fake.needsCleanup = false;
      return reply(200, JSON.stringify({ resource: "ok" }));
    default:
      return reply(404, err("not found", "Not found"));
  }
}

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    fake.requests.push({ method: req.method ?? "", url: req.url ?? "", body, headers: req.headers });
    handle(req, body, res);
  });
});
let node = "";
let admin: FaunaAdmin;
const noSleep = async () => {};

before(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  node = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  admin = createHttpFaunaAdmin({ rootKey: KEY, apiPort: (server.address() as AddressInfo).port, sleep: noSleep });
});
after(() => new Promise<void>((r) => server.close(() => r())));

test("status parses the golden answer and sends Basic auth with the key as user and an empty password", async () => {
  fake.member = true;
  const answer = await admin.status(node);
  assert.ok(answer.member);
  assert.equal(answer.cluster.members.length, 2);
  assert.equal(answer.cluster.members[0]?.workerId, 512);
  assert.equal(fake.requests.at(-1)?.headers.authorization, `Basic ${Buffer.from(`${KEY}:`).toString("base64")}`);
});

test("a node that is not a member answers status and identity as domain values", async () => {
  fake.member = false;
  assert.deepEqual(await admin.status(node), { member: false });
  assert.equal(await admin.identity(node), null);
});

test("init and join: already a member is success with changed=false; join sends seed host:peerPort", async () => {
  fake.member = false;
  assert.deepEqual(await admin.init(node, "r1"), { changed: true });
  assert.deepEqual(await admin.init(node, "r1"), { changed: false });
  assert.deepEqual(await admin.join(node, { host: "fc-r1-0.fc.ns.svc", peerPort: 7500 }, "r2"), { changed: false });
  assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { seed: "fc-r1-0.fc.ns.svc:7500", replica_name: "r2" });
});

test("a replica-name conflict is a non-retryable bad request", async () => {
  await assert.rejects(admin.init(node, "wrong"), (e: unknown) => {
    assert.ok(e instanceof AdminError);
    assert.equal(e.kind, "bad-request");
    assert.equal(e.status, 400);
    assert.equal(e.retryable, false);
    assert.match(e.message, /init on 127\.0\.0\.1:\d+ .*already set to 'r1'/);
    return true;
  });
});

test("replication: GET returns the ETag, PUT sends If-Match, a stale ETag is precondition-failed", async () => {
  const current = await admin.getReplication(node);
  assert.deepEqual(current.replicas, fake.replicas);
  const next = [...current.replicas, { name: "r2", type: "data+log" as const }];
  assert.equal(await admin.putReplication(node, next, current.etag), "applied");
  assert.equal(fake.requests.at(-1)?.headers["if-match"], current.etag);
  assert.equal(await admin.putReplication(node, next, current.etag), "precondition-failed");
});

test("remove_node sends force and allow_unclean explicitly and maps refusals to kinds", async () => {
  fake.removeError = null;
  await admin.removeNode(node, "h1", { force: false, allowUnclean: false });
  assert.deepEqual(JSON.parse(fake.requests.at(-1)!.body), { nodeID: "h1", force: false, allow_unclean: false });
  fake.removeError = "Storage is not clean. Run cleanup before attempting removal.";
  await assert.rejects(admin.removeNode(node, "h1", { force: false, allowUnclean: false }), { kind: "storage-not-clean", retryable: true });
  fake.removeError = "Removing h1 would leave its data replica r1 empty. Update the replica to compute type first.";
  await assert.rejects(admin.removeNode(node, "h1", { force: true, allowUnclean: true }), { kind: "last-data-node" });
});

test("movement status, storage cleanup, host-id and ping", async () => {
  fake.moving = true;
  assert.deepEqual((await admin.movementStatus(node)).progress, { percent: 12.5, segments: 3, hosts: 1, replicas: 1 });
  fake.moving = false;
  assert.equal((await admin.movementStatus(node)).idle, true);
  fake.needsCleanup = true;
  assert.equal(await admin.needsCleanup(node), true);
  await admin.cleanStorage(node);
  assert.equal(await admin.needsCleanup(node), false);
  assert.equal(await admin.hostId(node, "10.244.0.9"), "6c3f2824-25a5-404d-96c3-2838d4d04692");
  assert.equal(await admin.hostId(node, "10.244.0.10"), null);
  assert.deepEqual(await admin.ping(node), { ok: true, message: "Scope node is OK" });
  assert.equal(fake.requests.at(-1)?.headers.authorization, undefined);
});

test("a wrong key is unauthorized and the key appears nowhere in the error", async () => {
  const wrong = createHttpFaunaAdmin({ rootKey: "other-key", sleep: noSleep });
  await assert.rejects(wrong.status(node), (e: unknown) => {
    assert.ok(e instanceof AdminError);
    assert.equal(e.kind, "unauthorized");
    assert.doesNotMatch(`${e.message} ${e.body} ${String(e.cause)} ${JSON.stringify(e)}`, /other-key|b3RoZXIta2V5/);
    return true;
  });
});

test("connection errors are retried with backoff, then reported without the key", async () => {
  const delays: number[] = [];
  const client = createHttpFaunaAdmin({
    rootKey: KEY, retry: { attempts: 3, baseDelayMs: 100 }, sleep: async (ms) => void delays.push(ms),
  });
  await assert.rejects(client.status("127.0.0.1:1"), (e: unknown) => {
    assert.ok(e instanceof AdminError);
    assert.equal(e.kind, "connection");
    assert.equal(e.retryable, true);
    assert.doesNotMatch(e.message, new RegExp(KEY));
    return true;
  });
  assert.deepEqual(delays, [100, 200]);
  const ping = await client.ping("127.0.0.1:1");
  assert.equal(ping.ok, false);
});

test("a write whose fence closes during a retry's backoff is not retried (a leader frozen there writes nothing)", async () => {
  let leading = true;
  let attempts = 0;
  const client = createHttpFaunaAdmin({
    rootKey: KEY,
    retry: { attempts: 3, baseDelayMs: 100 },
    fence: () => {
      if (!leading) throw new Error("not the leader");
      attempts++;
    },
    sleep: async () => {
      leading = false;
    },
  });
  await assert.rejects(client.init("127.0.0.1:1", "r1"), /not the leader/);
  assert.equal(attempts, 1);
});

test("every call has a timeout and a timeout is not retried", async () => {
  const client = createHttpFaunaAdmin({ rootKey: KEY, timeoutMs: { join: 150 }, sleep: noSleep });
  const sent = fake.requests.length;
  fake.silent = true;
  try {
    await assert.rejects(client.join(node, { host: "seed", peerPort: 7500 }, "r2"), { kind: "timeout", retryable: true });
  } finally {
    fake.silent = false;
  }
  assert.equal(fake.requests.length, sent + 1);
});

test("metrics count every call by operation and outcome, writes apart, unreachable nodes by failure kind", async () => {
  const registry = new Registry();
  const client = createHttpFaunaAdmin({ rootKey: KEY, retry: { attempts: 1 }, sleep: noSleep, metrics: adminMetrics(registry) });
  await client.status(node);
  await client.identity(node);
  await client.identity(node);
  await client.cleanStorage(node);
  await assert.rejects(client.identity("127.0.0.1:1"), { kind: "connection" });
  const text = await registry.metrics();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  assert.equal(value('fauna_admin_requests_total{op="status",outcome="200"}'), 1);
  assert.equal(value('fauna_admin_requests_total{op="identity",outcome="200"}'), 2);
  assert.equal(value('fauna_admin_requests_total{op="identity",outcome="connection"}'), 1);
  assert.equal(value('fauna_admin_requests_total{op="clean-storage",outcome="200"}'), 1);
  assert.equal(value('fauna_admin_writes_total{op="clean-storage"}'), 1);
  assert.doesNotMatch(text, /fauna_admin_writes_total\{op="(status|identity)"\}/);
  assert.doesNotMatch(text, new RegExp(KEY));
  // A write the fence stopped sent nothing: not counted as a call.
  const calls: string[] = [];
  const fenced = createHttpFaunaAdmin({
    rootKey: KEY, retry: { attempts: 1 }, sleep: noSleep, metrics: { observe: (op, outcome) => void calls.push(`${op} ${outcome}`) },
    fence: () => {
      throw new Error("not the leader");
    },
  });
  await assert.rejects(fenced.cleanStorage(node), /not the leader/);
  await fenced.identity(node);
  assert.deepEqual(calls, ["identity 200"]);
});
