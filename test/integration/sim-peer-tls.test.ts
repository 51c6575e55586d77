// The peer bus over TLS on simulated nodes, as FaunaDB configures it (issue 13; `CoreConfig.scala` `encryption`,
// `Encryption.scala`, `MessageBus.scala` `apply`): with `peer_encryption_level: all` a node binds only 7501, speaks
// mutual TLS there with its key file, trusts the trust file, and announces 7501; a join's seed port defaults to it.
// With `dc`, 7501 for other replicas and a cleartext 7500 for its own replica only. Processes on 127.0.0.21x.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout } from "node:timers/promises";
import { issueCert, keyFile, type KeyPair } from "../../src/faunacluster/tls/pki.ts";
import { FAST_SIM_ENV } from "../../src/sim/settings.ts";
import { simPki } from "../support/simPki.ts";
import { tcpProbe as tcp, tlsHandshake as handshake } from "../support/portProbe.ts";
import { admin, errorOf, prepare, putReplication, runDuringTests, statusOf, waitFor, waitPing } from "../../src/sim/testing/processCluster.ts";

const { base, now, ca, otherCa, file } = simPki("sim-peer-tls-");
const peerCert = (from: KeyPair, name: string) => issueCert(from, { commonName: name, usage: "peer", now, days: 1 });
const trustFile = file("ca.pem", ca.cert);
const peerKeys = (name: string, from = ca) => ({ peer_encryption_key_file: file(`${name}.pem`, keyFile(peerCert(from, name), from)), peer_encryption_trust_file: from === ca ? trustFile : file(`${name}-ca.pem`, from.cert) });

const all = (name: string, address: string, from = ca) => prepare(base, name, address, undefined, { peer_encryption_level: "all", ...peerKeys(name, from) });
const dc = (name: string, address: string) => prepare(base, name, address, undefined, { peer_encryption_level: "dc", ...peerKeys(name) });
const a = all("a", "127.0.0.211");
const b = all("b", "127.0.0.212");
const c = all("c", "127.0.0.213");
const stranger = all("stranger", "127.0.0.214", otherCa);
const d1 = dc("d1", "127.0.0.215");
const d2 = dc("d2", "127.0.0.216");
const e1 = dc("e1", "127.0.0.217");
const nodes = [a, b, c, stranger, d1, d2, e1];
const ENV = { ...FAST_SIM_ENV, FAUNA_SIM_HELLO_TIMEOUT_MS: "3000" };
/** FACTS §7.3: replication changed right after a join leaves a stuck segment; wait out the (sped-up) settle time. */
const SETTLE_MS = Number(FAST_SIM_ENV.FAUNA_SIM_SETTLE_MS) + 100;

runDuringTests(base, nodes, ENV);

test("level all: the bus is only 7501, over mutual TLS with the CA; the cluster forms through it", async () => {
  assert.equal((await admin(a, "POST", "/admin/init", { replica_name: "r1" })).status, 200);
  for (const [n, r] of [[b, "r2"], [c, "r3"]] as const) {
    // No port in the seed: the local bus port, 7501 at level all (FACTS §4).
    const j = await admin(n, "POST", "/admin/join", { seed: a.address, replica_name: r });
    assert.equal(j.status, 200, j.text);
  }
  await setTimeout(SETTLE_MS);
  assert.equal((await putReplication(a, { r1: "data+log", r2: "data+log", r3: "data+log" })).status, 204);
  const rows = await waitFor("three hosts up", async () => {
    const s = await statusOf(c);
    return s.nodes.length === 3 && s.nodes.every((r) => r.status === "up") ? s.nodes : undefined;
  });
  assert.equal(rows.length, 3);
  await waitPing([a, b, c]);

  for (const n of [a, b, c]) assert.equal(await tcp(n.address, 7500), "refused", `${n.name} must not bind the cleartext bus at level all`);
  const member = peerCert(ca, "client");
  assert.equal(await handshake(a.address, 7501, { ca: [ca.cert], key: member.key, cert: member.cert }), "accepted");
  assert.notEqual(await handshake(a.address, 7501, { ca: [ca.cert] }), "accepted", "no client certificate");
  const foreign = peerCert(otherCa, "foreign");
  assert.notEqual(await handshake(a.address, 7501, { ca: [ca.cert], key: foreign.key, cert: foreign.cert }), "accepted", "a certificate of another CA");
  // The node's own certificate is checked against the client's trust too.
  assert.match(await handshake(a.address, 7501, { ca: [otherCa.cert], key: member.key, cert: member.cert }), /refused/);
});

test("level all: a node whose certificate comes from another CA cannot join", async () => {
  const j = await admin(stranger, "POST", "/admin/join", { seed: a.address, replica_name: "r4" });
  assert.equal(j.status, 500, j.text);
  assert.equal(errorOf(j).code, "hello timeout");
  assert.equal((await statusOf(a)).nodes.length, 3);
});

test("level dc: 7501 for everyone, cleartext 7500 for the node's own replica only", async () => {
  assert.equal((await admin(d1, "POST", "/admin/init", { replica_name: "east" })).status, 200);
  assert.equal((await admin(d2, "POST", "/admin/join", { seed: d1.address, replica_name: "east" })).status, 200);
  assert.equal((await admin(e1, "POST", "/admin/join", { seed: d1.address, replica_name: "west" })).status, 200);
  await setTimeout(SETTLE_MS);
  assert.equal((await putReplication(d1, { east: "data+log", west: "data+log" })).status, 204);
  await waitFor("three hosts up", async () => {
    const s = await statusOf(e1);
    return s.nodes.length === 3 && s.nodes.every((r) => r.status === "up") ? true : undefined;
  });
  await waitPing([d1, d2, e1]);
  assert.equal(await tcp(d1.address, 7500), "open");
  assert.equal(await tcp(d1.address, 7501), "open");
  const peer = (zone: string) =>
    fetch(`http://${d1.address}:7500/peer/state`, { method: "POST", headers: { "x-fauna-cluster": "simtest", "x-fauna-zone": zone }, body: "{}" });
  assert.equal((await peer("west")).status, 403, "another replica's traffic must not use the cleartext bus");
  assert.equal((await peer("east")).status, 200);
});
