// The simulator's own settings: environment variables `FAUNA_SIM_*`, never faunadb.yml keys (an unknown key is fatal
// in FaunaDB, FACTS §3.1). Every default is FaunaDB's real behaviour, measured on real nodes (the golden timeline,
// test/fixtures/golden/real-4f8f8be/00-timeline.txt) or taken from its source; a test that wants speed sets one of
// these explicitly. src/sim/README.md lists them all (a unit test checks that it does).

export interface SimSetting {
  env: string;
  default: number;
  /** What the setting is, and where the default comes from. */
  doc: string;
}

export const SIM_SETTINGS = {
  startDelayMs: {
    env: "FAUNA_SIM_START_DELAY_MS",
    default: 15_000,
    doc: "process start → admin port 8444 listening (JVM and storage start; golden timeline: 14.3 s and 20.6 s)",
  },
  initMs: {
    env: "FAUNA_SIM_INIT_MS",
    default: 3_000,
    doc: "duration of POST /admin/init on a fresh node (golden: 3.0 s and 3.4 s)",
  },
  daemonStartMs: {
    env: "FAUNA_SIM_DAEMON_START_MS",
    default: 5_000,
    doc: "CassandraService.startDaemon: a join answers after it, a restarted member opens 8444 after it (golden: joins took 3.6–6.7 s)",
  },
  apiOpenDelayMs: {
    env: "FAUNA_SIM_API_OPEN_DELAY_MS",
    default: 4_000,
    doc: "cluster services started → query port 8443 listening (sample-data check; golden: 4.05 s after init)",
  },
  checkIntervalMs: {
    env: "FAUNA_SIM_CHECK_INTERVAL_MS",
    default: 1_000,
    doc: "FailureDetector.CheckInterval: heartbeat period; phi-accrual MaxInterval is twice it, so a silent host is down after ~18.4 × it",
  },
  settleMs: {
    env: "FAUNA_SIM_SETTLE_MS",
    default: 3_000,
    doc: "a log segment formed by a replication change within this long of a member's join gets stuck (FACTS §7.3: it can happen; FaunaDB's tests sleep 30 s to be safe; the golden runs changed replication 4.5 s and 7.8 s after the last join and got a leader, so the window is shorter)",
  },
  ringMoveMs: {
    env: "FAUNA_SIM_RING_MOVE_MS",
    default: 35_000,
    doc: "streaming a whole ring to a node (golden: movement idle 30–44 s after the replication PUT on an empty cluster)",
  },
  movementStartMs: {
    env: "FAUNA_SIM_MOVEMENT_START_MS",
    default: 1_000,
    doc: "topology change → movement reported and started (golden: movement_status still idle 0.1–1.0 s after the PUT)",
  },
  helloTimeoutMs: {
    env: "FAUNA_SIM_HELLO_TIMEOUT_MS",
    default: 90_000,
    doc: "join gives up on an unreachable seed with 500 `hello timeout` (FACTS §2)",
  },
  cleanCheckTimeoutMs: {
    env: "FAUNA_SIM_CLEAN_CHECK_TIMEOUT_MS",
    default: 300_000,
    doc: "remove_node without allow_unclean waits this long for every running member's cleanliness answer (CassandraService.removeNode → allClean(..., 5.minutes))",
  },
  cleanupMs: {
    env: "FAUNA_SIM_CLEANUP_MS",
    default: 2_000,
    doc: "duration of an asynchronous storage cleanup started by PUT /admin/storage/clean (StorageCleaner.scheduleCleanup)",
  },
  faultDropAckedWrites: {
    env: "FAUNA_SIM_FAULT_DROP_ACKED_WRITES",
    default: 0,
    doc: "1: acknowledge writes without storing them (a fault switch for durability checks; never FaunaDB's behaviour)",
  },
  faultNonAtomic: {
    env: "FAUNA_SIM_FAULT_NON_ATOMIC",
    default: 0,
    doc: "1: a query's writes commit one by one, unlocked and 30 ms apart, its reads unchecked (a fault switch for the bank check; never FaunaDB's behaviour)",
  },
} as const satisfies Record<string, SimSetting>;

export type SimTuning = { -readonly [K in keyof typeof SIM_SETTINGS]: number };

export class SettingError extends Error {}

/** Reads every setting from `env`; an unset or empty variable keeps the default, a non-number is an error. */
export function tuningFromEnv(env: NodeJS.ProcessEnv): SimTuning {
  const out: Partial<SimTuning> = {};
  for (const [name, s] of Object.entries(SIM_SETTINGS) as [keyof SimTuning, SimSetting][]) {
    const raw = env[s.env];
    const value = raw === undefined || raw === "" ? s.default : Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new SettingError(`${s.env}=${raw}: expected a non-negative number`);
    out[name] = value;
  }
  return out as SimTuning;
}

/** Every FaunaDB delay at (nearly) zero: for tests that check behaviour, not timing. Each key is still explicit. */
export const FAST_SIM_ENV: Readonly<Record<string, string>> = {
  FAUNA_SIM_START_DELAY_MS: "0",
  FAUNA_SIM_INIT_MS: "0",
  FAUNA_SIM_DAEMON_START_MS: "0",
  FAUNA_SIM_API_OPEN_DELAY_MS: "0",
  FAUNA_SIM_CHECK_INTERVAL_MS: "100",
  FAUNA_SIM_SETTLE_MS: "1500",
  FAUNA_SIM_RING_MOVE_MS: "1000",
  FAUNA_SIM_MOVEMENT_START_MS: "0",
  FAUNA_SIM_CLEAN_CHECK_TIMEOUT_MS: "3000",
  FAUNA_SIM_CLEANUP_MS: "200",
};
