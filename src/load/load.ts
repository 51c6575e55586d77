// A small, bounded write/read load against FaunaDB's query API (FQL v4 through the `faunadb` driver) that records
// every acknowledged write, so a test can read each one back at the end and prove none was lost (Jepsen's rule:
// failed or timed-out writes are allowed, acknowledged ones must survive). Each operation opens its own driver
// client, hence its own TCP connection: behind a Service, consecutive operations spread over its endpoints.
import faunadb from "faunadb";

const q = faunadb.query;

export interface Endpoint {
  domain: string;
  port: number;
}

export interface AckedWrite {
  id: string;
  n: number;
  /** Epoch ms of the acknowledgement. */
  at: number;
}

export interface LoadOptions {
  /** Where each operation goes; called per operation so a test may rotate or follow changes. */
  endpoint: () => Endpoint;
  secret: string;
  collection: string;
  /** Concurrent workers (default 2). */
  workers?: number;
  /** Pause between two operations of one worker, ms (default 100). */
  pauseMs?: number;
  /** Every `readEvery`-th operation reads back a random acknowledged write (default 4; 0 = never). */
  readEvery?: number;
  /** Hard bound on operations, whatever happens (default 20 000). */
  maxOps?: number;
  /** Per-operation deadline, ms (default 5000). */
  opTimeoutMs?: number;
}

export interface LoadReport {
  writesAttempted: number;
  writesAcknowledged: number;
  writesFailed: number;
  reads: number;
  readsFailed: number;
  /** Reads of an acknowledged write answered "not found" or with other data: a consistency failure. */
  readsMissing: number;
  /** Failures by cause (error class or message head), for the report. */
  errors: Record<string, number>;
  durationMs: number;
}

export interface RunningLoad {
  readonly acked: readonly AckedWrite[];
  report(): LoadReport;
  /** Stops issuing operations and waits for the in-flight ones. */
  stop(): Promise<LoadReport>;
}

export function clientFor(endpoint: Endpoint, secret: string, timeoutMs = 5000): faunadb.Client {
  return new faunadb.Client({
    secret,
    domain: endpoint.domain,
    port: endpoint.port,
    scheme: "http",
    queryTimeout: timeoutMs,
    timeout: Math.ceil(timeoutMs / 1000),
  });
}

/** Runs one query on a fresh client, bounded by `timeoutMs` even if the driver hangs. */
export async function once<T>(endpoint: Endpoint, secret: string, expr: faunadb.ExprArg, timeoutMs = 5000): Promise<T> {
  const client = clientFor(endpoint, secret, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`query timed out after ${timeoutMs} ms`)), timeoutMs + 500);
    });
    return await Promise.race([client.query<T>(expr), deadline]);
  } finally {
    clearTimeout(timer);
    await client.close({ force: true }).catch(() => undefined);
  }
}

/** Creates the collection unless it exists (retried until `timeoutMs`: the cluster may still be settling). */
export async function ensureCollection(endpoint: Endpoint, secret: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const exists = await once<boolean>(endpoint, secret, q.Exists(q.Collection(name)));
      if (!exists) await once(endpoint, secret, q.CreateCollection({ name }));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not create collection ${name} at ${endpoint.domain}:${endpoint.port}: ${describe(err)}`);
      await sleep(1000);
    }
  }
}

export function startLoad(options: LoadOptions): RunningLoad {
  const workers = options.workers ?? 2;
  const pauseMs = options.pauseMs ?? 100;
  const readEvery = options.readEvery ?? 4;
  const maxOps = options.maxOps ?? 20_000;
  const timeoutMs = options.opTimeoutMs ?? 5000;
  const t0 = Date.now();
  const acked: AckedWrite[] = [];
  const errors: Record<string, number> = {};
  const counts = { ops: 0, writesAttempted: 0, writesFailed: 0, reads: 0, readsFailed: 0, readsMissing: 0 };
  let stopped = false;
  let endedAt: number | undefined;
  const fail = (err: unknown) => {
    const key = describe(err).slice(0, 60);
    errors[key] = (errors[key] ?? 0) + 1;
  };

  const write = async () => {
    const n = counts.writesAttempted++;
    try {
      const doc = await once<{ ref: { id: string } }>(options.endpoint(), options.secret, q.Create(q.Collection(options.collection), { data: { n } }), timeoutMs);
      acked.push({ id: doc.ref.id, n, at: Date.now() });
    } catch (err) {
      counts.writesFailed++;
      fail(err);
    }
  };
  const read = async () => {
    const target = acked[Math.floor(Math.random() * acked.length)];
    if (!target) return;
    counts.reads++;
    try {
      const doc = await once<{ data: { n: number } }>(options.endpoint(), options.secret, q.Get(q.Ref(q.Collection(options.collection), target.id)), timeoutMs);
      if (doc.data.n !== target.n) counts.readsMissing++;
    } catch (err) {
      if (isNotFound(err)) counts.readsMissing++;
      else counts.readsFailed++;
      fail(err);
    }
  };
  const worker = async () => {
    while (!stopped && counts.ops < maxOps) {
      const op = counts.ops++;
      await (readEvery > 0 && op % readEvery === readEvery - 1 ? read() : write());
      await sleep(pauseMs);
    }
  };
  const running = Promise.all(Array.from({ length: workers }, worker)).then(() => {
    endedAt = Date.now();
  });
  const report = (): LoadReport => ({
    writesAttempted: counts.writesAttempted,
    writesAcknowledged: acked.length,
    writesFailed: counts.writesFailed,
    reads: counts.reads,
    readsFailed: counts.readsFailed,
    readsMissing: counts.readsMissing,
    errors: { ...errors },
    durationMs: (endedAt ?? Date.now()) - t0,
  });
  return {
    acked,
    report,
    async stop() {
      stopped = true;
      await running;
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
export async function findLost(endpoint: () => Endpoint, secret: string, collection: string, acked: readonly AckedWrite[]): Promise<LostReport> {
  const lost: AckedWrite[] = [];
  const unreadable: LostReport["unreadable"] = [];
  const queue = [...acked];
  const check = async () => {
    for (let w = queue.shift(); w; w = queue.shift()) {
      let lastError = "";
      let decided = false;
      for (let attempt = 0; attempt < 5 && !decided; attempt++) {
        try {
          const doc = await once<{ data: { n: number } }>(endpoint(), secret, q.Get(q.Ref(q.Collection(collection), w.id)));
          if (doc.data.n !== w.n) lost.push(w);
          decided = true;
        } catch (err) {
          if (isNotFound(err)) {
            lost.push(w);
            decided = true;
          } else {
            lastError = describe(err);
            await sleep(500);
          }
        }
      }
      if (!decided) unreadable.push({ write: w, error: lastError });
    }
  };
  await Promise.all(Array.from({ length: 4 }, check));
  return { checked: acked.length, lost, unreadable };
}

function isNotFound(err: unknown): boolean {
  return err instanceof faunadb.errors.NotFound;
}

function describe(err: unknown): string {
  if (err instanceof faunadb.errors.FaunaHTTPError) return `${err.name} ${err.requestResult.statusCode}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
