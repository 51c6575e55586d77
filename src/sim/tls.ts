// TLS on the admin (8444) and query (8443) ports, configured as FaunaDB does (fauna/faunadb 4f8f8be):
// - `ext/config/src/main/scala/CoreConfig.scala` `adminSSL`: `SSLConfig(ServerSSL(key, trust, true),
//   ClientSSL(Some(key), trust, true))`; `httpSSL`: `SSLConfig(ServerSSL(key, trust, false), None)`.
// - `ext/net/src/main/scala/security/SSL.scala` `ServerSSL`: the trust is the trust file, else (priv only) the key
//   file's own certificates, else none; with a trust the engine gets `setNeedClientAuth(true)`: a client without a
//   certificate, or with one the trust does not vouch for, fails the handshake. So 8444 always demands a client
//   certificate, and 8443 demands one only when `http_ssl_trust_file` is set.
// - `ext/net/src/main/scala/security/PEMFile.scala`, `package.scala` (`KeySource`, `TrustSource`): one PEM file with
//   the private key (optionally encrypted, `*_ssl_password`) and the certificate chain, leaf first; a trust file of
//   CA certificates (plus an optional CRL). Java's PKIX trust manager takes any certificate of the trust store as an
//   anchor, intermediates and leaves included: `allowPartialTrustChain` does the same in OpenSSL.
// Not modelled: a key file with no certificate (FaunaDB makes an ad-hoc self-signed one and trusts by public key),
// and trust files holding bare public keys; both are refused at start with FaunaDB's message and a note.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server } from "node:net";
import type { ConnectionOptions, DetailedPeerCertificate, TLSSocket, TlsOptions } from "node:tls";

/** The `<admin|http>_ssl_*` keys of faunadb.yml. */
export interface SslSettings {
  keyFile: string;
  /** `*_ssl_password`: the passphrase of an encrypted key ("" by default, as `Password("")`). */
  password: string;
  trustFile: string | undefined;
}

export class TlsConfigError extends Error {}

interface Pem {
  keys: string[];
  certs: string[];
  crls: string[];
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The PEM blocks of a file, by kind: private keys (any form, encrypted too), certificates, CRLs. */
export function parsePem(text: string): Pem {
  const out: Pem = { keys: [], certs: [], crls: [] };
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1]!;
    if (label.endsWith("PRIVATE KEY")) out.keys.push(m[0]);
    else if (label === "CERTIFICATE" || label === "TRUSTED CERTIFICATE") out.certs.push(m[0]);
    else if (label === "X509 CRL") out.crls.push(m[0]);
  }
  return out;
}

function readPem(path: string): Pem {
  try {
    return parsePem(readFileSync(path, "utf8"));
  } catch (e) {
    // FaunaDB: java.io.FileNotFoundException from PEMFile's FileReader.
    throw new TlsConfigError(`java.io.FileNotFoundException: ${path} (${e instanceof Error && "code" in e ? String(e.code) : String(e)})`);
  }
}

interface KeySource {
  key: string;
  chain: string[];
  passphrase: string;
}

/** `KeySource`: the first private key and the certificates (leaf first) of the key file. */
function keySource(s: SslSettings): KeySource {
  const pem = readPem(s.keyFile);
  if (pem.keys.length === 0 || pem.certs.length === 0)
    throw new TlsConfigError(
      `File ${s.keyFile} does not contain a valid private key and/or certificate.` +
        (pem.keys.length > 0 ? " (The simulator does not make FaunaDB's ad-hoc self-signed certificate for a bare key.)" : ""),
    );
  return { key: pem.keys[0]!, chain: pem.certs, passphrase: s.password };
}

interface Trust {
  ca: string[];
  crl: string[];
}

/** `TrustSource` (the trust file), else for `priv` the key file's own certificates (`KeySource.trustFactory`). */
function trustOf(s: SslSettings, key: KeySource, priv: boolean): Trust | undefined {
  if (s.trustFile === undefined) return priv ? { ca: key.chain, crl: [] } : undefined;
  const pem = readPem(s.trustFile);
  if (pem.certs.length === 0)
    throw new TlsConfigError(`File ${s.trustFile} does not contain a valid public key and/or certificate.`);
  // TMKeyStoreAndCRL takes the file's first CRL only.
  return { ca: pem.certs, crl: pem.crls.slice(0, 1) };
}

const trustOptions = (t: Trust) => ({ ca: t.ca, ...(t.crl.length > 0 ? { crl: t.crl } : {}), allowPartialTrustChain: true });

const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey);
const signs = (issuer: X509Certificate, c: X509Certificate) => c.checkIssued(issuer) && c.verify(issuer.publicKey);
const current = (c: X509Certificate, now: number) => Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);

/** Whether OpenSSL alone judges as Java would: every trust certificate is a root or issued by one in the trust. */
function opensslSuffices(trust: readonly X509Certificate[]): boolean {
  return trust.every((t) => selfSigned(t) || trust.some((i) => i !== t && signs(i, t)));
}

/**
 * Java's PKIX with the trust store as anchors: the presented chain (leaf first), each signed by the next, reaches a
 * trust certificate (equal to one, or signed by one), every certificate on the way current.
 */
export function chainReachesTrust(chain: readonly X509Certificate[], trust: readonly X509Certificate[], now = Date.now()): boolean {
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    if (!current(c, now)) return false;
    if (trust.some((t) => t.raw.equals(c.raw) || (signs(t, c) && current(t, now)))) return true;
    const next = chain[i + 1];
    if (!next || !signs(next, c)) return false;
  }
  return false;
}

/** The certificates a TLS peer presented, leaf first (Node links them through issuerCertificate). */
function presentedChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !out.some((x) => x.raw.equals(c!.raw))) {
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

/** The server side of a port: the options of its TLS server, and the check run right after each handshake. */
export interface ServerTls {
  options: TlsOptions;
  /** false: drop the connection (only set when OpenSSL cannot judge the trust alone, see above). */
  acceptPeer?: (socket: TLSSocket) => boolean;
}

/** Installs `tls.acceptPeer` on a TLS server (admin.ts, api.ts): a refused peer's socket is destroyed. */
export function guard(server: Server, tls: ServerTls): void {
  const accept = tls.acceptPeer;
  if (accept) server.on("secureConnection", (socket: TLSSocket) => accept(socket) || socket.destroy());
}

/**
 * The server side of one port: `priv` is true for the admin port (`adminSSL`), false for the query port
 * (`httpSSL`). Throws TlsConfigError when a file is missing or holds no usable key, certificate or trust.
 * ALPN offers h2 and http/1.1, as FaunaDB's HTTP/2 server does (`ext/net/src/main/scala/http/HttpServer.scala`).
 */
export function serverTls(s: SslSettings, priv: boolean): ServerTls {
  const key = keySource(s);
  const trust = trustOf(s, key, priv);
  const base: TlsOptions = { key: key.key, cert: key.chain.join("\n"), passphrase: key.passphrase, ALPNProtocols: ["h2", "http/1.1"] };
  if (!trust) return { options: { ...base, requestCert: false } };
  const anchors = trust.ca.map((c) => new X509Certificate(c));
  if (opensslSuffices(anchors)) return { options: { ...base, ...trustOptions(trust), requestCert: true, rejectUnauthorized: true } };
  return {
    options: { ...base, ...trustOptions(trust), requestCert: true, rejectUnauthorized: false },
    acceptPeer: (socket) => {
      const chain = presentedChain(socket);
      return chain.length > 0 && (socket.authorized || chainReachesTrust(chain, anchors));
    },
  };
}

/**
 * The client side of `adminSSL` (`ClientSSL(Some(key), trust, true)`), as faunadb-admin connects
 * (`ext/tools/src/main/scala/Admin.scala`: `enableEndpointIdentification = false`): the node's own key file as the
 * client certificate, the server checked against the trust file (else the key file's certificates), no hostname
 * check. The simulator's readiness helpers use it for 8443 too (a client certificate is what a trust file there
 * asks for).
 */
export function clientTls(s: SslSettings): ConnectionOptions {
  const key = keySource(s);
  return {
    key: key.key,
    cert: key.chain.join("\n"),
    passphrase: key.passphrase,
    ...trustOptions(trustOf(s, key, true)!),
    checkServerIdentity: () => undefined,
  };
}

/** The `<prefix>_ssl_*` settings of a parsed faunadb.yml; undefined without `<prefix>_ssl_key_file`. */
export function sslSettings(raw: Readonly<Record<string, unknown>>, prefix: "admin" | "http"): SslSettings | undefined {
  const text = (k: string): string | undefined => {
    const v = raw[`${prefix}_${k}`];
    return v === undefined || v === null ? undefined : String(v);
  };
  const keyFile = text("ssl_key_file");
  if (keyFile === undefined) return undefined;
  return { keyFile, password: text("ssl_password") ?? "", trustFile: text("ssl_trust_file") };
}

// ---- the peer bus (7500 / 7501) --------------------------------------------------------------------------------
// `CoreConfig.scala` `encryption`: level `none` is cleartext (whatever key is set); no level with a key file is `dc`;
// no level and no key is cleartext; `dc` or `all` without a key, or any other level, is fatal at start.
// `Encryption.scala` `Secure.sslConfig`: `ServerSSL(key, trust, true, ciphers)` and `ClientSSL(key, trust, true,
// ciphers)`, so peers always use mutual TLS, trusting the trust file, else the key file's own certificates.
// `CassandraService.scala` `bus` and `MessageBus.scala` `apply`: cleartext binds only 7500 (advertised); `all` binds
// only 7501 (advertised); `dc` binds 7501 (advertised) and a cleartext 7500 limited to the node's own replica.
// Netty's client handler is made without endpoint identification: no hostname check.

export type PeerEncryptionLevel = "none" | "dc" | "all";

export interface PeerEncryption {
  level: PeerEncryptionLevel;
  /** The key file (`peer_encryption_key_file`, `_password`, `_trust_file`); set when level is not none. */
  ssl?: SslSettings;
  /** OpenSSL names of `peer_encryption_cipher_suites`. */
  ciphers: string[];
  /** Whether any suite is a TLS 1.3 one: FaunaDB's default two are TLS 1.2 RSA key exchange suites only. */
  tls13: boolean;
}

/** `peer_encryption_cipher_suites`' default in CoreConfig.scala. */
export const DEFAULT_PEER_CIPHER_SUITES = ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"];

/** The suites the simulator knows, by their Java (IANA) name: the defaults, TLS 1.3's, and ECDHE's common ones. */
const CIPHER_NAMES: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256",
  TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384",
  TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256",
};

/** The `peer_encryption_*` settings of a parsed faunadb.yml, judged as FaunaDB does; throws TlsConfigError. */
export function peerEncryption(raw: Readonly<Record<string, unknown>>): PeerEncryption {
  const text = (k: string): string | undefined => {
    const v = raw[`peer_encryption_${k}`];
    return v === undefined || v === null ? undefined : String(v);
  };
  const suites = Array.isArray(raw.peer_encryption_cipher_suites) ? raw.peer_encryption_cipher_suites.map(String) : DEFAULT_PEER_CIPHER_SUITES;
  const unknown = suites.filter((s) => !(s in CIPHER_NAMES));
  if (unknown.length > 0)
    throw new TlsConfigError(`java.lang.IllegalArgumentException: unsupported cipher suite ${unknown.join(", ")} (the simulator knows ${Object.keys(CIPHER_NAMES).join(", ")})`);
  const ciphers = suites.map((s) => CIPHER_NAMES[s]!);
  const tls13 = suites.some((s) => s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_"));
  const keyFile = text("key_file");
  const level = text("level");
  const ssl = keyFile === undefined ? undefined : { keyFile, password: text("password") ?? "", trustFile: text("trust_file") };
  if (level === "none" || (level === undefined && !ssl)) return { level: "none", ciphers, tls13 };
  if (level !== undefined && level !== "dc" && level !== "all")
    throw new TlsConfigError(`java.lang.IllegalArgumentException: Invalid encryption level ${level}. Must be one of: none, dc, all.`);
  if (!ssl) throw new TlsConfigError(`java.lang.IllegalArgumentException: Must provide an encryption key for level: ${level}`);
  return { level: level ?? "dc", ssl, ciphers, tls13 };
}

const peerCipherOptions = (p: PeerEncryption) => ({
  ciphers: p.ciphers.join(":"),
  ...(p.tls13 ? {} : { maxVersion: "TLSv1.2" as const }),
});

/** The TLS server of 7501: mutual TLS, no ALPN (the bus is not HTTP in FaunaDB). */
export function peerServerTls(p: PeerEncryption): ServerTls {
  const server = serverTls(p.ssl!, true);
  const { ALPNProtocols: _alpn, ...options } = server.options;
  return { ...server, options: { ...options, ...peerCipherOptions(p) } };
}

/** The client side of the bus: the node's key file as the client certificate, the server checked against the trust. */
export function peerClientTls(p: PeerEncryption): ConnectionOptions {
  return { ...clientTls(p.ssl!), ...peerCipherOptions(p) };
}
