// A bounded, open-loop load against FaunaDB's query API (FQL v4 through the `faunadb` driver): operations are due
// at a target rate and run with at most `concurrency` in flight; each is timed from when it was due into HDR
// histograms, failures are classified, per-second series kept (stats.ts), and what was done is recorded
// (history.ts) so the checks can judge it after the run: every acknowledged write reads back, the bank's total
// never changes, a register read never goes back (src/harness/checks). Failed or timed-out operations are allowed;
// acknowledged ones must hold (Jepsen's rule). Each operation opens its own driver client, hence its own TCP
// connection: behind a Service, consecutive operations spread over its endpoints. An Endpoint with `tls` (a cluster
// with spec.tls on) is reached over https, verified against its CA and server name (tls.ts), a connection per client
// still.
import faunadb from "faunadb";
import { classify, describe, OperationTimeout, type ErrorClass } from "./errors.ts";
import { emptyHistory, type AckedWrite, type History } from "./history.ts";
import { tlsFetch, type EndpointTls } from "./tls.ts";
import { LoadStats, type LatencySummary, type SecondSample } from "./stats.ts";
import { BANK, namesFor, raiseRegister, readBalances, readDoc, readRegister, REGISTERS, setupWorkload, transfer, writeDoc, type WorkloadNames } from "./workloads.ts";

export type { AckedWrite } from "./history.ts";
export type { EndpointTls } from "./tls.ts";

const q = faunadb.query;

export interface Endpoint {
  domain: string;
  port: number;
  /** Set when the cluster serves the query API over TLS: https, the CA to trust and the name to verify. */
  tls?: EndpointTls;
}

export function clientFor(endpoint: Endpoint, secret: string, timeoutMs = 5000): faunadb.Client {
  const common = { secret, domain: endpoint.domain, port: endpoint.port, queryTimeout: timeoutMs, timeout: Math.ceil(timeoutMs / 1000) };
  if (!endpoint.tls) return new faunadb.Client({ ...common, scheme: "http" });
  // A fetch makes the driver use its fetch adapter (node:http2 takes no CA); closing the client closes its Agent.
  const transport = tlsFetch(endpoint.tls);
  const client = new faunadb.Client({ ...common, scheme: "https", fetch: transport.fetch, keepAlive: false });
  const close = client.close.bind(client);
  client.close = async (opts) => {
    try {
      await close(opts);
    } finally {
      await transport.close();
    }
  };
  return client;
}

/** Runs one query on a fresh client, bounded by `timeoutMs` even if the driver hangs. */
export async function once<T>(endpoint: Endpoint, secret: string, expr: faunadb.ExprArg, timeoutMs = 5000): Promise<T> {
  return (await timedQuery<T>(endpoint, secret, expr, timeoutMs)).value;
}

/**
 * Like once(), and says the transaction time FaunaDB answered; `seenTxn` makes the query read at least as late as
 * that time (the driver's X-Last-Seen-Txn: how a FaunaDB client reads its own or another client's writes).
 */
export async function timedQuery<T>(endpoint: Endpoint, secret: string, expr: faunadb.ExprArg, timeoutMs = 5000, seenTxn?: number): Promise<{ value: T; txnTime: number }> {
  const client = clientFor(endpoint, secret, timeoutMs);
  const txn = client as unknown as { syncLastTxnTime(t: number): void; getLastTxnTime(): number | undefined };
  if (seenTxn) txn.syncLastTxnTime(seenTxn);
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OperationTimeout(timeoutMs)), timeoutMs + 500);
    });
    const value = await Promise.race([client.query<T>(expr), deadline]);
    return { value, txnTime: txn.getLastTxnTime() ?? 0 };
  } finally {
    clearTimeout(timer);
    await client.close({ force: true }).catch(() => undefined);
  }
}

/** Creates the collection unless it exists (retried until `timeoutMs`: the cluster may still be settling). */
export async function ensureCollection(endpoint: Endpoint, secret: string, name: string, timeoutMs = 60_000): Promise<void> {
  await retrying(`create collection ${name}`, endpoint, timeoutMs, async () => {
    const exists = await once<boolean>(endpoint, secret, q.Exists(q.Collection(name)));
    if (!exists) await once(endpoint, secret, q.CreateCollection({ name }));
  });
}

/** The workload's collections, accounts and registers (retried until `timeoutMs`). */
export async function prepareWorkload(endpoint: Endpoint, secret: string, names: WorkloadNames, timeoutMs = 60_000): Promise<void> {
  await retrying(`prepare the workload in ${names.writes}*`, endpoint, timeoutMs, () => setupWorkload(endpoint, secret, names));
}

async function retrying(what: string, endpoint: Endpoint, timeoutMs: number, f: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not ${what} at ${endpoint.domain}:${endpoint.port}: ${describe(err)}`);
      await sleep(1000);
    }
  }
}

/** Relative weights of the operations. */
export interface Mix {
  write: number;
  read: number;
  transfer: number;
  balances: number;
  registerWrite: number;
  registerRead: number;
}
export type OpKind = keyof Mix;
const WRITING = new Set<OpKind>(["write", "transfer", "registerWrite"]);

export const DEFAULT_MIX: Mix = { write: 45, read: 15, transfer: 20, balances: 5, registerWrite: 10, registerRead: 5 };
/** Sized for 2 cores running a 9-node simulated cluster, its control plane and the load itself. */
export const DEFAULT_RATE = 40;
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_OPS_PER_CONNECTION = 10;

interface PooledClient {
  client: faunadb.Client;
  uses: number;
}

/**
 * Driver clients for the load, each used by one operation at a time and replaced after `opsPerConnection`
 * operations or any failure (a timed-out query may still be in flight on it).
 */
function clientPool(endpoint: () => Endpoint, secret: string, timeoutMs: number, opsPerConnection: number) {
  const idle: PooledClient[] = [];
  const retire = (c: PooledClient) => void c.client.close({ force: true }).catch(() => undefined);
  return {
    async query<T>(expr: faunadb.ExprArg, seenTxn?: number): Promise<{ value: T; txnTime: number }> {
      const c = idle.pop() ?? { client: clientFor(endpoint(), secret, timeoutMs), uses: 0 };
      const txn = c.client as unknown as { syncLastTxnTime(t: number): void; getLastTxnTime(): number | undefined };
      if (seenTxn) txn.syncLastTxnTime(seenTxn);
      c.uses++;
      let timer: NodeJS.Timeout | undefined;
      try {
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new OperationTimeout(timeoutMs)), timeoutMs + 500);
        });
        const value = await Promise.race([c.client.query<T>(expr), deadline]);
        const txnTime = txn.getLastTxnTime() ?? 0;
        if (c.uses < opsPerConnection) idle.push(c);
        else retire(c);
        return { value, txnTime };
      } catch (err) {
        retire(c);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      idle.splice(0).forEach(retire);
    },
  };
}

/** Where the load reports live (Prometheus, src/load/metrics.ts); every method optional to call. */
export interface LoadObserver {
  started?(op: OpKind): void;
  finished(op: OpKind, seconds: number, failure: ErrorClass | undefined): void;
}

export interface LoadOptions {
  /** Where each operation goes; called per operation so a test may rotate or follow changes. */
  endpoint: () => Endpoint;
  secret: string;
  /** The collection of plain writes; the bank and the registers take names after it (workloads.ts namesFor). */
  collection: string;
  /** Operations due per second (default 40), whether earlier ones finished or not. */
  rate?: number;
  /** Most operations in flight at once (default 16); due operations wait beyond that, and their wait counts. */
  concurrency?: number;
  mix?: Partial<Mix>;
  /** Hard bound on operations, whatever happens (default 100 000). */
  maxOps?: number;
  /** Per-operation deadline, ms (default 5000). */
  opTimeoutMs?: number;
  observer?: LoadObserver;
  /**
   * Operations one driver connection carries before it is replaced (default 10): a new connection through the
   * client Service goes to the next endpoint, so the load spreads over the nodes without paying a connection per op.
   */
  opsPerConnection?: number;
  /** The former closed-loop form, kept for its callers: `workers` writers/readers (3 writes to 1 read), a pause each. */
  workers?: number;
  pauseMs?: number;
}

export interface LoadReport {
  writesAttempted: number;
  writesAcknowledged: number;
  writesFailed: number;
  reads: number;
  readsFailed: number;
  /** Reads of an acknowledged write answered "not found" or with other data: a consistency failure. */
  readsMissing: number;
  /** Operations by kind: attempted and succeeded. */
  ops: Record<OpKind, { attempted: number; ok: number }>;
  /** Failures by class. */
  errorClasses: Record<ErrorClass, number>;
  /** Failures by cause (class and message head), for the report. */
  errors: Record<string, number>;
  /** Due operations never started because `concurrency` × 10 were already waiting. */
  shed: number;
  rate: number;
  concurrency: number;
  latency: LatencySummary;
  latencyByOp: Record<string, LatencySummary>;
  /** By the phase the operation finished in (RunningLoad.setPhase). */
  latencyByPhase: Record<string, LatencySummary>;
  series: SecondSample[];
  startedAt: number;
  durationMs: number;
}

export interface RunningLoad {
  readonly acked: readonly AckedWrite[];
  readonly history: History;
  readonly names: WorkloadNames;
  report(): LoadReport;
  /** Operations finishing from now on count to this phase's latency (e.g. "fault", "skewed"). */
  setPhase(phase: string): void;
  /** Stops issuing operations and waits for the in-flight ones. */
  stop(): Promise<LoadReport>;
}

function pick(mix: Mix): OpKind {
  const entries = Object.entries(mix) as [OpKind, number][];
  let r = Math.random() * entries.reduce((a, [, w]) => a + w, 0);
  for (const [k, w] of entries) if ((r -= w) < 0) return k;
  return "write";
}

export function startLoad(options: LoadOptions): RunningLoad {
  const closedLoop = options.workers !== undefined && options.rate === undefined;
  const rate = closedLoop ? (options.workers! * 1000) / Math.max(50, options.pauseMs ?? 100) : (options.rate ?? DEFAULT_RATE);
  const concurrency = closedLoop ? options.workers! : (options.concurrency ?? DEFAULT_CONCURRENCY);
  const only = (m: Partial<Mix>): Mix => ({ write: 0, read: 0, transfer: 0, balances: 0, registerWrite: 0, registerRead: 0, ...m });
  const mix: Mix = closedLoop ? only({ write: 3, read: 1 }) : { ...DEFAULT_MIX, ...options.mix };
  const maxOps = options.maxOps ?? 100_000;
  const timeoutMs = options.opTimeoutMs ?? 5000;
  const names = namesFor(options.collection);
  const t0 = Date.now();
  const stats = new LoadStats(t0);
  const history = emptyHistory();
  const errors: Record<string, number> = {};
  const errorClasses = Object.fromEntries((["timeout", "unavailable", "refused", "contention", "other"] as const).map((c) => [c, 0])) as Record<ErrorClass, number>;
  const ops = Object.fromEntries(Object.keys(DEFAULT_MIX).map((k) => [k, { attempted: 0, ok: 0 }])) as LoadReport["ops"];
  const counts = { writesAttempted: 0, writesFailed: 0, reads: 0, readsFailed: 0, readsMissing: 0, shed: 0 };
  const registerNext = Array.from({ length: REGISTERS }, () => 0);
  let registerSeenTxn = 0;
  let issued = 0;
  let inFlight = 0;
  let stopped = false;
  let endedAt: number | undefined;
  const backlog: number[] = [];
  const idle: (() => void)[] = [];

  const pool = clientPool(options.endpoint, options.secret, timeoutMs, options.opsPerConnection ?? DEFAULT_OPS_PER_CONNECTION);
  const query = <T>(expr: faunadb.ExprArg, seenTxn?: number) => pool.query<T>(expr, seenTxn);

  /** Runs one operation; resolves to its failure class (undefined = success). */
  const operations: Record<OpKind, (op: number) => Promise<void>> = {
    async write() {
      const n = counts.writesAttempted++;
      const { value } = await query<{ ref: { id: string } }>(writeDoc(names, n));
      history.acked.push({ id: value.ref.id, n, at: Date.now() });
    },
    async read() {
      const target = history.acked[Math.floor(Math.random() * history.acked.length)]!;
      counts.reads++;
      try {
        const { value } = await query<{ data: { n: number } }>(readDoc(names, target.id));
        if (value.data.n !== target.n) counts.readsMissing++;
      } catch (err) {
        if (err instanceof faunadb.errors.NotFound) counts.readsMissing++;
        else counts.readsFailed++;
        throw err;
      }
    },
    async transfer(op) {
      const from = Math.floor(Math.random() * BANK.accounts);
      const to = (from + 1 + Math.floor(Math.random() * (BANK.accounts - 1))) % BANK.accounts;
      const amount = 1 + Math.floor(Math.random() * BANK.maxAmount);
      const startedAt = Date.now();
      const record = (outcome: "ok" | "aborted" | "failed") => history.transfers.push({ op, from, to, amount, startedAt, endedAt: Date.now(), outcome });
      try {
        await query(transfer(names, from, to, amount));
        record("ok");
      } catch (err) {
        // The transfer's only Abort is "insufficient funds": a refusal that committed nothing, not a failure.
        const aborted = err instanceof faunadb.errors.BadRequest && err.message === "transaction aborted";
        record(aborted ? "aborted" : "failed");
        if (!aborted) throw err;
      }
    },
    async balances(op) {
      const startedAt = Date.now();
      const { value } = await query<number[]>(readBalances(names));
      history.bankReads.push({ op, startedAt, endedAt: Date.now(), balances: value });
    },
    async registerWrite(op) {
      const register = Math.floor(Math.random() * REGISTERS);
      const value = ++registerNext[register]!;
      const startedAt = Date.now();
      try {
        const { txnTime } = await query(raiseRegister(names, register, value));
        registerSeenTxn = Math.max(registerSeenTxn, txnTime);
        history.registerWrites.push({ op, register, value, startedAt, endedAt: Date.now(), ok: true });
      } catch (err) {
        history.registerWrites.push({ op, register, value, startedAt, endedAt: Date.now(), ok: false });
        throw err;
      }
    },
    async registerRead(op) {
      const register = Math.floor(Math.random() * REGISTERS);
      const startedAt = Date.now();
      try {
        const { value } = await query<number>(readRegister(names, register), registerSeenTxn);
        history.registerReads.push({ op, register, value, startedAt, endedAt: Date.now() });
      } catch (err) {
        if (err instanceof faunadb.errors.NotFound) history.registerReads.push({ op, register, value: null, startedAt, endedAt: Date.now() });
        throw err;
      }
    },
  };

  const run = async (op: number, dueAt: number) => {
    let kind = pick(mix);
    if (kind === "read" && history.acked.length === 0) kind = "write";
    ops[kind].attempted++;
    options.observer?.started?.(kind);
    let failure: ErrorClass | undefined;
    try {
      await operations[kind](op);
      ops[kind].ok++;
    } catch (err) {
      failure = classify(err);
      errorClasses[failure]++;
      const key = `${failure}: ${describe(err).slice(0, 60)}`;
      errors[key] = (errors[key] ?? 0) + 1;
      if (kind === "write") counts.writesFailed++;
    }
    const now = Date.now();
    stats.record(kind, dueAt, now, failure, WRITING.has(kind));
    options.observer?.finished(kind, (now - dueAt) / 1000, failure);
  };

  const launch = (op: number) => {
    inFlight++;
    void run(op, t0 + (op * 1000) / rate).finally(() => {
      inFlight--;
      const next = backlog.shift();
      if (next !== undefined && !stopped) launch(next);
      else if (inFlight === 0) idle.splice(0).forEach((f) => f());
    });
  };

  const tick = setInterval(() => {
    const due = Math.min(maxOps, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
    for (; issued < due; issued++) {
      if (inFlight < concurrency) launch(issued);
      else if (backlog.length < concurrency * 10) backlog.push(issued);
      else counts.shed++;
    }
  }, 10);

  const report = (): LoadReport => ({
    writesAttempted: counts.writesAttempted,
    writesAcknowledged: history.acked.length,
    writesFailed: counts.writesFailed,
    reads: counts.reads,
    readsFailed: counts.readsFailed,
    readsMissing: counts.readsMissing,
    ops: structuredClone(ops),
    errorClasses: { ...errorClasses },
    errors: { ...errors },
    shed: counts.shed,
    rate,
    concurrency,
    latency: stats.latency(),
    latencyByOp: stats.latencyByOp(),
    latencyByPhase: stats.latencyByPhase(),
    series: stats.series(endedAt ?? Date.now()),
    startedAt: t0,
    durationMs: (endedAt ?? Date.now()) - t0,
  });
  return {
    acked: history.acked,
    history,
    names,
    report,
    setPhase(phase) {
      stats.phase = phase;
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(tick);
        backlog.length = 0;
        if (inFlight > 0) await new Promise<void>((r) => idle.push(r));
        pool.close();
        endedAt = Date.now();
      }
      return report();
    },
  };
}

export interface LostReport {
  checked: number;
  /** Acknowledged writes that are not there, or hold other data. */
  lost: AckedWrite[];
  /** Reads that failed for another reason after every retry (the check could not decide). */
  unreadable: { write: AckedWrite; error: string }[];
}

/** Reads every acknowledged write back; retries transient failures, never counts them as loss. */
/** Acknowledged writes read back per query (one read-only transaction each). */
const READ_BACK_BATCH = 50;

/**
 * Reads every acknowledged write back, READ_BACK_BATCH per query (each document's `n`, or null when it is not
 * there); retries transient failures, never counts them as loss.
 */
export async function findLost(endpoint: () => Endpoint, secret: string, collection: string, acked: readonly AckedWrite[]): Promise<LostReport> {
  const lost: AckedWrite[] = [];
  const unreadable: LostReport["unreadable"] = [];
  const batches: AckedWrite[][] = [];
  for (let i = 0; i < acked.length; i += READ_BACK_BATCH) batches.push(acked.slice(i, i + READ_BACK_BATCH));
  const readBack = (batch: AckedWrite[]) =>
    q.Map(batch.map((w) => q.Ref(q.Collection(collection), w.id)), q.Lambda("ref", q.If(q.Exists(q.Var("ref")), q.Select(["data", "n"], q.Get(q.Var("ref")), null), null)));
  const check = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      let lastError = "";
      let found: (number | null)[] | undefined;
      for (let attempt = 0; attempt < 5 && !found; attempt++) {
        try {
          found = await once<(number | null)[]>(endpoint(), secret, readBack(batch), 10_000);
        } catch (err) {
          lastError = describe(err);
          await sleep(500);
        }
      }
      if (!found) unreadable.push(...batch.map((write) => ({ write, error: lastError })));
      else batch.forEach((w, i) => found[i] !== w.n && lost.push(w));
    }
  };
  await Promise.all(Array.from({ length: 4 }, check));
  return { checked: acked.length, lost, unreadable };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
