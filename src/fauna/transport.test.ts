import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { AdminError } from "./errors.ts";
import { send, type TransportOptions } from "./transport.ts";

const LIMIT = 64 * 1024;
let server: http.Server;
let port = 0;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/declared") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(LIMIT + 1) });
      res.end("x".repeat(LIMIT + 1));
    } else if (req.url === "/streamed") {
      res.writeHead(200, { "content-type": "application/json" }); // chunked: no length up front
      const chunk = "y".repeat(16 * 1024);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: "x".repeat(LIMIT - 100) }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

const options: TransportOptions = {
  rootKey: "k".repeat(20), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async () => {}, maxResponseBytes: LIMIT,
};
const get = (path: string) => send(options, { op: "status", node: "127.0.0.1", port, method: "GET", path, timeoutMs: 5_000 });

describe("admin transport: answers are capped", () => {
  it("reads an answer up to the limit", async () => {
    const answer = await get("/small");
    assert.equal(answer.status, 200);
    assert.ok(answer.text.length < LIMIT);
  });

  for (const path of ["/declared", "/streamed"]) {
    it(`refuses an answer over the limit (${path.slice(1)} length), without reading it whole`, async () => {
      await assert.rejects(get(path), (err: unknown) => {
        assert.ok(err instanceof AdminError);
        assert.equal(err.kind, "transport");
        assert.match(err.message, /larger than 65536 bytes/);
        return true;
      });
    });
  }
});
