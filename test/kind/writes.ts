// A bounded write load on real FaunaDB's FQL v10 API (FACTS §9: POST /query/1, Bearer secret, root key scoped to a
// child database as `<key>:<db>:admin`) that records every acknowledged write, then reads them all back with a
// linearized read: failed or timed-out writes are allowed, acknowledged ones must survive (Jepsen's rule).
// HTTP/1.1 with a new connection per request (node:http, no agent): behind a Service each operation may land on another
// node, and a deleted pod fails only the requests that were on it.
// The simulator speaks only FQL v4, so the local tier uses test/support/load.ts instead.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { AckedWrite as LocalAckedWrite, Endpoint } from "../support/load.ts";

export type { Endpoint };

/** The local load's acknowledged write without its timestamp: a document id and the number written to it. */
export type AckedWrite = Pick<LocalAckedWrite, "id" | "n">;

export interface WriteReport {
  attempted: number;
  acknowledged: number;
  failed: number;
  /** Failures by cause (HTTP status and error code, or the error's name), for the log. */
  errors: Record<string, number>;
}

export class QueryError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`query failed with HTTP ${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

function post(endpoint: Endpoint, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: endpoint.domain, port: endpoint.port, path: "/query/1", method: "POST", agent: false, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** One FQL v10 query; resolves with `data`, rejects with QueryError or a network/timeout error. */
export async function query<T>(endpoint: Endpoint, secret: string, fql: string, timeoutMs = 5000): Promise<T> {
  const headers = {
    authorization: `Bearer ${secret}`,
    "content-type": "application/json",
    "x-format": "simple",
    "x-linearized": "true",
    "x-query-timeout-ms": String(timeoutMs),
  };
  const res = await post(endpoint, headers, JSON.stringify({ query: fql }), timeoutMs + 1000);
  let body: { data?: T; error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    // A non-JSON answer (a proxy error page, a cut connection) is reported by its status below.
  }
  if (res.status !== 200) throw new QueryError(res.status, body.error?.code ?? "unknown", body.error?.message ?? res.text.slice(0, 200));
  return body.data as T;
}

async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${describe(err)}`, { cause: err });
      await sleep(1000);
    }
  }
}

export interface Store {
  /** The root key scoped to the test database (`<key>:<db>:admin`); never logged. */
  secret: string;
  collection: string;
}

/** A fresh child database and collection for this run (names unique, so a retried create is harmless to detect). */
export async function createStore(endpoint: Endpoint, rootKey: string, timeoutMs = 120_000): Promise<Store> {
  const db = `kind_${randomBytes(4).toString("hex")}`;
  const collection = "Writes";
  await retrying(`create database ${db}`, async () => {
    await query(endpoint, rootKey, `if (Database.byName("${db}").exists()) null else Database.create({ name: "${db}" })`);
  }, timeoutMs);
  const secret = `${rootKey}:${db}:admin`;
  await retrying(`create collection ${collection} in ${db}`, async () => {
    await query(endpoint, secret, `if (Collection.byName("${collection}").exists()) null else Collection.create({ name: "${collection}" })`);
  }, timeoutMs);
  // The new collection is usable once a write to it succeeds.
  await retrying(`first write to ${collection}`, () => query(endpoint, secret, `${collection}.create({ n: -1 })`), timeoutMs);
  return { secret, collection };
}

export interface RunningWrites {
  readonly acked: readonly AckedWrite[];
  report(): WriteReport;
  /** Stops issuing writes and waits for the in-flight ones. */
  stop(): Promise<WriteReport>;
}

/** `workers` loops writing `{ n }` with a pause between writes, at most `maxWrites` in all. */
export function startWrites(endpoint: () => Endpoint, store: Store, opts: { workers?: number; pauseMs?: number; maxWrites?: number } = {}): RunningWrites {
  const acked: AckedWrite[] = [];
  const errors: Record<string, number> = {};
  let attempted = 0;
  let failed = 0;
  let stopped = false;
  const maxWrites = opts.maxWrites ?? 10_000;
  const worker = async () => {
    while (!stopped && attempted < maxWrites) {
      const n = attempted++;
      try {
        const doc = await query<{ id: string; n: number }>(endpoint(), store.secret, `${store.collection}.create({ n: ${n} })`);
        acked.push({ id: doc.id, n });
      } catch (err) {
        failed++;
        const key = describe(err).slice(0, 80);
        errors[key] = (errors[key] ?? 0) + 1;
      }
      await sleep(opts.pauseMs ?? 100);
    }
  };
  const running = Promise.all(Array.from({ length: opts.workers ?? 2 }, worker));
  const report = (): WriteReport => ({ attempted, acknowledged: acked.length, failed, errors: { ...errors } });
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

/** Every document of the collection as id → n, page by page (a linearized read on each page). */
export async function readAll(endpoint: Endpoint, store: Store, timeoutMs = 120_000): Promise<Map<string, number>> {
  const all = new Map<string, number>();
  type Page = { data: [string, number][]; after?: string };
  let page = await retrying("read the first page", () => query<Page>(endpoint, store.secret, `${store.collection}.all().map(d => [d.id, d.n]).pageSize(500)`, 15_000), timeoutMs);
  for (;;) {
    for (const [id, n] of page.data) all.set(id, n);
    const after = page.after;
    if (!after) return all;
    page = await retrying("read the next page", () => query<Page>(endpoint, store.secret, `Set.paginate(${JSON.stringify(after)})`, 15_000), timeoutMs);
  }
}

/** Acknowledged writes that are missing or hold another value. */
export function lostWrites(acked: readonly AckedWrite[], stored: ReadonlyMap<string, number>): AckedWrite[] {
  return acked.filter((w) => stored.get(w.id) !== w.n);
}

function describe(err: unknown): string {
  if (err instanceof QueryError) return `HTTP ${err.status} ${err.code}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
