// TLS on a simulated node as FaunaDB configures it (issue 13; `CoreConfig.scala` adminSSL/httpSSL,
// `ext/net/src/main/scala/security/SSL.scala`): with admin_ssl_key_file 8444 speaks only TLS and demands a client
// certificate the trust vouches for; with http_ssl_key_file 8443 speaks TLS (HTTP/1.1 and HTTP/2), asking for a
// client certificate only when http_ssl_trust_file is set. Processes on 127.0.0.23x; no tier needed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { join } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { issueCert, keyFile, type KeyPair } from "../../src/faunacluster/tls/pki.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { simPki } from "../support/simPki.ts";
import { basic, http, kill, prepare, ROOT_KEY, start, waitAdmin, waitPing, type SimProc } from "../../src/sim/testing/processCluster.ts";

const { base, now, ca, otherCa, file } = simPki("sim-tls-");
const nodeKeyFile = (address: string) => file(`${address}.pem`, keyFile(issueCert(ca, { commonName: address, ipAddresses: [address], usage: "peer", now, days: 1 }), ca));
const trustFile = file("ca.pem", ca.cert);
const operator = issueCert(ca, { commonName: "fauna-operator", usage: "client", now, days: 1 });
const stranger = issueCert(otherCa, { commonName: "stranger", usage: "client", now, days: 1 });

/** A client checking the node against the CA, with the hostname (the node's IP SAN) checked. */
const verified = (pair?: KeyPair): ConnectionOptions => ({ ca: [ca.cert], ...(pair ? { key: pair.key, cert: pair.cert } : {}) });

const A = "127.0.0.231";
const B = "127.0.0.232";
const a: SimProc = prepare(base, "a", A, ROOT_KEY, { admin_ssl_key_file: nodeKeyFile(A), admin_ssl_trust_file: trustFile, http_ssl_key_file: nodeKeyFile(`${A}-http`) });
// The query API with a trust file: client certificates demanded there too (ServerSSL(key, trust, false)).
const b: SimProc = prepare(base, "b", B, ROOT_KEY, { admin_ssl_key_file: nodeKeyFile(B), http_ssl_key_file: nodeKeyFile(`${B}-http`), http_ssl_trust_file: trustFile });

before(async () => {
  start(a, FAST_SIM_ENV);
  start(b, FAST_SIM_ENV);
  await Promise.all([waitAdmin(a), waitAdmin(b)]);
});
after(async () => {
  await Promise.all([kill(a, "SIGTERM"), kill(b, "SIGTERM")]);
  rmSync(base, { recursive: true, force: true });
});

const adminCall = (address: string, method: string, path: string, tls: ConnectionOptions | undefined, body?: unknown) =>
  http(address, 8444, method, path, body, basic(), 10_000, tls);

/** One HTTP/2 GET over TLS (ALPN h2); resolves to the status and body. */
function h2get(address: string, port: number, path: string, tls: ConnectionOptions, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const session = h2connect(`https://${address}:${port}`, tls);
    session.on("error", fail);
    const req = session.request({ ":path": path, ...headers });
    let status = 0;
    const chunks: Buffer[] = [];
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      session.close();
      ok({ status, text: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", fail);
    req.end();
  });
}

test("admin over mutual TLS: a client certificate signed by the trust is served, on HTTP/1.1 and HTTP/2", async () => {
  const init = await adminCall(A, "POST", "/admin/init", verified(operator), { replica_name: "r1" });
  assert.equal(init.status, 200, init.text);
  const id = await adminCall(A, "GET", "/admin/identity", verified(operator));
  assert.equal(id.status, 200, id.text);
  assert.match(id.text, /"identity":"[0-9a-f-]{36}"/);
  const viaH2 = await h2get(A, 8444, "/admin/identity", verified(operator), basic());
  assert.equal(viaH2.status, 200);
  assert.equal(viaH2.text, id.text);
});

test("admin over mutual TLS: no client certificate, or one from another CA, is refused at the handshake", async () => {
  await assert.rejects(adminCall(A, "GET", "/admin/identity", verified()), /certificate required|ECONNRESET|socket hang up/);
  await assert.rejects(adminCall(A, "GET", "/admin/identity", verified(stranger)), /unknown ca|ECONNRESET|socket hang up/);
  await assert.rejects(h2get(A, 8444, "/admin/identity", verified(), basic()));
});

test("admin with TLS on: cleartext HTTP to 8444 gets no admin answer", async () => {
  await assert.rejects(adminCall(A, "GET", "/admin/identity", undefined));
});

test("admin without a trust file trusts the key file's chain: the cluster CA's clients pass, others not", async () => {
  assert.equal((await adminCall(B, "GET", "/admin/identity", verified(operator))).status, 500, "served (a fresh node: not initialized)");
  await assert.rejects(adminCall(B, "GET", "/admin/identity", verified(stranger)));
  assert.equal((await adminCall(B, "POST", "/admin/init", verified(operator), { replica_name: "r1" })).status, 200);
});

test("the query API over TLS: GET /ping on HTTP/1.1 and HTTP/2, verified against the CA; cleartext refused", async () => {
  await waitPing([a], "node"); // the helper connects as faunadb-admin would: TLS, the node's own key
  const h1 = await http(A, 8443, "GET", "/ping?scope=node", undefined, {}, 10_000, verified());
  assert.equal(h1.status, 200);
  assert.deepEqual(h1.json, { resource: "Scope node is OK" });
  const h2 = await h2get(A, 8443, "/ping?scope=node", verified());
  assert.equal(h2.status, 200);
  assert.deepEqual(JSON.parse(h2.text), { resource: "Scope node is OK" });
  await assert.rejects(http(A, 8443, "GET", "/ping?scope=node"));
});

test("the query API with http_ssl_trust_file demands a client certificate the trust vouches for", async () => {
  await waitPing([b], "node");
  assert.equal((await http(B, 8443, "GET", "/ping", undefined, {}, 10_000, verified(operator))).status, 200);
  await assert.rejects(http(B, 8443, "GET", "/ping", undefined, {}, 10_000, verified()));
  await assert.rejects(http(B, 8443, "GET", "/ping", undefined, {}, 10_000, verified(stranger)));
});

test("a key file that is missing or holds no certificate is fatal at start, with FaunaDB's message", async () => {
  const { spawnSync } = await import("node:child_process");
  const cases: [Record<string, string>, RegExp][] = [
    [{ admin_ssl_key_file: join(base, "none.pem") }, /FileNotFoundException: .*none\.pem/],
    [{ http_ssl_key_file: file("bare.pem", operator.key) }, /bare\.pem does not contain a valid private key and\/or certificate/],
  ];
  for (const [i, [extra, re]] of cases.entries()) {
    const n = prepare(base, `bad${i}`, "127.0.0.233", ROOT_KEY, extra);
    const r = spawnSync(process.execPath, ["src/cli/faunadb.ts", "-c", join(n.dir, "faunadb.yml")], { encoding: "utf8", timeout: 10_000, env: { ...process.env, ...FAST_SIM_ENV, JAVA_OPTS: "" } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});

test("sim-admin -c <faunadb.yml> connects as faunadb-admin does: TLS, the node's own key as client certificate", async () => {
  const { spawnSync } = await import("node:child_process");
  const run = (args: string[]) => spawnSync(process.execPath, ["src/cli/main.ts", "sim-admin", ...args], { encoding: "utf8", timeout: 20_000, env: { ...process.env, ADMIN_KEY: ROOT_KEY } });
  const withConf = run(["show-identity", "-c", join(a.dir, "faunadb.yml")]);
  assert.equal(withConf.status, 0, withConf.stderr + withConf.stdout);
  assert.match(withConf.stdout, /^[0-9a-f-]{36}\n$/);
  const cleartext = run(["show-identity", "-H", `${A}:8444`]);
  assert.equal(cleartext.status, 1, "no config: cleartext, which a TLS admin port does not answer");
});
