// The per-replica faunadb.yml template. FaunaDB has no env interpolation (FACTS §3.1), so the template carries
// __POD_NAME__ / __POD_IP__ placeholders that the container's start script fills in with sed. The root key itself is
// never in it: only its BCrypt hashes (`auth_root_key_hashes`, CoreConfig.scala), which is all FaunaDB needs to
// check the key (FaunaApp.setupRootKeys) and lets a pod accept an old and a new key during a rotation.
import type { ResolvedReplica, ResolvedSpec } from "./defaults.ts";
import { DEFAULT_CLUSTER_DOMAIN, headlessServiceName, namespaceOf, PORTS } from "./funcs.ts";
import { TUNABLE_KEYS, isTunableKey, type FaunaConfig } from "./faunaConfigKeys.ts";
import type { FaunaCluster } from "./types.ts";

/** Plain YAML scalars, so the template itself parses (tests read it as YAML). */
export const PLACEHOLDERS = { podName: "__POD_NAME__", podIp: "__POD_IP__" } as const;

/** Where things live inside a FaunaDB pod. Every writable path is a volume (read-only root filesystem). */
export const PATHS = {
  data: "/var/lib/faunadb",
  logs: "/var/log/faunadb",
  run: "/var/run/faunadb",
  config: "/var/run/faunadb/faunadb.yml",
  /** FACTS §3.2: the parent directory of flags_path must exist or startup throws; the start script creates it. */
  flagsDir: "/var/run/faunadb/flags",
  flags: "/var/run/faunadb/flags/feature-flags.json",
  templateDir: "/etc/faunadb/template",
  template: "/etc/faunadb/template/faunadb.yml",
  peerKeyDir: "/etc/faunadb/peer",
  peerKey: "/etc/faunadb/peer/peer.pem",
  /** A replica's node certificate Secret (issue 13): FaunaDB's key file (key + chain) and the CA. */
  tlsDir: "/etc/faunadb/tls",
  tlsKeyFile: "/etc/faunadb/tls/faunadb.pem",
  tlsTrustFile: "/etc/faunadb/tls/ca.crt",
  /** tls.mode CertManager: cert-manager's Secret (tls.key, tls.crt, ca.crt), joined into tlsDir at start. */
  tlsIssuedDir: "/etc/faunadb/tls-issued",
  tmp: "/tmp",
  /** The pod's own metadata (downward API): `annotations`, `labels`, one `key="value"` per line, kept current by kubelet. */
  podInfoDir: "/etc/podinfo",
  podAnnotations: "/etc/podinfo/annotations",
} as const;

/**
 * The faunadb.yml lines of TLS (CoreConfig.scala `adminSSL`, `httpSSL`): the admin API demands client certificates
 * from the trust file's CA (`ServerSSL(key, trust, true)`), the query API serves TLS and asks for none. The start
 * script appends them when the pod has the certificate mounted, so TLS follows the pod's own template: a pod started
 * before TLS was turned on that restarts reads the new ConfigMap yet keeps speaking what its template says.
 */
export const TLS_CONFIG_LINES = [
  `admin_ssl_key_file: ${PATHS.tlsKeyFile}`,
  `admin_ssl_trust_file: ${PATHS.tlsTrustFile}`,
  `http_ssl_key_file: ${PATHS.tlsKeyFile}`,
] as const;

/** Value quoted so YAML keeps it a string (a cluster name `true` or `123` would otherwise change type). */
function quoted(value: string): string {
  return JSON.stringify(value);
}

function tunableLines(config: FaunaConfig | undefined): string[] {
  return Object.entries(config ?? {})
    .filter(([key, value]) => isTunableKey(key) && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      const kind = isTunableKey(key) ? TUNABLE_KEYS[key].kind : "string";
      return `${key}: ${kind === "string" ? quoted(String(value)) : String(value)}`;
    });
}

/** The data+log replica a compute replica's coordinators lean on: same zone if possible, else the first one. */
export function neighborReplica(spec: ResolvedSpec, replica: ResolvedReplica): string | undefined {
  const logs = spec.replicas.filter((r) => r.type === "data+log");
  const zone = replica.placement?.zone;
  return (zone ? logs.find((r) => r.placement?.zone === zone) : undefined)?.name ?? logs[0]?.name;
}

export interface TemplateOptions {
  clusterDomain?: string;
  /** BCrypt hashes of the root key per replica (the operator's rotation decides them); none: no hash line. */
  rootKeyHashes?: Readonly<Record<string, readonly string[]>>;
  /** Per replica, the node certificate Secret its pods mount (TLS on); none: the replica's pods speak cleartext. */
  tlsSecrets?: Readonly<Record<string, string>>;
  /**
   * With tls.mode CertManager, per replica: the digest of the issued certificate and CA its pods should load
   * (funcs.ts TLS_VERSION_ANNOTATION). cert-manager renews a Secret in place; the digest on the template rolls the pods.
   */
  tlsVersions?: Readonly<Record<string, string>>;
}

export const ROOT_KEY_HASHES_KEY = "auth_root_key_hashes";

/** One line, a JSON list (a YAML flow sequence) of the hashes. */
export function rootKeyHashesLine(hashes: readonly string[]): string {
  return `${ROOT_KEY_HASHES_KEY}: ${JSON.stringify(hashes)}`;
}

/**
 * The peer bus's keys (CoreConfig.scala `encryption`): a shared key from spec.peerEncryption.secretRef, else the node
 * certificate of the replica with the CA as trust (`Encryption.Secure`: mutual TLS, so every node must be issued by
 * that CA). Unlike the admin and query APIs' keys these are in the template itself, not appended when the certificate
 * is mounted: a node at another level than the rest could not talk to them, so a missing file must stop it at start.
 * The key is RSA: FaunaDB's default peer suites are TLS 1.2 RSA key exchange only (`peer_encryption_cipher_suites`).
 */
function peerEncryptionLines(spec: ResolvedSpec): string[] {
  const { level, secretRef } = spec.peerEncryption;
  if (level === "none") return [];
  if (secretRef) return [`peer_encryption_level: ${level}`, `peer_encryption_key_file: ${PATHS.peerKey}`];
  return [`peer_encryption_level: ${level}`, `peer_encryption_key_file: ${PATHS.tlsKeyFile}`, `peer_encryption_trust_file: ${PATHS.tlsTrustFile}`];
}

/** The faunadb.yml template of one replica (no secrets). Deterministic: same input, same text. */
export function renderFaunaConfigTemplate(
  cluster: FaunaCluster,
  spec: ResolvedSpec,
  replica: ResolvedReplica,
  options: TemplateOptions = {},
): string {
  const domain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const broadcast = `${PLACEHOLDERS.podName}.${headlessServiceName(cluster, replica.name)}.${namespaceOf(cluster)}.svc.${domain}`;
  const neighbor = replica.type === "compute" ? neighborReplica(spec, replica) : undefined;
  const hashes = options.rootKeyHashes?.[replica.name];
  const lines = [
    `# faunadb.yml template for replica ${replica.name}, rendered by fauna-operator. The pod's start script`,
    "# fills in the pod name and IP placeholders. The root key is checked against its BCrypt hashes.",
    `cluster_name: ${quoted(spec.clusterName)}`,
    ...(hashes && hashes.length > 0 ? [rootKeyHashesLine(hashes)] : []),
    // FACTS §3.3: a stable DNS name survives pod IP changes; the node binds to its pod IP (a concrete address).
    `network_broadcast_address: ${broadcast}`,
    `network_listen_address: ${PLACEHOLDERS.podIp}`,
    `network_host_id: ${PLACEHOLDERS.podName}`,
    `network_coordinator_http_address: ${PLACEHOLDERS.podIp}`,
    `network_coordinator_http_port: ${PORTS.api}`,
    // FACTS §2: the admin API must be reachable by the operator; the NetworkPolicy admits only the operator to it.
    `network_admin_http_address: ${PLACEHOLDERS.podIp}`,
    `network_admin_http_port: ${PORTS.admin}`,
    `network_peer_port: ${PORTS.peer}`,
    `network_peer_secure_port: ${PORTS.peerSecure}`,
    `storage_data_path: ${PATHS.data}`,
    `log_path: ${PATHS.logs}`,
    `flags_path: ${PATHS.flags}`,
    ...peerEncryptionLines(spec),
    ...(neighbor ? [`coordinator_neighbor_replica: ${quoted(neighbor)}`] : []),
    ...tunableLines(spec.config),
  ];
  return lines.join("\n") + "\n";
}

/** FACTS §6: the pod must outlive FaunaDB's shutdown grace (heartbeats stop, then storage syncs). */
export function terminationGracePeriodSeconds(spec: ResolvedSpec): number {
  return (spec.config?.shutdown_grace_period_seconds ?? 30) + 30;
}

/**
 * Why a root key would not work, or undefined. FACTS §3.2: the auth parser splits on `/,()&=:`, a value starting
 * `ey` with a `.` is read as a JWT, and the admin wrapper reads the key unquoted from faunadb.yml.
 */
export function rootKeyProblem(key: string): string | undefined {
  if (key.length < 16) return "the root key must be at least 16 characters";
  if (/[\s/,()&=:"'#]/.test(key)) return "the root key must not contain whitespace or any of / , ( ) & = : \" ' #";
  if (key.startsWith("ey") && key.includes(".")) return "a root key starting with 'ey' must not contain '.' (FaunaDB reads it as a JWT)";
  return undefined;
}
