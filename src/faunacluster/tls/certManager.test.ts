import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import type { V1Secret } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";
import { buildAdminClientCertificate, buildNodeCertificate, caPartOf, checkIssuedSecret, tlsVersion } from "./certManager.ts";
import { nodeDnsNames } from "./material.ts";
import { issueCa, issueCert } from "./pki.ts";

const cluster = () => {
  const c = minimalCluster("fc", "db");
  c.spec.tls = { mode: "CertManager", issuerRef: { name: "corp", kind: "ClusterIssuer" } };
  return c;
};
const now = new Date("2026-12-01T00:00:00Z");
const ca = issueCa({ commonName: "ca", now, days: 30 });
const leaf = issueCert(ca, { commonName: "fc-r1", dnsNames: ["a.example"], usage: "peer", now, days: 10 });
const secret = (data: Record<string, string>): V1Secret => ({ data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])) });

describe("cert-manager Certificates", () => {
  it("asks for an RSA key rotated at each renewal, server and client auth, the replica's names, from the spec's issuer", () => {
    const c = cluster();
    const cert = buildNodeCertificate(c, resolveSpec(c), "r1", nodeDnsNames(c, "r1"));
    assert.equal(cert.metadata?.name, "fc-r1-tls");
    assert.equal(cert.spec.secretName, "fc-r1-tls");
    assert.deepEqual(cert.spec.issuerRef, { name: "corp", kind: "ClusterIssuer", group: "cert-manager.io" });
    assert.deepEqual(cert.spec.privateKey, { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" });
    assert.ok(cert.spec.usages.includes("server auth") && cert.spec.usages.includes("client auth"));
    assert.deepEqual(cert.spec.dnsNames, nodeDnsNames(c, "r1"));
    assert.equal(cert.metadata?.ownerReferences?.[0]?.kind, "FaunaCluster");
    const admin = buildAdminClientCertificate(c, resolveSpec(c));
    assert.equal(admin.spec.secretName, "fc-admin-client");
    assert.deepEqual(admin.spec.usages.filter((u) => u.endsWith("auth")), ["client auth"]);
  });
});

describe("checkIssuedSecret", () => {
  const t = now.getTime() + 1000;
  it("waits for a Secret cert-manager has not written", () => {
    assert.equal(checkIssuedSecret("s", undefined, t).kind, "waiting");
    assert.equal(checkIssuedSecret("s", secret({ "ca.crt": ca.cert }), t).kind, "waiting");
  });
  it("is ready with key, chain and CA, and names the version by the certificate and CA", () => {
    const r = checkIssuedSecret("s", secret({ "tls.crt": leaf.cert, "tls.key": leaf.key, "ca.crt": ca.cert }), t);
    assert.equal(r.kind, "ready");
    assert.equal(r.kind === "ready" && r.version, tlsVersion(leaf.cert, ca.cert));
    assert.notEqual(caPartOf(tlsVersion(leaf.cert, ca.cert)), caPartOf(tlsVersion(leaf.cert, issueCa({ commonName: "other", now, days: 1 }).cert)));
    assert.equal(caPartOf(tlsVersion(leaf.cert, ca.cert)), caPartOf(tlsVersion(issueCert(ca, { commonName: "x", usage: "peer", now, days: 1 }).cert, ca.cert)));
  });
  it("refuses an issuer that hands out no CA, or a key that is not RSA, naming the Secret and not its content", () => {
    const noCa = checkIssuedSecret("fc-r1-tls", secret({ "tls.crt": leaf.cert, "tls.key": leaf.key }), t);
    assert.equal(noCa.kind, "unusable");
    assert.match(noCa.kind === "unusable" ? noCa.problem : "", /Secret fc-r1-tls has no ca\.crt/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const notRsa = checkIssuedSecret("fc-r1-tls", secret({ "tls.crt": leaf.cert, "tls.key": ec, "ca.crt": ca.cert }), t);
    assert.equal(notRsa.kind, "unusable");
    assert.ok(notRsa.kind === "unusable" && !notRsa.problem.includes("PRIVATE KEY"));
  });
  it("waits while the key and certificate do not match (mid-renewal) or the certificate expired", () => {
    const other = issueCert(ca, { commonName: "o", usage: "peer", now, days: 1 });
    assert.equal(checkIssuedSecret("s", secret({ "tls.crt": leaf.cert, "tls.key": other.key, "ca.crt": ca.cert }), t).kind, "waiting");
    assert.equal(checkIssuedSecret("s", secret({ "tls.crt": leaf.cert, "tls.key": leaf.key, "ca.crt": ca.cert }), now.getTime() + 11 * 86_400_000).kind, "waiting");
  });
});
