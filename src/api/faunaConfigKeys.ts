// faunadb.yml keys (FACTS §3.2, defaults from FaunaDB's CoreConfig.scala). FaunaDB aborts at start on an unknown key
// (FACTS §3.1), so `spec.config` accepts only the tunables below; every other known key is set by the operator.

export type TunableKind = "int" | "bool" | "string";

export interface Tunable {
  kind: TunableKind;
  description: string;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
  pattern?: string;
}

/** Keys a user may set through `spec.config`. */
export const TUNABLE_KEYS = {
  log_level: { kind: "string", description: "FaunaDB log level (default INFO).", enum: ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"] },
  log_queries: { kind: "bool", description: "Write query.log (default true)." },
  log_rotate_size_mb: { kind: "int", description: "Rotate log files at this size (default 128).", minimum: 1, maximum: 1048576 },
  log_rotate_count: { kind: "int", description: "Rotated log files kept (default 0).", minimum: 0, maximum: 1000 },
  runtime_processors: { kind: "int", description: "Processors FaunaDB sizes its pools for (default: JVM count).", minimum: 1, maximum: 1024 },
  runtime_heap_mb: { kind: "int", description: "Heap size FaunaDB sizes caches for (default: JVM max heap).", minimum: 128, maximum: 4194304 },
  storage_memtable_size_mb: { kind: "int", description: "Memtable size (default 128).", minimum: 1, maximum: 65536 },
  shutdown_grace_period_seconds: {
    kind: "int",
    description: "Seconds between stopping heartbeats and stopping storage on SIGTERM (default 30). The pod grace period follows it.",
    minimum: 0,
    maximum: 3600,
  },
  consensus_stall_restart_period_seconds: {
    kind: "int",
    description: "Exit when the log segment stalls this long (default 30, minimum 30).",
    minimum: 30,
    maximum: 86400,
  },
  consensus_stall_restart_period_enable: { kind: "bool", description: "Enable the stall watchdog (default true)." },
  cluster_min_worker_id: { kind: "int", description: "Lowest worker ID (default 0).", minimum: 0, maximum: 1023 },
  cluster_max_worker_id: { kind: "int", description: "Highest worker ID (default 1023).", minimum: 0, maximum: 1023 },
  dogstatsd_host: { kind: "string", description: "DogStatsD host for metrics.", pattern: "^[A-Za-z0-9.:-]{1,253}$" },
  dogstatsd_port: { kind: "int", description: "DogStatsD port (0: off).", minimum: 0, maximum: 65535 },
  health_check_timeout_ms: { kind: "int", description: "Health check timeout (default 1000).", minimum: 1, maximum: 600000 },
  network_round_trip_time_ms: { kind: "int", description: "Expected round trip (default 300).", minimum: 1, maximum: 60000 },
  transaction_log_backup: { kind: "bool", description: "Keep transaction log backups (default false)." },
} as const satisfies Record<string, Tunable>;

export type TunableKey = keyof typeof TUNABLE_KEYS;

type ValueOfKind<K extends TunableKind> = K extends "int" ? number : K extends "bool" ? boolean : string;

/** `spec.config`, typed from the table above. */
export type FaunaConfig = { [K in TunableKey]?: ValueOfKind<(typeof TUNABLE_KEYS)[K]["kind"]> };

/** Keys FaunaDB knows that the operator renders itself; a user value would break addressing, auth or storage. */
export const OPERATOR_MANAGED_KEYS = [
  "auth_root_key",
  "auth_root_key_hash",
  "auth_root_key_hashes",
  "cluster_name",
  "storage_data_path",
  "storage_temp_path",
  "storage_snapshot_path",
  "transaction_log_backup_path",
  "log_path",
  "flags_path",
  "network_broadcast_address",
  "network_listen_address",
  "network_host_id",
  "network_coordinator_http_address",
  "network_coordinator_http_port",
  "network_admin_http_address",
  "network_admin_http_port",
  "network_peer_port",
  "network_peer_secure_port",
  "network_console_address",
  "network_console_port",
  "peer_encryption_level",
  "peer_encryption_key_file",
  "peer_encryption_password",
  "peer_encryption_trust_file",
  "peer_encryption_cipher_suites",
  "http_ssl_key_file",
  "http_ssl_trust_file",
  "admin_ssl_key_file",
  "admin_ssl_trust_file",
  "coordinator_neighbor_replica",
] as const;

export function isTunableKey(key: string): key is TunableKey {
  return Object.hasOwn(TUNABLE_KEYS, key);
}
