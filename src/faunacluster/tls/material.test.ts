import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Secret } from "@kubernetes/client-node";
import { TLS_KEYS } from "../../api/funcs.ts";
import { threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";
import { buildCaConfigMap, buildCaSecret, buildNodeCertSecret, checkCa, checkNodeCert, NODE_CERT_NAME_EPOCH_MS, nodeCertSuffix, nodeDnsNames } from "./material.ts";
import { issueCa, issueCert } from "./pki.ts";

const cluster = threeByThree("fc", "prod");
const now = Date.parse("2026-12-01T00:00:00Z");
const ca = issueCa({ commonName: "fc CA", now: new Date(now), days: 3650 });
const otherCa = issueCa({ commonName: "other CA", now: new Date(now), days: 3650 });
const nodeCert = (issuer = ca, days = 365, dnsNames = nodeDnsNames(cluster, "r1")) =>
  buildNodeCertSecret(cluster, "r1", issueCert(issuer, { commonName: "fc-r1", dnsNames, usage: "peer", now: new Date(now), days }), issuer, nodeCertSuffix(issuer, dnsNames, now));

describe("TLS material", () => {
  it("a replica's certificate covers its pods' DNS names and the client Service's", () => {
    assert.deepEqual(nodeDnsNames(cluster, "r1"), [
      "*.fc-r1.prod.svc.cluster.local", "*.fc-r1.prod.svc", "fc", "fc.prod", "fc.prod.svc", "fc.prod.svc.cluster.local",
    ]);
  });

  it("the CA Secret round-trips; a broken one is named, its content never shown", () => {
    const secret = buildCaSecret(cluster, ca);
    assert.equal(secret.metadata?.name, "fc-ca");
    assert.equal(secret.immutable, true);
    const ok = checkCa(cluster, secret, now);
    assert.equal(ok.kind, "usable");
    assert.equal(checkCa(cluster, undefined, now).kind, "absent");
    const mismatched: V1Secret = { ...secret, data: { ...secret.data, [TLS_KEYS.key]: Buffer.from(otherCa.key).toString("base64") } };
    const bad = checkCa(cluster, mismatched, now);
    assert.equal(bad.kind, "unusable");
    assert.match(bad.kind === "unusable" ? bad.problem : "", /Secret fc-ca: tls.key is not the key of tls.crt/);
    assert.ok(!(bad.kind === "unusable" && bad.problem.includes("PRIVATE KEY")));
    const notCa = issueCert(ca, { commonName: "leaf", usage: "server", now: new Date(now), days: 30 });
    assert.equal(checkCa(cluster, buildCaSecret(cluster, notCa), now).kind, "unusable");
    assert.equal(checkCa(cluster, secret, now + 3651 * 86_400_000).kind, "unusable", "an expired CA");
  });

  it("your own CA (spec.tls.caSecretRef) is used only when labelled for the operator, and never made for you", () => {
    const own = threeByThree("fc", "prod");
    own.spec.tls = { caSecretRef: { name: "corp-ca" } };
    const secret = { ...buildCaSecret(cluster, ca), metadata: { name: "corp-ca", namespace: "prod" } };
    const absent = checkCa(own, undefined, now);
    assert.deepEqual(absent, { kind: "unusable", problem: "Secret corp-ca (spec.tls.caSecretRef) not found" });
    const unlabelled = checkCa(own, secret, now);
    assert.match(unlabelled.kind === "unusable" ? unlabelled.problem : "", /label it fauna-operator\.io\/tls-ca=true/);
    const labelled = checkCa(own, { ...secret, metadata: { ...secret.metadata, labels: { "fauna-operator.io/tls-ca": "true" } } }, now);
    assert.equal(labelled.kind, "usable");
  });

  it("the CA ConfigMap holds the certificate alone", () => {
    const cm = buildCaConfigMap(cluster, ca.cert);
    assert.deepEqual(Object.keys(cm.data ?? {}), ["ca.crt"]);
    assert.ok(!JSON.stringify(cm).includes("PRIVATE KEY"));
  });

  it("a node certificate is kept while it serves, and renewed when lost, foreign, short of a name or due", () => {
    const good = nodeCert();
    assert.match(good.metadata?.name ?? "", /^fc-r1-tls-[0-9a-f]{10}$/);
    assert.deepEqual(Object.keys(good.data ?? {}).sort(), ["ca.crt", "faunadb.pem", "tls.crt", "tls.key"]);
    assert.deepEqual(checkNodeCert(cluster, "r1", ca, good, now), { kind: "usable", secretName: good.metadata?.name });
    const renew = (s: V1Secret | undefined, at = now) => {
      const c = checkNodeCert(cluster, "r1", ca, s, at);
      return c.kind === "renew" ? c.why : "kept";
    };
    assert.equal(renew(undefined), "no certificate yet");
    assert.match(renew(nodeCert(otherCa)), /was not issued by the CA in fc-ca/);
    assert.match(renew(nodeCert(ca, 365, ["fc"])), /does not cover \*\.fc-r1\.prod\.svc\.cluster\.local/);
    assert.match(renew(good, now + 250 * 86_400_000), /expires on/, "a third of a year left: renewed");
    assert.equal(renew(good, now + 200 * 86_400_000), "kept");
  });

  it("a certificate's Secret name is the same for a CA, its names and a 30-day epoch (an interrupted pass finds it again)", () => {
    const names = nodeDnsNames(cluster, "r1");
    const a = nodeCertSuffix(ca, names, now);
    assert.match(a, /^[0-9a-f]{10}$/);
    assert.equal(nodeCertSuffix(ca, names, now + 1000), a, "the next pass, a second later");
    assert.notEqual(nodeCertSuffix(otherCa, names, now), a, "another CA");
    assert.notEqual(nodeCertSuffix(ca, names.slice(1), now), a, "other names");
    assert.notEqual(nodeCertSuffix(ca, names, now + NODE_CERT_NAME_EPOCH_MS), a, "a renewal a month later");
  });

  it("the key file is the key, then the chain, leaf first (FaunaDB's PEMFile)", () => {
    const pem = Buffer.from(nodeCert().data?.[TLS_KEYS.faunaKeyFile] ?? "", "base64").toString();
    const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----/g)].map((m) => m[1]);
    assert.deepEqual(blocks, ["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"]);
  });
});
