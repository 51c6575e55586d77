import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import faunadb from "faunadb";
import { issueCa, issueCert, keyFile } from "../faunacluster/tls/pki.ts";
import { classify, describe as describeError } from "./errors.ts";
import { once, type Endpoint } from "./load.ts";

const now = new Date();
const ca = issueCa({ commonName: "fauna-ca", now, days: 1 });
const otherCa = issueCa({ commonName: "another-ca", now, days: 1 });
const SERVER_NAME = "fauna.ns.svc";
const node = issueCert(ca, { commonName: SERVER_NAME, dnsNames: [SERVER_NAME, "*.fauna-r1.ns.svc"], usage: "server", now, days: 1 });

let server: Server;
let port = 0;
let connections = 0;
const seen: { authorization?: string | undefined; path?: string | undefined }[] = [];

before(async () => {
  // What FaunaDB serves: the key file (key, then the chain), as the pods get it.
  const pem = keyFile(node, ca);
  server = createServer({ key: pem, cert: pem }, (req, res) => {
    seen.push({ authorization: req.headers.authorization, path: req.url });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-txn-time": "1700000000000000" });
      res.end(JSON.stringify({ resource: 42 }));
    });
  });
  server.on("secureConnection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const at = (tls: Endpoint["tls"]): Endpoint => ({ domain: "127.0.0.1", port, ...(tls ? { tls } : {}) });

describe("the query API over TLS (clientFor)", () => {
  it("answers through 127.0.0.1 when the certificate is the CA's and carries the server name", async () => {
    const value = await once<number>(at({ ca: ca.cert, serverName: SERVER_NAME }), "secret-1", faunadb.query.Add(40, 2));
    assert.equal(value, 42);
    assert.equal(seen.at(-1)?.authorization, "Bearer secret-1");
  });

  it("opens a connection per client (a Service spreads them)", async () => {
    const before = connections;
    const e = at({ ca: ca.cert, serverName: SERVER_NAME });
    await once(e, "k", faunadb.query.Add(1, 1));
    await once(e, "k", faunadb.query.Add(1, 1));
    assert.equal(connections - before, 2);
  });

  it("refuses a server whose certificate another CA signed", async () => {
    const err = await once(at({ ca: otherCa.cert, serverName: SERVER_NAME }), "k", faunadb.query.Add(1, 1)).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, "rejected");
    assert.match(describeError(err), /certificate/i);
    assert.equal(classify(err), "other");
  });

  it("refuses a certificate that does not carry the server name", async () => {
    const err = await once(at({ ca: ca.cert, serverName: "other.ns.svc" }), "k", faunadb.query.Add(1, 1)).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, "rejected");
    assert.match(describeError(err), /altnames|hostname|other\.ns\.svc/i);
  });

  it("without tls the driver speaks cleartext: a TLS port does not answer it", async () => {
    await assert.rejects(once(at(undefined), "k", faunadb.query.Add(1, 1), 2000));
  });
});
