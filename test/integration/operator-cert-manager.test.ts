// tls.mode CertManager against the real cert-manager controller (test/support/certManager.ts): a CA Issuer issues a
// Certificate per replica and the operator's client certificate; the nodes serve them on the admin API (mutual TLS,
// nothing without a certificate of that CA), the query API and the peer bus. A renewal (cert-manager re-issues one
// replica's Secret in place) rolls that replica's pods, and only them, onto the new certificate; an issuer that signs
// with another CA is held (the peer bus trusts the first). The simulator at
// FaunaDB's real timings; the operator holds the opt-in RBAC of manifests/optional/cert-manager-rbac.yaml.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-cert-manager.test.ts
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import https from "node:https";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import type { V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { FaunaCluster } from "../../src/api/types.ts";
import { issueCa, issueCert, type KeyPair } from "../../src/faunacluster/tls/pki.ts";
import { type RunningCertManager, startCertManager } from "../support/certManager.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";
import { tcpProbe, tlsHandshake } from "../support/portProbe.ts";

const suite = operatorSuite({ namespacePrefix: "opcm", healthPort: 18145, startInBefore: false });
const NAME = "fauna-3x1";
const ISSUER = "fauna-ca";

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const condition = (c: FaunaCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);
const isReady = (c: FaunaCluster) => condition(c, "Ready")?.status === "True" && condition(c, "Ready")?.observedGeneration === c.metadata.generation;
const secretData = async (name: string) => (await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", name])).data;
const decoded = (data: Record<string, string>, key: string) => Buffer.from(data[key] ?? "", "base64").toString();
const pod = (r: number) => getJson<V1Pod>(["-n", suite.ns, "get", "pod", `${NAME}-replica-${r}-0`]);
const tlsVersion = async (r: number) => (await getJson<V1StatefulSet>(["-n", suite.ns, "get", "statefulset", `${NAME}-replica-${r}`])).spec?.template.metadata?.annotations?.["fauna-operator.io/tls-version"];
/** The certificate a node presents on `port`, and whether it answered. */
const servedCert = (ip: string, port: number, o: tls.ConnectionOptions) =>
  new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: ip, port, rejectUnauthorized: false, ...o }, () => {
      const der = socket.getPeerX509Certificate();
      socket.destroy();
      resolve(der?.fingerprint256 ?? "");
    });
    socket.on("error", reject);
    socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
  });

describe("operator: tls.mode CertManager with the real cert-manager", { timeout: 1_200_000 }, () => {
  let cm: RunningCertManager | undefined;
  let ca: KeyPair;
  const withLogs = (err: unknown): never => {
    throw new Error(`${String(err)}\ncert-manager log tail (${cm?.logFile}):\n${cm?.logTail() ?? ""}`);
  };

  before(async () => {
    cm = await startCertManager(suite.tier, { namespace: suite.ns });
    await suite.tier.kubectl(["apply", "-f", "manifests/optional/cert-manager-rbac.yaml"]);
    ca = issueCa({ commonName: "opcm-test-ca", now: new Date(), days: 2 });
    await suite.tier.core.createNamespacedSecret({ namespace: suite.ns, body: { metadata: { name: ISSUER }, type: "kubernetes.io/tls", stringData: { "tls.crt": ca.cert, "tls.key": ca.key } } });
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: ISSUER, namespace: suite.ns }, spec: { ca: { secretName: ISSUER } } }));
    await suite.startOperator();
  });
  after(async () => {
    await cm?.stop();
  });

  it("reaches Ready on certificates cert-manager issued; the admin API answers only a client of that CA", async () => {
    const doc = sample("cluster-3x1.yaml", suite.ns, (spec) => {
      spec["tls"] = { mode: "CertManager", issuerRef: { name: ISSUER } };
    });
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    await eventually("Ready", async () => (isReady(await fc()) ? true : undefined), 480_000, 1000).catch(suite.failWithLogTail).catch(withLogs);

    const certificates = (await getJson<{ items: { metadata: { name: string }; spec: { issuerRef: { name: string }; privateKey: { algorithm: string } } }[] }>(["-n", suite.ns, "get", "certificates"])).items;
    assert.deepEqual(certificates.map((c) => c.metadata.name).sort(), [`${NAME}-admin-client`, `${NAME}-replica-1-tls`, `${NAME}-replica-2-tls`, `${NAME}-replica-3-tls`]);
    assert.ok(certificates.every((c) => c.spec.issuerRef.name === ISSUER && c.spec.privateKey.algorithm === "RSA"));
    const issued = await secretData(`${NAME}-replica-1-tls`);
    const nodeCert = new X509Certificate(decoded(issued, "tls.crt"));
    assert.ok(nodeCert.verify(new X509Certificate(ca.cert).publicKey), "the node certificate is the issuer's");
    const published = (await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "configmap", `${NAME}-ca`])).data["ca.crt"] ?? "";
    assert.equal(new X509Certificate(published).fingerprint256, new X509Certificate(ca.cert).fingerprint256, "clients find the CA in the ConfigMap");

    const ip = (await pod(1)).status?.podIP ?? "";
    const rootKey = decoded(await secretData(`${NAME}-root-key`), "root-key");
    const client = issueCert(ca, { commonName: "test-client", usage: "client", now: new Date(), days: 1 });
    const stranger = issueCert(issueCa({ commonName: "stranger", now: new Date(), days: 1 }), { commonName: "stranger", usage: "client", now: new Date(), days: 1 });
    const identity = (o: https.RequestOptions) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request({ host: ip, port: 8444, path: "/admin/identity", headers: { authorization: `Basic ${Buffer.from(`${rootKey}:`).toString("base64")}` }, ca: ca.cert, checkServerIdentity: () => undefined, timeout: 5000, ...o }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.end();
      });
    assert.equal(await identity({ cert: client.cert, key: client.key }), 200, "a client certificate of the issuer's CA");
    await assert.rejects(identity({}), "no client certificate: refused");
    await assert.rejects(identity({ cert: stranger.cert, key: stranger.key }), "another CA's client certificate: refused");
    assert.equal(await servedCert(ip, 8444, { cert: client.cert, key: client.key }), nodeCert.fingerprint256, "8444 presents the issued certificate");
    assert.equal(await servedCert(ip, 8443, {}), nodeCert.fingerprint256, "so does the query API");
    for (const r of [1, 2, 3]) {
      const rip = (await pod(r)).status?.podIP ?? "";
      assert.equal(await tcpProbe(rip, 7500), "refused", `replica-${r}: no cleartext bus`);
      assert.equal(await tlsHandshake(rip, 7501, { ca: ca.cert, cert: client.cert, key: client.key }), "accepted", `replica-${r}: the peer bus takes a certificate of the CA`);
    }
  });

  it("a renewal rolls only the renewed replica's pods onto the new certificate, and the cluster is Ready again", async () => {
    const before = await Promise.all([1, 2, 3].map(async (r) => ({ uid: (await pod(r)).metadata?.uid, version: await tlsVersion(r) })));
    assert.ok(before.every((b) => b.version), "each template names the version its pods load");
    const old = decoded(await secretData(`${NAME}-replica-2-tls`), "tls.crt");
    // cert-manager re-issues a Certificate whose Secret is gone (new key: rotationPolicy Always).
    await suite.tier.kubectl(["-n", suite.ns, "delete", "secret", `${NAME}-replica-2-tls`]);
    const renewed = await eventually("the Secret re-issued", async () => {
      const data = await secretData(`${NAME}-replica-2-tls`).catch(() => undefined);
      const cert = data ? decoded(data, "tls.crt") : "";
      return cert && cert !== old ? cert : undefined;
    }, 120_000, 1000).catch(withLogs);
    await eventually("replica-2's pod restarted on the new certificate", async () => {
      const p = await pod(2).catch(() => undefined);
      return p && p.metadata?.uid !== before[1]!.uid && p.status?.containerStatuses?.[0]?.ready ? true : undefined;
    }, 300_000, 2000).catch(suite.failWithLogTail);
    await eventually("Ready again", async () => (isReady(await fc()) ? true : undefined), 300_000, 1000).catch(suite.failWithLogTail);
    assert.notEqual(await tlsVersion(2), before[1]!.version);
    for (const r of [1, 3]) {
      assert.equal((await pod(r)).metadata?.uid, before[r - 1]!.uid, `replica-${r}'s pod kept running`);
      assert.equal(await tlsVersion(r), before[r - 1]!.version);
    }
    const ip = (await pod(2)).status?.podIP ?? "";
    const client = issueCert(ca, { commonName: "test-client", usage: "client", now: new Date(), days: 1 });
    assert.equal(await servedCert(ip, 8444, { cert: client.cert, key: client.key }), new X509Certificate(renewed).fingerprint256, "replica-2 serves the renewed certificate");
  });

  it("an issuer that signs with another CA is held: no roll onto it, Degraded/TlsProblem and a Warning", async () => {
    const uids = await Promise.all([1, 2, 3].map(async (r) => (await pod(r)).metadata?.uid));
    const versions = await Promise.all([1, 2, 3].map(tlsVersion));
    const other = issueCa({ commonName: "opcm-other-ca", now: new Date(), days: 2 });
    await suite.tier.kubectl(["-n", suite.ns, "delete", "secret", ISSUER]);
    await suite.tier.core.createNamespacedSecret({ namespace: suite.ns, body: { metadata: { name: ISSUER }, type: "kubernetes.io/tls", stringData: { "tls.crt": other.cert, "tls.key": other.key } } });
    await suite.tier.kubectl(["-n", suite.ns, "delete", "secret", `${NAME}-replica-3-tls`]);
    await eventually("replica-3 re-issued by the other CA", async () => {
      const data = await secretData(`${NAME}-replica-3-tls`).catch(() => undefined);
      const cert = data ? decoded(data, "tls.crt") : "";
      return cert && new X509Certificate(cert).verify(new X509Certificate(other.cert).publicKey) ? true : undefined;
    }, 120_000, 1000).catch(withLogs);
    const degraded = await eventually("Degraded with TlsProblem", async () => {
      const c = condition(await fc(), "Degraded");
      return c?.status === "True" && c.reason === "TlsProblem" ? c : undefined;
    }, 120_000, 1000).catch(suite.failWithLogTail);
    assert.match(degraded.message ?? "", /another CA/);
    await new Promise((r) => setTimeout(r, 40_000)); // several passes (the hold retries every 30 s)
    assert.deepEqual(await Promise.all([1, 2, 3].map(tlsVersion)), versions, "no template names the other CA's certificate");
    assert.deepEqual(await Promise.all([1, 2, 3].map(async (r) => (await pod(r)).metadata?.uid)), uids, "no pod was restarted");
    const events = await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${NAME},reason=TlsProblem`, "-o", "name"]);
    assert.notEqual(events.trim(), "", "a Warning Event says why");
  });
});
