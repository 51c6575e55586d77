import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { issueCa, issueCert } from "../faunacluster/tls/pki.ts";
import { postJson } from "./http.ts";

const now = new Date();
const ca = issueCa({ commonName: "test-ca", now, days: 1 });
const cert = issueCert(ca, { commonName: "peer", ipAddresses: ["127.0.0.1"], usage: "peer", now, days: 1 });

let server: Server;
let port = 0;
/** Per socket, how many requests it carried; a request marked `drop` on a reused socket is cut without an answer. */
const perSocket = new WeakMap<Socket, number>();
let received: string[] = [];

before(async () => {
  server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    received.push(`${req.url} #${n}`);
    // The server closing a kept-alive socket just as the next request arrives: it never reads or answers it.
    if (req.url === "/drop-reused" && n > 1) return req.socket.destroy();
    if (req.url === "/drop-always") return req.socket.destroy();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n }));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

const agent = () => new Agent({ keepAlive: true, ca: ca.cert, maxSockets: 1 });

test("a request on a kept-alive socket the server cut before reading it is sent once more, on a new socket", async () => {
  received = [];
  const a = agent();
  try {
    assert.equal((await postJson("127.0.0.1", port, "/drop-reused", {}, 2000, {}, undefined, a)).status, 200);
    const second = await postJson("127.0.0.1", port, "/drop-reused", {}, 2000, {}, undefined, a);
    assert.deepEqual(second, { status: 200, body: { ok: true, n: 1 } }, "answered on a new socket");
    assert.deepEqual(received, ["/drop-reused #1", "/drop-reused #2", "/drop-reused #1"]);
  } finally {
    a.destroy();
  }
});

test("a request cut on a new socket is not sent again: the caller sees the failure", async () => {
  received = [];
  const a = agent();
  try {
    await assert.rejects(postJson("127.0.0.1", port, "/drop-always", {}, 2000, {}, undefined, a), /socket hang up|ECONNRESET/);
    assert.deepEqual(received, ["/drop-always #1"]);
  } finally {
    a.destroy();
  }
});
