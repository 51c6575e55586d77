import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import type { FaunaCluster } from "../api/types.ts";
import { issueCa } from "../faunacluster/tls/pki.ts";
import { adminClientTls, ClusterTlsError, kubectlObjects, queryEndpoint, queryTls, type ClusterObjects, type DataObject } from "./clusterTls.ts";

const fc = (tls?: FaunaCluster["spec"]["tls"]): FaunaCluster =>
  ({ apiVersion: "fauna-operator.io/v1alpha1", kind: "FaunaCluster", metadata: { name: "fauna", namespace: "db" }, spec: { replicas: [], ...(tls ? { tls } : {}) } }) as unknown as FaunaCluster;

const ca = issueCa({ commonName: "fauna-ca", now: new Date(), days: 10 });
const b64 = (s: string) => Buffer.from(s).toString("base64");

function objects(store: Record<string, DataObject>): ClusterObjects & { reads: string[] } {
  const reads: string[] = [];
  return { reads, get: async (kind, ns, name) => (reads.push(`${kind} ${ns}/${name}`), store[`${kind} ${ns}/${name}`]) };
}

describe("clusterTls: the query endpoint", () => {
  it("is cleartext, and reads nothing, when spec.tls.mode is Disabled", async () => {
    const o = objects({});
    assert.deepEqual(await queryEndpoint(o, fc({ mode: "Disabled" }), { domain: "10.96.0.9", port: 8443 }), { domain: "10.96.0.9", port: 8443 });
    assert.deepEqual(o.reads, []);
  });

  it("is TLS by default: the CA from ConfigMap <name>-ca, verified as <svc>.<ns>.svc", async () => {
    const o = objects({ "configmap db/fauna-ca": { data: { "ca.crt": ca.cert } } });
    const e = await queryEndpoint(o, fc(), { domain: "10.96.0.9", port: 8443 });
    assert.deepEqual(e, { domain: "10.96.0.9", port: 8443, tls: { ca: ca.cert, serverName: "fauna.db.svc" } });
    assert.deepEqual(await queryTls(o, fc({ mode: "Managed" })), e.tls);
  });

  it("says which ConfigMap to wait for when TLS is on and the CA is not there", async () => {
    for (const store of [{}, { "configmap db/fauna-ca": { data: {} } }] as Record<string, DataObject>[]) {
      await assert.rejects(queryTls(objects(store), fc()), (err: unknown) =>
        err instanceof ClusterTlsError && /ConfigMap db\/fauna-ca/.test(err.message) && /wait for the operator to create it/.test(err.message));
    }
  });
});

describe("clusterTls: admin client certificates", () => {
  it("are none when TLS is off", async () => {
    assert.equal(await adminClientTls(objects({}), fc({ mode: "Disabled" })), undefined);
  });

  it("are issued from the CA Secret <name>-ca, for client use, a day long by default", async () => {
    const now = new Date();
    const tls = await adminClientTls(objects({ "secret db/fauna-ca": { data: { "tls.crt": b64(ca.cert), "tls.key": b64(ca.key) } } }), fc(), { now, commonName: "tester" });
    assert.ok(tls);
    assert.equal(tls.ca, ca.cert);
    assert.equal(tls.serverName, "fauna.db.svc");
    const cert = new X509Certificate(tls.cert);
    assert.ok(cert.checkIssued(new X509Certificate(ca.cert)) && cert.verify(new X509Certificate(ca.cert).publicKey), "signed by the cluster's CA");
    assert.match(cert.subject, /CN=tester/);
    assert.match(cert.toLegacyObject().ext_key_usage?.join(",") ?? "", /1\.3\.6\.1\.5\.5\.7\.3\.2/, "usage client");
    assert.ok(Date.parse(cert.validTo) <= now.getTime() + 86_400_000 + 1000);
    assert.match(tls.key, /PRIVATE KEY/);
  });

  it("with tls.mode CertManager, are the operator's issued client certificate, never one made from a CA key", async () => {
    const cm = fc({ mode: "CertManager", issuerRef: { name: "corp" } });
    const o = objects({ "secret db/fauna-admin-client": { data: { "ca.crt": b64(ca.cert), "tls.crt": b64("CERT"), "tls.key": b64("KEY") } } });
    assert.deepEqual(await adminClientTls(o, cm), { ca: ca.cert, cert: "CERT", key: "KEY", serverName: "fauna.db.svc" });
    assert.deepEqual(o.reads, ["secret db/fauna-admin-client"]);
    await assert.rejects(adminClientTls(objects({}), cm), /Secret db\/fauna-admin-client .*wait for cert-manager to issue it/);
  });

  it("say which Secret to wait for when the CA is missing", async () => {
    await assert.rejects(adminClientTls(objects({}), fc()), /Secret db\/fauna-ca .*wait for the operator to create it/);
  });
});

describe("clusterTls: kubectlObjects", () => {
  it("reads with --ignore-not-found: empty output is an absent object", async () => {
    const calls: string[][] = [];
    const o = kubectlObjects(async (args) => (calls.push(args), args.includes("present") ? JSON.stringify({ data: { a: "b" } }) : ""));
    assert.deepEqual(await o.get("configmap", "db", "present"), { data: { a: "b" } });
    assert.equal(await o.get("secret", "db", "absent"), undefined);
    assert.deepEqual(calls[1], ["-n", "db", "get", "secret", "absent", "--ignore-not-found", "-o", "json"]);
  });
});
