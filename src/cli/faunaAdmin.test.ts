import { test } from "node:test";
import assert from "node:assert/strict";
import type { FaunaCluster } from "../api/types.ts";
import { formatStatusTable, runAdmin, statusFromCluster } from "./faunaAdmin.ts";

const fc = {
  metadata: { name: "fauna", namespace: "demo" },
  spec: { replicas: [{ name: "replica-1", type: "data+log", nodes: 2 }, { name: "replica-2", type: "compute", nodes: 1 }] },
  status: {
    nodes: [
      { pod: "fauna-replica-1-1", replica: "replica-1", hostId: "bbbb", address: "10.244.1.3", status: "up", state: "live", ownership: 0.5, ownershipGoal: 0.5, logSegment: "0", leader: false, workerId: "513" },
      { pod: "fauna-replica-1-0", replica: "replica-1", hostId: "aaaa", address: "10.244.1.2", status: "up", state: "live", ownership: 0.5, ownershipGoal: 0.5, logSegment: "0", leader: true, workerId: "512" },
      { pod: "fauna-replica-2-0", replica: "replica-2", hostId: "cccc", address: "10.244.2.2", status: "down", state: "live", ownership: 0, ownershipGoal: 0, logSegment: "none", workerId: "514" },
      { pod: "fauna-replica-2-1", replica: "replica-2" },
    ],
  },
} as unknown as FaunaCluster;

test("the faunadb-admin status table from a FaunaCluster's status: per replica, sorted by worker ID, FACTS §1.5 columns", () => {
  const lines = formatStatusTable(statusFromCluster(fc)).split("\n");
  assert.deepEqual(lines.slice(0, 3), ["", "Replica: replica-1 (data+log)", "============================="]);
  assert.match(lines[3]!, /^Status {2}State {2}WorkerID {2}Log Segment {2}Address {5}Owns {3}Goal {3}HostID {2}Persisted Timestamp$/);
  assert.match(lines[4]!, /^up {6}live {3}512 {7}0 \(leader\) {3}10\.244\.1\.2 {2}50\.0% {2}50\.0% {2}aaaa {4}not reported/);
  assert.match(lines[5]!, /^up {6}live {3}513 {7}0 {12}10\.244\.1\.3/);
  assert.equal(lines[7], "Replica: replica-2 (compute)");
  assert.match(lines[10]!, /^down {4}live {3}514 {7}none/);
  assert.equal(lines.filter((l) => /cccc|aaaa|bbbb/.test(l)).length, 3, "a pod without a host ID is not a member yet");
});

test("admin: unknown or changing subcommands are refused; an unreachable node says where to run", async () => {
  await assert.rejects(runAdmin("127.0.0.1", "k", "remove", ["x"]), /not offered by kubectl fauna admin .* topology changes are the operator's job/);
  await assert.rejects(runAdmin("127.0.0.1", "k", "status", [], { timeoutMs: 2000 }), /Could not connect to FaunaDB at 127\.0\.0\.1:8444/);
});

test("runAdmin with TLS: https, a client certificate from the cluster's CA, the node verified by the server name", async () => {
  const { createServer } = await import("node:https");
  const { issueCa, issueCert, keyFile } = await import("../faunacluster/tls/pki.ts");
  const { adminClientTls } = await import("../harness/clusterTls.ts");
  const now = new Date();
  const ca = issueCa({ commonName: "ca", now, days: 1 });
  const node = keyFile(issueCert(ca, { commonName: "fauna.db.svc", dnsNames: ["fauna.db.svc"], usage: "server", now, days: 1 }), ca);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const fc = { metadata: { name: "fauna", namespace: "db" }, spec: { replicas: [] } } as unknown as FaunaCluster;
  const secrets = (c: { cert: string; key: string }) => ({ get: async () => ({ data: { "tls.crt": b64(c.cert), "tls.key": b64(c.key) } }) });
  const clients: string[] = [];
  // The admin API's mutual TLS: only a certificate the cluster's CA signed gets an answer.
  const server = createServer({ key: node, cert: node, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
    clients.push(peer.subject.CN as string);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ identity: "host-1" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as import("node:net").AddressInfo).port;
  try {
    const tls = await adminClientTls(secrets(ca), fc, { commonName: "kubectl-fauna", now });
    assert.equal(await runAdmin("127.0.0.1", "k", "show-identity", [], { port, tls }), "host-1\n");
    assert.deepEqual(clients, ["kubectl-fauna"]);
    const stranger = await adminClientTls(secrets(issueCa({ commonName: "other", now, days: 1 })), fc, { now });
    await assert.rejects(runAdmin("127.0.0.1", "k", "show-identity", [], { port, tls: { ...stranger!, ca: ca.cert } }), /Could not connect/);
    await assert.rejects(runAdmin("127.0.0.1", "k", "show-identity", [], { port, tls: { ...tls!, serverName: "elsewhere.db.svc" } }), /Could not connect.*(altnames|elsewhere)/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
