// TLS material from cert-manager (issue 13, `spec.tls.mode: CertManager`): per replica a Certificate whose Secret
// (`tls.crt`, `tls.key`, `ca.crt`) the pods mount and join into FaunaDB's one key file at start, and one for the
// operator's own client certificate. cert-manager renews a Secret in place, so what the pods should load is named by a
// digest on their template (the roll is the operator's, one replica at a time). Pure: objects and verdicts.
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import type { KubernetesObject, V1Secret } from "@kubernetes/client-node";
import type { ResolvedSpec } from "../../api/defaults.ts";
import { adminClientCertName, COMPONENTS, issuedTlsName, statefulSetName, TLS_KEYS } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import type { Resource } from "../../kube/resource.ts";
import { ownedMeta } from "../build/meta.ts";
import { secretText } from "./material.ts";

export const CERTIFICATES: Resource = { group: "cert-manager.io", version: "v1", plural: "certificates", kind: "Certificate", namespaced: true };

export const NODE_CERT_DURATION = "8760h"; // a year, as the operator's own node certificates
export const NODE_CERT_RENEW_BEFORE = "2920h"; // a third left
export const CLIENT_CERT_DURATION = "720h";
export const CLIENT_CERT_RENEW_BEFORE = "240h";

export interface Certificate extends KubernetesObject {
  spec: {
    secretName: string;
    commonName: string;
    dnsNames?: string[];
    duration: string;
    renewBefore: string;
    usages: string[];
    // RSA: FaunaDB's peer cipher suites are TLS 1.2 RSA key exchange only (sim tls.ts, Encryption.scala). PKCS#8:
    // the encoding Netty reads without BouncyCastle. Always: a renewal also makes a new key (v1.11 defaults to Never).
    privateKey: { algorithm: "RSA"; size: 2048; encoding: "PKCS8"; rotationPolicy: "Always" };
    issuerRef: { name: string; kind: string; group: string };
  };
}

function certificate(cluster: FaunaCluster, spec: ResolvedSpec, name: string, replica: string | undefined, body: Pick<Certificate["spec"], "commonName" | "usages" | "duration" | "renewBefore"> & { dnsNames?: string[] }): Certificate {
  const issuer = spec.tls.issuerRef;
  if (!issuer) throw new Error("tls.mode CertManager needs tls.issuerRef");
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: ownedMeta(cluster, name, COMPONENTS.tls, replica),
    spec: {
      secretName: name,
      ...body,
      privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
      issuerRef: { name: issuer.name, kind: issuer.kind, group: issuer.group },
    },
  };
}

/** A replica's certificate: its pods' names, server and client auth (FaunaDB presents it on the peer bus and its CLI). */
export function buildNodeCertificate(cluster: FaunaCluster, spec: ResolvedSpec, replica: string, dnsNames: string[]): Certificate {
  return certificate(cluster, spec, issuedTlsName(cluster, replica), replica, {
    commonName: statefulSetName(cluster, replica),
    dnsNames,
    usages: ["digital signature", "key encipherment", "server auth", "client auth"],
    duration: NODE_CERT_DURATION,
    renewBefore: NODE_CERT_RENEW_BEFORE,
  });
}

/** The operator's client certificate for the admin API's mutual TLS. */
export function buildAdminClientCertificate(cluster: FaunaCluster, spec: ResolvedSpec): Certificate {
  return certificate(cluster, spec, adminClientCertName(cluster), undefined, {
    commonName: "fauna-operator",
    usages: ["digital signature", "key encipherment", "client auth"],
    duration: CLIENT_CERT_DURATION,
    renewBefore: CLIENT_CERT_RENEW_BEFORE,
  });
}

export type IssuedCheck =
  | { kind: "ready"; cert: string; key: string; ca: string; version: string }
  | { kind: "waiting"; why: string }
  | { kind: "unusable"; problem: string };

const digest = (pem: string) => createHash("sha256").update(pem).digest("hex").slice(0, 16);

/** The version a template names: `<digest of tls.crt>.<digest of ca.crt>`. */
export const tlsVersion = (cert: string, ca: string): string => `${digest(cert)}.${digest(ca)}`;
export const caPartOf = (version: string | undefined): string | undefined => version?.split(".")[1];

/** Whether an issued Secret can be loaded by FaunaDB. Problems name the Secret and what is wrong, never its content. */
export function checkIssuedSecret(name: string, secret: V1Secret | undefined, now: number): IssuedCheck {
  if (!secret) return { kind: "waiting", why: `cert-manager has not issued Secret ${name} yet` };
  const cert = secretText(secret, TLS_KEYS.cert);
  const key = secretText(secret, TLS_KEYS.key);
  const ca = secretText(secret, TLS_KEYS.caCert);
  if (!cert || !key) return { kind: "waiting", why: `Secret ${name} has no ${TLS_KEYS.cert} or ${TLS_KEYS.key} yet` };
  if (!ca) return { kind: "unusable", problem: `Secret ${name} has no ${TLS_KEYS.caCert}: tls.issuerRef must name an issuer that hands out its CA (a CA, Vault or Venafi issuer), since FaunaDB trusts that CA for mutual TLS` };
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
    new X509Certificate(ca);
  } catch {
    return { kind: "unusable", problem: `Secret ${name}: ${TLS_KEYS.cert} or ${TLS_KEYS.caCert} is not a PEM certificate` };
  }
  if (Date.parse(x.validTo) <= now) return { kind: "waiting", why: `Secret ${name}: the certificate expired on ${x.validTo}; cert-manager should renew it` };
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    return { kind: "unusable", problem: `Secret ${name}: ${TLS_KEYS.key} is not a PEM private key` };
  }
  if (privateKey.asymmetricKeyType !== "rsa") return { kind: "unusable", problem: `Secret ${name}: the key is ${privateKey.asymmetricKeyType ?? "not RSA"}; FaunaDB's peer cipher suites need RSA (the Certificate asks for it: check the issuer)` };
  if (!x.checkPrivateKey(privateKey)) return { kind: "waiting", why: `Secret ${name}: ${TLS_KEYS.key} does not match ${TLS_KEYS.cert} (mid-renewal)` };
  return { kind: "ready", cert, key, ca, version: tlsVersion(cert, ca) };
}
