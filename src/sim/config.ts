// Loads faunadb.yml the way FaunaDB's strict loader does (FACTS §3.1, `ext/config/src/main/scala/Loader.scala`,
// `CoreConfig.scala`): a flat map, no env interpolation, unknown keys fatal, `network_broadcast_address` required,
// one root-key setting required (`FaunaApp.setupRootKeys`), the parent directory of `flags_path` must exist
// (`ext/flags/src/main/scala/FileService.scala` watches it). A hand-written flat-YAML reader keeps the sim's
// start fast (no YAML library import); it accepts what a flat faunadb.yml uses: scalars, quotes, comments, lists.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import bcrypt from "bcryptjs";
import { type PeerEncryption, peerEncryption, sslSettings, type SslSettings } from "./tls.ts";

/**
 * Every key of `CoreConfig.scala` (@Config vars; deprecated and renamed ones are accepted with a warning). Keys
 * outside this set are `Unrecognized setting.` config.test.ts holds it equal to test/fixtures/faunadb/coreconfig-keys.txt,
 * the list taken at the commit images/faunadb/Dockerfile pins.
 */
export const KNOWN_KEYS: ReadonlySet<string> = new Set(
  `auth_root_key auth_root_key_hash auth_root_key_hashes export_shared_key_hashes background_enable_task_execution
background_enable_task_bouncer background_enable_garbage_collection background_instance_scan_period_seconds
background_enable_expired_version_scanner background_expired_scan_period_seconds background_enable_sparse_document_scanner
background_document_scan_period_seconds background_enable_full_index_scanner background_enable_sparse_index_scanner
background_index_scan_period_seconds background_garbage_collection_log_probability background_garbage_collection_diff_repair
background_garbage_collection_history_cleanup background_garbage_collection_attempts background_task_exec_sleep_time_seconds
background_task_exec_backoff_time_seconds background_task_exec_yield_time_seconds background_task_reprioritize_sleep_time_seconds
background_task_reprioritize_backoff_time_seconds background_task_exec_batch_size background_task_exec_round_robin
background_task_stealing_enabled background_task_steal_size background_task_unhealthy_steal_size cache_key_size_mb
cache_key_ttl_seconds cache_schema_size_mb cache_schema_ttl_seconds cloud_account_id cloud_image_id cloud_image_name
cloud_image_version cloud_instance_id cloud_instance_type cloud_provider cloud_region cloud_zone cluster_name
cluster_region_group cluster_environment cluster_min_worker_id cluster_max_worker_id debug_enable_headers debug_enable_logs
peer_encryption_cipher_suites peer_encryption_key_file peer_encryption_level peer_encryption_password peer_encryption_trust_file
admin_ssl_password admin_ssl_key_file admin_ssl_trust_file http_ssl_password http_ssl_key_file http_ssl_trust_file
http_max_concurrent_streams log_level log_path log_pattern log_queries log_streams log_trace log_rotate_count log_rotate_size_mb
log_slow_query_ms log_limiters export_path tags_max_bytes tags_max_pairs tags_key_max_bytes tags_value_max_bytes
network_broadcast_address network_console_address network_console_port network_coordinator_http_address
network_coordinator_http_port network_coordinator_http_port_nossl network_admin_http_address network_admin_http_port
network_http_keepalive_timeout_ms network_http_max_chunk_size network_http_max_header_size network_http_max_initial_line_length
network_http_read_timeout_ms network_host_id network_listen_address network_read_timeout_ms network_range_timeout_ms
network_round_trip_time_ms network_peer_port network_peer_secure_port network_connections_per_host network_stream_timeout_ms
network_max_message_bytes network_max_pending_messages network_write_timeout_ms network_connect_timeout_ms
network_handshake_timeout_ms network_idle_timeout_ms network_keepalive_interval_ms network_keepalive_timeout_ms
network_recv_max_gbit_per_second network_recv_max_burst_seconds runtime_processors runtime_heap_mb schema_retention_days
stats_binary_protocol stats_csv_path stats_poll_seconds stats_timings_per_second dogstatsd_host dogstatsd_port stats_host
tasks_reindex_cancel_limit tasks_reindex_cancel_size_limit_mb tasks_reindex_docs_limit task_reprioritizer_limit
trace_probability trace_probability_task_executor trace_buffer_size trace_secret trace_accept_client trace_apm datadog_host
datadog_port datadog_version datadog_endpoint datadog_connect_timeout_ms datadog_response_timeout_ms datadog_connections
flags_path fql2_enable_endpoint fql2_enable_schema fqlx_max_stack_frames storage_commit_log_size_mb
storage_compaction_throughput_mb storage_enable_qos storage_concurrent_reads storage_concurrent_txn_reads
storage_concurrent_writes storage_backup_request_ratio storage_backup_min_delay_millis storage_concurrent_compactors
storage_data_path storage_index_summary_interval_mins storage_index_summary_size_mb storage_key_cache_size_mb
storage_should_migrate_key_cache storage_memtable_flush_writers storage_memtable_size_mb storage_lat_wait_threshold_ms
storage_new_read_timeout_ms storage_snapshot_path storage_sync_period_ms storage_sync_on_shutdown storage_temp_path
storage_transfer_chunk_size_bytes storage_enable_data_transfer_digests storage_enable_snapshot_transfer_digests
storage_concurrent_applying_transactions storage_open_file_reserve_percent storage_unleveled_sstable_limit
storage_dual_write_index_cfs index2cf_validation_ratio index2cf_disable_extended_gc_grace storage_load_snapshot_threads
storage_load_snapshot_timeout_seconds storage_transfer_stream_plan_threads accelerate_indexes shutdown_grace_period_seconds
repair_max_hash_depth repair_timeout_mins repair_sync_parallelism transaction_ack_delay_percentile
transaction_log_buffer_size_kb transaction_log_backup transaction_log_backup_path transaction_max_size_bytes
transaction_max_occ_reads transaction_max_occ_reads_per_second transaction_occ_reads_backoff_threshold jwks_ssl_trust_file
jwks_max_cache_size_mb jwks_cache_refresh_rate_seconds jwks_cache_expire_rate_seconds jwks_download_rate_millis
jwk_encryption_key_store jwk_encryption_password jwk_encryption_kid jwk_encryption_alg index_enforce_entries_max_size
stream_max_open_streams stream_event_replay_limit stream_idle_key_notification_enabled query_min_compute_ops
query_compute_overhead_ms query_read_overhead_ms query_write_overhead_ms query_txn_overhead_ms
query_max_per_query_parallelism query_max_query_width query_width_log_ratio query_max_global_query_width
query_global_width_log_ratio query_max_concurrent_reads query_eval_steps_per_yield query_accumulate_page_width
query_ops_rate_limits_enabled query_ops_rate_limits_burst_seconds query_ops_rate_limits_cache_max_size
query_ops_rate_limits_cache_expire_after_seconds query_ops_rate_limits_gossip_interval_ms query_max_read_ops_per_second
query_max_write_ops_per_second query_max_compute_ops_per_second query_max_streams_per_second
consensus_stall_restart_period_seconds consensus_stall_restart_period_enable coordinator_neighbor_replica
key_forbid_user_import health_check_timeout_ms health_check_healthy_period_ms health_check_unhealthy_period_ms sstableDiskAccessMode`.split(/\s+/),
);

type Scalar = string | number | boolean | null;
type Value = Scalar | Scalar[];

export interface SimConfig {
  file: string;
  clusterName: string;
  /** Cleartext `auth_root_key`, in force only when no hash is set (`FaunaApp.setupRootKeys`). */
  rootKeys: string[];
  /** `auth_root_key_hashes` plus `auth_root_key_hash`: when any is set, the cleartext key is ignored. */
  rootKeyHashes: string[];
  broadcastAddress: string;
  listenAddress: string;
  /** `network_peer_port`: the cleartext bus. */
  peerPort: number;
  /** `network_peer_secure_port`: the bus over TLS. */
  peerSecurePort: number;
  /** `peer_encryption_*` (tls.ts `peerEncryption`). */
  peerEncryption: PeerEncryption;
  adminAddress: string;
  adminPort: number;
  apiAddress: string;
  apiPort: number;
  dataPath: string;
  minWorkerId: number;
  maxWorkerId: number;
  shutdownGraceSeconds: number;
  consensusStallRestartSeconds: number;
  consensusStallRestartEnable: boolean;
  /** `admin_ssl_key_file` (+ `_password`, `_trust_file`): mutual TLS on 8444 (`CoreConfig.adminSSL`, tls.ts). */
  adminSsl: SslSettings | undefined;
  /** `http_ssl_key_file` (+ `_password`, `_trust_file`): TLS on 8443 (`CoreConfig.httpSSL`, tls.ts). */
  httpSsl: SslSettings | undefined;
  raw: Record<string, Value>;
}

export class ConfigError extends Error {}

function scalar(text: string): Scalar {
  const t = text.trim();
  if (t === "" || t === "~" || t === "null") return null;
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === "true" || t === "false") return t === "true";
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Parses a flat YAML map (scalars and lists of scalars). */
export function parseFlatYaml(text: string): Record<string, Value> {
  const out: Record<string, Value> = {};
  let listKey: string | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw).replace(/\s+$/, "");
    if (line.trim() === "" || line.trim() === "---") return;
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey) {
      (out[listKey] as Scalar[]).push(scalar(item[1]!));
      return;
    }
    const kv = /^([A-Za-z0-9_]+)\s*:(?:\s+(.*))?$/.exec(line);
    if (!kv) throw new ConfigError(`Invalid YAML at line ${i + 1}, column 1: ${raw.trim()}`);
    const key = kv[1]!;
    const rest = (kv[2] ?? "").trim();
    if (rest === "") {
      out[key] = [];
      listKey = key;
    } else if (rest.startsWith("[") && rest.endsWith("]")) {
      out[key] = rest.slice(1, -1).split(",").filter((s) => s.trim() !== "").map(scalar);
      listKey = null;
    } else {
      out[key] = scalar(rest);
      listKey = null;
    }
  });
  // A key followed by nothing and no list items is null, as in YAML.
  for (const [k, v] of Object.entries(out)) if (Array.isArray(v) && v.length === 0) out[k] = null;
  return out;
}

function str(raw: Record<string, Value>, key: string, dflt: string): string {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (Array.isArray(v)) throw new ConfigError(`\`${key}\`: Invalid value \`${JSON.stringify(v)}\`. reason: expected a string`);
  return String(v);
}

function int(raw: Record<string, Value>, key: string, dflt: number): number {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new ConfigError(`\`${key}\`: Invalid value \`${String(v)}\`. reason: expected an integer`);
  return v;
}

function bool(raw: Record<string, Value>, key: string, dflt: boolean): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") throw new ConfigError(`\`${key}\`: Invalid value \`${String(v)}\`. reason: expected a boolean`);
  return v;
}

/** Validates a parsed map. Throws ConfigError with FaunaDB's message; `checkFs` also checks flags_path's parent dir. */
export function configFromMap(raw: Record<string, Value>, file: string, checkFs = true): SimConfig {
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) throw new ConfigError(unknown.map((k) => `\`${k}\`: Unrecognized setting.`).join("\n"));
  const broadcast = raw.network_broadcast_address;
  if (broadcast === undefined || broadcast === null)
    throw new ConfigError("Required configuration setting `network_broadcast_address` absent or null.");
  const key = raw.auth_root_key;
  const hashes = [raw.auth_root_key_hash, ...(Array.isArray(raw.auth_root_key_hashes) ? raw.auth_root_key_hashes : [])].filter(
    (h) => h !== undefined && h !== null,
  );
  if ((key === undefined || key === null) && hashes.length === 0)
    throw new ConfigError("Error: auth_root_key or auth_root_key_hash must be set.");
  const flagsPath = str(raw, "flags_path", "/etc/feature-flag-periodic.d/feature-flags.json");
  if (checkFs && !existsSync(dirname(resolve(flagsPath))))
    throw new ConfigError(`java.nio.file.NoSuchFileException: ${dirname(resolve(flagsPath))}`);
  const broadcastAddress = String(broadcast);
  const listenAddress = str(raw, "network_listen_address", broadcastAddress);
  return {
    file,
    clusterName: str(raw, "cluster_name", "fauna"),
    rootKeys: key === undefined || key === null || hashes.length > 0 ? [] : [String(key)],
    rootKeyHashes: hashes.map(String),
    broadcastAddress,
    listenAddress,
    peerPort: int(raw, "network_peer_port", 7500),
    peerSecurePort: int(raw, "network_peer_secure_port", 7501),
    peerEncryption: peerEncryption(raw),
    adminAddress: str(raw, "network_admin_http_address", "127.0.0.1"),
    adminPort: int(raw, "network_admin_http_port", 8444),
    apiAddress: str(raw, "network_coordinator_http_address", listenAddress),
    apiPort: int(raw, "network_coordinator_http_port", 8443),
    dataPath: str(raw, "storage_data_path", "/var/lib/faunadb"),
    minWorkerId: int(raw, "cluster_min_worker_id", 0),
    maxWorkerId: int(raw, "cluster_max_worker_id", 1023),
    shutdownGraceSeconds: int(raw, "shutdown_grace_period_seconds", 30),
    consensusStallRestartSeconds: int(raw, "consensus_stall_restart_period_seconds", 30),
    consensusStallRestartEnable: bool(raw, "consensus_stall_restart_period_enable", true),
    adminSsl: sslSettings(raw, "admin"),
    httpSsl: sslSettings(raw, "http"),
    raw,
  };
}

export function loadConfig(file: string): SimConfig {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(`Configuration file at ${path} not found.`);
  return configFromMap(parseFlatYaml(readFileSync(path, "utf8")), path);
}

const checked = new Map<string, boolean>();

/**
 * Whether `secret` is the root key: a cleartext match, or a BCrypt match against one of the hashes (FaunaDB's
 * `util/BCrypt.scala`, jBCrypt 0.4: only `$2a$` hashes; another revision never matches). Answers are cached, as
 * FaunaDB caches its BCrypt results, so a request costs one hash computation per distinct secret.
 */
export function isRootKey(config: Pick<SimConfig, "rootKeys" | "rootKeyHashes">, secret: string): boolean {
  if (config.rootKeyHashes.length === 0) return config.rootKeys.includes(secret);
  return config.rootKeyHashes.some((hash) => {
    const id = `${hash}\u0000${secret}`;
    let ok = checked.get(id);
    if (ok === undefined) {
      ok = hash.startsWith("$2a$") && bcrypt.compareSync(secret, hash);
      if (checked.size > 1000) checked.clear();
      checked.set(id, ok);
    }
    return ok;
  });
}

/** The bus port a node announces to the cluster, and a join's seed port by default (MessageBus.apply `hostAddress`). */
export function advertisedPeerPort(c: Pick<SimConfig, "peerPort" | "peerSecurePort" | "peerEncryption">): number {
  return c.peerEncryption.level === "none" ? c.peerPort : c.peerSecurePort;
}
