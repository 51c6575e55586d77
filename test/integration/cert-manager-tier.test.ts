// The real cert-manager controller runs on the local tier (test/support/certManager.ts): a CA Issuer made from a CA
// Secret this test writes issues a Certificate (RSA 2048, two DNS names, server + client auth); the Secret it writes
// holds tls.crt, tls.key and ca.crt that verify against that CA, and the Certificate is Ready. Also pins what running
// without cert-manager's webhook means: the API server accepts a Certificate the webhook would refuse (only the CRD
// schema checks it), and CertificateRequests carry no requester identity.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/cert-manager-tier.test.ts
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { issueCa, type KeyPair } from "../../src/faunacluster/tls/pki.ts";
import { type RunningCertManager, startCertManager } from "../support/certManager.ts";
import { type TestTier, eventually, useTier } from "../support/localtier.ts";

type Condition = { type: string; status: string; reason?: string; message?: string };
type WithConditions = { status?: { conditions?: Condition[] } };
const condition = (o: WithConditions, type: string) => o.status?.conditions?.find((c) => c.type === type);
const isTrue = (o: WithConditions, type: string) => condition(o, type)?.status === "True";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const samePem = (a: string, b: string) => new X509Certificate(a).fingerprint256 === new X509Certificate(b).fingerprint256;

describe("cert-manager on the local tier", { timeout: 300_000 }, () => {
  let tier: TestTier;
  let ns: string;
  let cm: RunningCertManager | undefined;
  let ca: KeyPair;
  const get = async <T>(...args: string[]): Promise<T> => JSON.parse(await tier.kubectl(["-n", ns, "get", ...args, "-o", "json"])) as T;
  const apply = (obj: object) => tier.kubectl(["apply", "-f", "-"], JSON.stringify(obj));
  const withLog = (err: unknown): never => {
    throw new Error(`${String(err)}\ncert-manager log tail (${cm?.logFile}):\n${cm?.logTail() ?? ""}`);
  };

  before(async () => {
    tier = await useTier();
    ns = await tier.namespace("certmgr");
    const t0 = Date.now();
    cm = await startCertManager(tier, { namespace: ns });
    console.error(`cert-manager controller started in ${Date.now() - t0} ms (CRDs + RBAC installed), log ${cm.logFile}`);
  });

  after(async () => {
    await cm?.stop();
    if (process.env.KEEP_NS !== "1" && ns) await tier.deleteNamespace(ns);
  });

  it("a CA Issuer from a Secret the test writes becomes Ready", async () => {
    ca = issueCa({ commonName: "cert-manager-tier-test-ca", now: new Date(), days: 1 });
    await tier.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "test-ca" }, type: "kubernetes.io/tls", stringData: { "tls.crt": ca.cert, "tls.key": ca.key } },
    });
    await apply({ apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "test-ca", namespace: ns }, spec: { ca: { secretName: "test-ca" } } });
    const issuer = await eventually("Issuer test-ca Ready", async () => {
      const i = await get<WithConditions>("issuer", "test-ca");
      return isTrue(i, "Ready") ? i : undefined;
    }, 60_000).catch(withLog);
    assert.equal(condition(issuer, "Ready")?.reason, "KeyPairVerified");
  });

  it("a Certificate (RSA 2048, DNS names, server + client auth) is issued by the real controller and verifies against the CA", async (t) => {
    const dnsNames = ["node-0.fauna.example.svc.cluster.local", "fauna.example.svc"];
    const t0 = Date.now();
    await apply({
      apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "node-0", namespace: ns },
      spec: {
        secretName: "node-0-tls", dnsNames, duration: "24h", issuerRef: { name: "test-ca", kind: "Issuer", group: "cert-manager.io" },
        privateKey: { algorithm: "RSA", size: 2048 }, usages: ["server auth", "client auth"],
      },
    });
    const data = await eventually("Secret node-0-tls with tls.crt, tls.key, ca.crt", async () => {
      const s = await get<{ data?: Record<string, string> }>("secret", "node-0-tls");
      const d = s.data ?? {};
      return d["tls.crt"] && d["tls.key"] && d["ca.crt"] ? d : undefined;
    }, 60_000, 100).catch(withLog);
    const secretMs = Date.now() - t0;
    const cert = await eventually("Certificate node-0 Ready=True", async () => {
      const c = await get<WithConditions & { status?: { revision?: number } }>("certificate", "node-0");
      return isTrue(c, "Ready") ? c : undefined;
    }, 60_000, 100).catch(withLog);
    const readyMs = Date.now() - t0;
    t.diagnostic(`issuance: Secret complete ${secretMs} ms, Certificate Ready ${readyMs} ms after apply; controller RSS ${(cm!.rssBytes() / 2 ** 20).toFixed(0)} MB`);
    assert.equal(cert.status?.revision, 1);

    const pem = (k: string) => Buffer.from(data[k] ?? "", "base64").toString();
    const leaf = new X509Certificate(pem("tls.crt"));
    const caCert = new X509Certificate(ca.cert);
    assert.ok(samePem(pem("ca.crt"), ca.cert), "ca.crt is the CA the Issuer was given");
    assert.ok(leaf.checkIssued(caCert), "tls.crt names the CA as its issuer");
    assert.ok(leaf.verify(caCert.publicKey), "tls.crt is signed by the CA's key");
    const other = new X509Certificate(issueCa({ commonName: "another-ca", now: new Date(), days: 1 }).cert);
    assert.equal(leaf.verify(other.publicKey), false, "control: another CA's key does not verify it");
    const key = createPrivateKey(pem("tls.key"));
    assert.ok(leaf.checkPrivateKey(key), "tls.key is the key of tls.crt");
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.deepEqual(leaf.subjectAltName?.split(", ").sort(), dnsNames.map((n) => `DNS:${n}`).sort());
    assert.deepEqual([...(leaf.keyUsage ?? [])].sort(), [SERVER_AUTH, CLIENT_AUTH].sort(), "extended key usages: server auth, client auth only");
    assert.equal(leaf.ca, false);
    const lifetimeH = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3_600_000;
    assert.ok(Math.abs(lifetimeH - 24) < 0.1, `duration 24h, got ${lifetimeH} h`);

    // Without the webhook no admission plugin sets the requester, yet the approver controller approved the request.
    const requests = await get<{ items: (WithConditions & { spec: { username?: string } })[] }>("certificaterequests");
    assert.equal(requests.items.length, 1);
    const request = requests.items[0]!;
    assert.ok(isTrue(request, "Approved") && isTrue(request, "Ready"), JSON.stringify(request.status));
    assert.equal(request.spec.username ?? "", "", "no webhook: the CertificateRequest carries no requester identity");
  });

  it("no webhook runs: the API server accepts a Certificate cert-manager's webhook would refuse", async () => {
    // v1.11.5's webhook (internal/apis/certmanager/validation/certificate.go) refuses each of: no commonName or SAN,
    // an RSA key under 2048 bits, a duration under 1h. The CRD schema checks none of them (it does check `usages`).
    const out = await apply({
      apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "invalid", namespace: ns },
      spec: { secretName: "invalid-tls", issuerRef: { name: "test-ca" }, privateKey: { algorithm: "RSA", size: 1024 }, duration: "10m" },
    });
    assert.match(out, /created/);
    const refused = await apply({
      apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "bad-usage", namespace: ns },
      spec: { secretName: "bad-usage-tls", issuerRef: { name: "test-ca" }, dnsNames: ["x"], usages: ["not a usage"] },
    }).then(() => "accepted", (e: unknown) => String(e));
    assert.match(refused, /spec\.usages\[0\]: Unsupported value/, "the CRD schema's own enum still applies");
  });

  it("stops on SIGTERM", async () => {
    await cm!.stop();
    assert.ok(cm!.proc.exitCode !== null || cm!.proc.signalCode !== null);
  });
});
