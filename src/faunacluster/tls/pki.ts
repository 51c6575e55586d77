// The operator's own CA (issue 13, TLS by default): a CA per FaunaCluster, and certificates it issues to each pod
// (server: admin API 8444, query API 8443, peer bus 7501) and to the operator (client: admin mutual TLS). PEM as
// FaunaDB reads it (`ext/net/src/main/scala/security/PEMFile.scala`, BouncyCastle): one file holding the private
// key and its certificate chain for `*_ssl_key_file` / `peer_encryption_key_file`, the CA certificate for
// `*_ssl_trust_file`. RSA 2048 (every JSSE and BouncyCastle version reads it), SHA-256 signatures; keys come from
// node:crypto, certificates from node-forge (node:crypto parses X.509 but cannot write it).
import { generateKeyPair, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";

export type KeyPair = { cert: string; key: string };
export type Usage = "server" | "client" | "peer";

const DAY_MS = 86_400_000;

type NewKey = { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string };

function fromPem(pem: string): NewKey {
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function newKey(): NewKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return fromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString());
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** The same key, generated on libuv's thread pool: an operator issuing many keeps its event loop free (issue 14). */
async function newKeyAsync(): Promise<NewKey> {
  const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  return fromPem(privateKey);
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString("hex");
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  // Back-dated a little: a node whose clock is slightly behind must not see a certificate from the future.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

export type CaRequest = { commonName: string; now: Date; days: number };

export function issueCa(o: CaRequest): KeyPair {
  return caWith(newKey(), o);
}

export async function issueCaAsync(o: CaRequest): Promise<KeyPair> {
  return caWith(await newKeyAsync(), o);
}

function caWith(k: NewKey, o: CaRequest): KeyPair {
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  validity(cert, o.now, o.days);
  const subject = [{ name: "commonName", value: o.commonName }, { name: "organizationName", value: "fauna-operator" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

export type LeafRequest = {
  commonName: string;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  usage: Usage;
  now: Date;
  days: number;
};

export function issueCert(ca: KeyPair, r: LeafRequest): KeyPair {
  return certWith(newKey(), ca, r);
}

export async function issueCertAsync(ca: KeyPair, r: LeafRequest): Promise<KeyPair> {
  return certWith(await newKeyAsync(), ca, r);
}

function certWith(k: NewKey, ca: KeyPair, r: LeafRequest): KeyPair {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  validity(cert, r.now, r.days);
  cert.setSubject([{ name: "commonName", value: r.commonName }, { name: "organizationName", value: "fauna-operator" }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(r.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(r.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    // A peer is both: the bus is mutual TLS, each node dials and answers.
    { name: "extKeyUsage", serverAuth: r.usage !== "client", clientAuth: r.usage !== "server" },
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

/** What FaunaDB's `*_ssl_key_file` holds: the key, then the chain (leaf first). */
export function keyFile(pair: KeyPair, ca: KeyPair): string {
  return `${pair.key.trim()}\n${pair.cert.trim()}\n${ca.cert.trim()}\n`;
}

/** When the certificate stops being valid (ms since the epoch). */
export function expiresAt(certPem: string): number {
  return Date.parse(new X509Certificate(certPem).validTo);
}

/** Renew once less than `fraction` of the validity is left (cert-manager renews at 1/3 left by default). */
export function needsRenewal(certPem: string, now: number, fraction = 1 / 3): boolean {
  const x = new X509Certificate(certPem);
  const from = Date.parse(x.validFrom);
  const to = Date.parse(x.validTo);
  return now >= to - (to - from) * fraction;
}
