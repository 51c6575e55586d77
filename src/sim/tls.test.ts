import assert from "node:assert/strict";
import { after, before, describe, it, test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { issueCa, issueCert, keyFile, type KeyPair } from "../faunacluster/tls/pki.ts";
import { configFromMap } from "./config.ts";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { chainReachesTrust, clientTls, guard, parsePem, peerEncryption, serverTls, sslSettings, TlsConfigError, type ServerTls } from "./tls.ts";

const now = new Date();
const ca = issueCa({ commonName: "test-ca", now, days: 1 });
const otherCa = issueCa({ commonName: "other-ca", now, days: 1 });
const nodeCert = issueCert(ca, { commonName: "node", ipAddresses: ["127.0.0.1"], usage: "peer", now, days: 1 });
const clientCert = issueCert(ca, { commonName: "operator", usage: "client", now, days: 1 });
const strangerCert = issueCert(otherCa, { commonName: "stranger", usage: "client", now, days: 1 });

const dir = mkdtempSync(join(tmpdir(), "sim-tls-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const nodeKey = file("node.pem", keyFile(nodeCert, ca));
const trust = file("ca.pem", ca.cert);

test("faunadb.yml's <admin|http>_ssl_* keys: key file, password (default \"\"), trust file; none without a key file", () => {
  const base = { network_broadcast_address: "10.0.0.1", auth_root_key: "k" };
  const c = configFromMap({ ...base, admin_ssl_key_file: "/k.pem", admin_ssl_trust_file: "/ca.pem", http_ssl_key_file: "/h.pem", http_ssl_password: "pw" }, "f", false);
  assert.deepEqual(c.adminSsl, { keyFile: "/k.pem", password: "", trustFile: "/ca.pem" });
  assert.deepEqual(c.httpSsl, { keyFile: "/h.pem", password: "pw", trustFile: undefined });
  assert.equal(configFromMap(base, "f", false).adminSsl, undefined);
  assert.equal(sslSettings({ admin_ssl_trust_file: "/ca.pem" }, "admin"), undefined, "a trust file alone turns nothing on (CoreConfig matches on the key file)");
});

test("a PEM key file: the key, then the chain leaf first (pki.ts keyFile)", () => {
  const pem = parsePem(keyFile(nodeCert, ca));
  assert.equal(pem.keys.length, 1);
  assert.deepEqual(pem.certs.map((c) => c.trim()), [nodeCert.cert.trim(), ca.cert.trim()]);
});

test("who must show a client certificate (SSL.scala ServerSSL.getHandler): the admin port always, the query port only with a trust file", () => {
  const admin = serverTls({ keyFile: nodeKey, password: "", trustFile: undefined }, true).options;
  assert.equal(admin.requestCert, true);
  assert.equal(admin.rejectUnauthorized, true);
  assert.deepEqual(admin.ca, parsePem(keyFile(nodeCert, ca)).certs, "without a trust file, the key file's own certificates");
  assert.deepEqual(serverTls({ keyFile: nodeKey, password: "", trustFile: trust }, true).options.ca, [ca.cert.trim()]);
  assert.equal(serverTls({ keyFile: nodeKey, password: "", trustFile: undefined }, false).options.requestCert, false);
  assert.equal(serverTls({ keyFile: nodeKey, password: "", trustFile: trust }, false).options.requestCert, true);
  assert.equal(serverTls({ keyFile: nodeKey, password: "", trustFile: trust }, true).acceptPeer, undefined, "a root CA: OpenSSL decides in the handshake");
  assert.deepEqual(admin.ALPNProtocols, ["h2", "http/1.1"]);
});

test("Java's PKIX with trust-store anchors: a chain reaches the trust by a certificate in it or signed by one", () => {
  const x = (p: KeyPair) => new X509Certificate(p.cert);
  assert.equal(chainReachesTrust([x(clientCert)], [x(clientCert)]), true, "the leaf itself");
  assert.equal(chainReachesTrust([x(clientCert)], [x(ca)]), true, "its issuer");
  assert.equal(chainReachesTrust([x(clientCert), x(ca)], [x(ca)]), true, "the chain up to the issuer");
  assert.equal(chainReachesTrust([x(strangerCert)], [x(ca), x(clientCert)]), false);
  assert.equal(chainReachesTrust([x(strangerCert), x(ca)], [x(ca)]), false, "a CA certificate sent along that did not sign the leaf");
  assert.equal(chainReachesTrust([x(clientCert)], [x(clientCert)], Date.now() + 3 * 86_400_000), false, "expired");
});

test("an encrypted key opens with *_ssl_password (PKCS#8), not without it", () => {
  const encrypted = createPrivateKey(nodeCert.key).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
  const f = file("enc.pem", `${encrypted}${nodeCert.cert}${ca.cert}`);
  assert.doesNotThrow(() => createSecureContext(serverTls({ keyFile: f, password: "pw", trustFile: undefined }, true).options));
  assert.throws(() => createSecureContext(serverTls({ keyFile: f, password: "", trustFile: undefined }, true).options));
});

test("unusable files are fatal with FaunaDB's messages (package.scala KeySource, TrustSource)", () => {
  const bare = file("bare.pem", nodeCert.key);
  const certOnly = file("cert.pem", nodeCert.cert);
  const isError = (re: RegExp) => (e: unknown) => e instanceof TlsConfigError && re.test(e.message);
  assert.throws(() => serverTls({ keyFile: bare, password: "", trustFile: undefined }, true), isError(/does not contain a valid private key and\/or certificate/));
  assert.throws(() => serverTls({ keyFile: certOnly, password: "", trustFile: undefined }, true), isError(/does not contain a valid private key and\/or certificate/));
  assert.throws(() => serverTls({ keyFile: nodeKey, password: "", trustFile: bare }, true), isError(/does not contain a valid public key and\/or certificate/));
  assert.throws(() => serverTls({ keyFile: join(dir, "none.pem"), password: "", trustFile: undefined }, true), isError(/FileNotFoundException/));
});

/** One HTTPS GET; resolves to the status, or rejects with the TLS/socket error. */
function get(port: number, tls: ConnectionOptions): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request({ ...tls, host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end();
  });
}

const client = (pair: KeyPair | undefined, caCerts: string[] = [ca.cert]): ConnectionOptions => ({ ...(pair ? { key: pair.key, cert: pair.cert } : {}), ca: caCerts });

describe("handshakes against serverTls", () => {
  const servers: Server[] = [];
  const serve = async (tls: ServerTls): Promise<number> => {
    const s = createServer(tls.options, (_req, res) => res.end("ok"));
    guard(s, tls);
    servers.push(s);
    await new Promise<void>((ok) => s.listen(0, "127.0.0.1", () => ok()));
    return (s.address() as AddressInfo).port;
  };
  let adminPort = 0;
  let adminOwnTrustPort = 0;
  let leafTrustPort = 0;
  let apiPort = 0;
  before(async () => {
    adminPort = await serve(serverTls({ keyFile: nodeKey, password: "", trustFile: trust }, true));
    adminOwnTrustPort = await serve(serverTls({ keyFile: nodeKey, password: "", trustFile: undefined }, true));
    leafTrustPort = await serve(serverTls({ keyFile: nodeKey, password: "", trustFile: file("leaf.pem", clientCert.cert) }, true));
    apiPort = await serve(serverTls({ keyFile: nodeKey, password: "", trustFile: undefined }, false));
  });
  after(() => servers.forEach((s) => s.close()));

  it("admin: a client certificate signed by the trust passes; none, or another CA's, fails the handshake", async () => {
    assert.equal(await get(adminPort, client(clientCert)), 200);
    await assert.rejects(get(adminPort, client(undefined)), /certificate required|ECONNRESET|socket hang up/);
    await assert.rejects(get(adminPort, client(strangerCert)), /unknown ca|ECONNRESET|socket hang up/);
  });

  it("admin without a trust file trusts the key file's chain: the CA in it vouches for its clients", async () => {
    assert.equal(await get(adminOwnTrustPort, client(clientCert)), 200);
    assert.equal(await get(adminOwnTrustPort, client(nodeCert)), 200);
    await assert.rejects(get(adminOwnTrustPort, client(strangerCert)));
  });

  it("a leaf in the trust file is an anchor by itself, as in Java's trust store", async () => {
    assert.equal(await get(leafTrustPort, client(clientCert)), 200);
    await assert.rejects(get(leafTrustPort, client(nodeCert)));
  });

  it("query port without a trust file: any client, no certificate asked", async () => {
    assert.equal(await get(apiPort, client(undefined)), 200);
  });

  it("clientTls (faunadb-admin's way): the node's key as client certificate, server checked against the trust, no hostname check", async () => {
    const opts = clientTls({ keyFile: nodeKey, password: "", trustFile: trust });
    assert.equal(await get(adminPort, { ...opts, servername: "not-the-node.example" }), 200);
    await assert.rejects(get(adminPort, { ...clientTls({ keyFile: nodeKey, password: "", trustFile: file("other.pem", otherCa.cert) }) }), /self-signed|UNABLE_TO|unknown|verify|certificate/i);
  });
});

describe("peerEncryption: peer_encryption_* judged as CoreConfig.scala `encryption`", () => {
  const key = { peer_encryption_key_file: "/k.pem" };
  it("no level and no key is cleartext; level none is cleartext even with a key", () => {
    assert.equal(peerEncryption({}).level, "none");
    assert.equal(peerEncryption({ ...key, peer_encryption_level: "none" }).level, "none");
  });
  it("a key with no level is dc; dc and all keep the key, the password and the trust file", () => {
    assert.equal(peerEncryption(key).level, "dc");
    const p = peerEncryption({ ...key, peer_encryption_level: "all", peer_encryption_trust_file: "/ca.pem", peer_encryption_password: "pw" });
    assert.deepEqual([p.level, p.ssl], ["all", { keyFile: "/k.pem", password: "pw", trustFile: "/ca.pem" }]);
  });
  it("FaunaDB's default suites are TLS 1.2 RSA key exchange only", () => {
    const p = peerEncryption(key);
    assert.deepEqual([p.ciphers, p.tls13], [["AES128-SHA", "AES256-SHA"], false]);
    assert.equal(peerEncryption({ ...key, peer_encryption_cipher_suites: ["TLS_AES_128_GCM_SHA256"] }).tls13, true);
  });
  it("refuses a level without a key, an unknown level and an unknown suite, with FaunaDB's message", () => {
    assert.throws(() => peerEncryption({ peer_encryption_level: "all" }), /Must provide an encryption key for level: all/);
    assert.throws(() => peerEncryption({ ...key, peer_encryption_level: "some" }), /Invalid encryption level some. Must be one of: none, dc, all./);
    assert.throws(() => peerEncryption({ ...key, peer_encryption_cipher_suites: ["TLS_NULL"] }), TlsConfigError);
  });
});
