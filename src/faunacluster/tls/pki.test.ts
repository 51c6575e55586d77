import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { expiresAt, issueCa, issueCert, keyFile, needsRenewal } from "./pki.ts";

const now = new Date("2026-12-01T00:00:00Z");
const ca = issueCa({ commonName: "fc CA", now, days: 3650 });
const server = issueCert(ca, { commonName: "fc-replica-1-0", dnsNames: ["fc-replica-1-0.fc-replica-1.ns.svc.cluster.local", "localhost"], ipAddresses: ["127.0.0.1"], usage: "server", now: new Date(), days: 90 });
const client = issueCert(ca, { commonName: "fauna-operator", usage: "client", now: new Date(), days: 90 });

/** An HTTPS server that demands a client certificate from the CA, as FaunaDB's admin TLS does (FACTS §2). */
async function withMutualTlsServer<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const srv = https.createServer({ key: server.key, cert: server.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (_req, res) => res.end("ok"));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  try {
    return await fn((srv.address() as AddressInfo).port);
  } finally {
    srv.close();
  }
}

function get(port: number, opts: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: "/", servername: "localhost", ca: ca.cert, ...opts }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("operator CA", () => {
  it("issues a CA and leaves that verify against it, with the names asked for", () => {
    const caX = new X509Certificate(ca.cert);
    assert.equal(caX.ca, true);
    const leaf = new X509Certificate(server.cert);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(caX.publicKey), "signed by the CA");
    assert.equal(leaf.checkHost("fc-replica-1-0.fc-replica-1.ns.svc.cluster.local"), "fc-replica-1-0.fc-replica-1.ns.svc.cluster.local");
    assert.equal(leaf.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(leaf.checkHost("other.ns.svc.cluster.local"), undefined);
    assert.match(leaf.keyUsage?.join(",") ?? "", /1\.3\.6\.1\.5\.5\.7\.3\.1/, "serverAuth");
    assert.doesNotMatch(new X509Certificate(client.cert).keyUsage?.join(",") ?? "", /1\.3\.6\.1\.5\.5\.7\.3\.1/, "a client certificate cannot serve");
  });

  it("mutual TLS: a client with the CA's certificate gets through, one without any is refused", async () => {
    await withMutualTlsServer(async (port) => {
      assert.equal(await get(port, { key: client.key, cert: client.cert }), "ok");
      await assert.rejects(get(port, {}), (err: Error & { code?: string }) => /certificate|ECONNRESET|alert/i.test(`${err.code} ${err.message}`));
      const stranger = issueCa({ commonName: "other CA", now, days: 10 });
      const foreign = issueCert(stranger, { commonName: "x", usage: "client", now: new Date(), days: 1 });
      await assert.rejects(get(port, { key: foreign.key, cert: foreign.cert }), (err: Error & { code?: string }) => /certificate|ECONNRESET|alert/i.test(`${err.code} ${err.message}`));
    });
  });

  it("the key file is what FaunaDB reads: key, then leaf, then CA", () => {
    const pem = keyFile(server, ca);
    const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
    assert.deepEqual(blocks, ["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"]);
  });

  it("renewal is due once a third of the validity is left", () => {
    const end = expiresAt(server.cert);
    assert.equal(needsRenewal(server.cert, end - 31 * 86_400_000), false);
    assert.equal(needsRenewal(server.cert, end - 29 * 86_400_000), true);
  });
});
