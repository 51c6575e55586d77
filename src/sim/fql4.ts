// FQL v4 (`POST /` with the JSON AST, FACTS §9): the forms the tutorial's schema step, the harness's load and its
// checks send through the `faunadb` driver and FaunaShell (README "FQL v4 forms"). A query is one transaction: its
// reads are recorded with the version they saw, its writes are buffered (later reads in the query see them) and
// handed to `commit` together; a conflict there re-runs the query (FaunaDB retries contended transactions itself).
// Anything else answers FaunaDB's own `invalid expression` error. Error codes and texts follow FaunaDB's
// `ext/model/src/main/scala/ast/Error.scala` and `Renderable.scala` (RenderError); the key secret's binary form
// follows `ext/model/src/main/scala/auth/AuthLike.scala`.
import { createHash, randomBytes } from "node:crypto";
import type { Doc } from "./node.ts";

export class QueryError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, description: string) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

/** The cluster as a query sees it: a node's read path (any replica), a scan of a key range, and identity/time. */
export interface Fql4Store {
  /** Wall clock, ms. */
  now(): number;
  newId(): string;
  read(key: string): Promise<Doc | undefined>;
  /** Every document whose key starts with `prefix` (index reads; not on the load's hot path). */
  scan(prefix: string): Promise<Doc[]>;
}

/** One transaction: the versions its reads saw (null = absent) and its writes. */
export interface Txn {
  reads: Map<string, number | null>;
  writes: Map<string, Doc>;
}

/**
 * Commits a transaction atomically, or only checks its reads when it wrote nothing; resolves to the transaction
 * time (ms). Rejects with status 409 when a read is no longer current (the query is then re-run).
 */
export type Commit = (txn: Txn) => Promise<number>;

export type Role = "admin" | "server" | "server-readonly" | "client";
export const ROLES: readonly Role[] = ["admin", "server", "server-readonly", "client"];

/** The database a query runs in (path from the root) and the role of its secret. */
export interface Scope {
  path: string[];
  role: Role;
}

// ---- values ----------------------------------------------------------------------------------------------------

/** Native collections: the schema documents FaunaDB keeps per database (refs `Collection("x")`, `Database("x")`...). */
type Native = "collections" | "databases" | "indexes" | "keys";
const NATIVE: readonly string[] = ["collections", "databases", "indexes", "keys"];
/** Names a user collection may not take (FaunaDB reserves its native collection names and a few more). */
const RESERVED = new Set([...NATIVE, "events", "set", "self", "documents", "_", "functions", "roles", "tokens", "credentials", "access_providers"]);

class RefV {
  readonly id: string;
  /** A schema ref's native collection, or undefined for a document ref. */
  readonly native: Native | undefined;
  /** A document ref's collection. */
  readonly collection: string | undefined;
  constructor(id: string, where: { native: Native } | { collection: string }) {
    this.id = id;
    this.native = "native" in where ? where.native : undefined;
    this.collection = "collection" in where ? where.collection : undefined;
  }
}
class SetV {
  readonly index: RefV | undefined;
  readonly terms: Value;
  readonly documents: RefV | undefined;
  constructor(o: { index: RefV; terms: Value } | { documents: RefV }) {
    this.index = "index" in o ? o.index : undefined;
    this.terms = "terms" in o ? o.terms : null;
    this.documents = "documents" in o ? o.documents : undefined;
  }
}
/** A timestamp in µs since the epoch (FaunaDB's resolution). */
class TimeV {
  readonly micros: number;
  constructor(micros: number) {
    this.micros = micros;
  }
}
class LambdaV {
  readonly params: string | string[];
  readonly body: unknown;
  readonly env: Env;
  constructor(params: string | string[], body: unknown, env: Env) {
    this.params = params;
    this.body = body;
    this.env = env;
  }
}
/** The `ts` of a document written by this transaction: known only once it commits. */
class PendingTs {}
const PENDING_TS = new PendingTs();

type Value = null | boolean | number | string | Value[] | { [k: string]: Value } | RefV | SetV | TimeV | LambdaV | PendingTs;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function typeName(v: Value): string {
  if (v === null) return "Null";
  if (v instanceof PendingTs) return "Integer";
  if (Array.isArray(v)) return "Array";
  if (v instanceof RefV) return "Ref";
  if (v instanceof SetV) return "Set";
  if (v instanceof TimeV) return "Time";
  if (v instanceof LambdaV) return "Lambda";
  if (typeof v === "object") return "Object";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Number";
  if (typeof v === "string") return "String";
  return "Boolean";
}

const invalidArgument = (expected: string, v: Value) => new QueryError(400, "invalid argument", `${expected} expected, ${typeName(v)} provided.`);

// ---- storage keys ----------------------------------------------------------------------------------------------

/** Key prefix of a database's documents: the root keeps the plain form; `@db:` cannot start a collection name. */
export const scopePrefix = (path: readonly string[]): string => path.map((db) => `@db:${db}/`).join("");
const nativeKey = (path: readonly string[], native: Native, name: string) => `${scopePrefix(path)}${native}/${name}`;
const docKey = (path: readonly string[], collection: string, id: string) => `${scopePrefix(path)}${collection}/${id}`;
/** Keys are found by their ID alone (the secret names no database), so they live outside every database. */
export const keyDocKey = (id: string) => `@keys/${id}`;

// ---- key secrets (AuthLike.scala: version 126, type 112, 8-byte key ID, 20-byte secret; base64url) ---------------

export function encodeKeySecret(id: string): string {
  const b = Buffer.alloc(30);
  b[0] = 126;
  b[1] = 112;
  b.writeBigUInt64BE(BigInt(id), 2);
  randomBytes(20).copy(b, 10);
  return b.toString("base64url");
}

/** The key ID a secret names, or undefined when it is not a key secret. */
export function keyIdOf(secret: string): string | undefined {
  const b = Buffer.from(secret, "base64url");
  if (b.length !== 30 || b[0] !== 126 || b[1] !== 112) return undefined;
  return b.readBigUInt64BE(2).toString();
}

/** FaunaDB keeps a BCrypt hash; the simulator a SHA-256, which it never shows as FaunaDB's. */
export const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

// ---- evaluation ------------------------------------------------------------------------------------------------

type Env = ReadonlyMap<string, Value>;

interface Ctx {
  store: Fql4Store;
  scope: Scope;
  txn: Txn;
  /** The transaction's snapshot time, ms (Now()). */
  now: number;
}

async function read(ctx: Ctx, key: string): Promise<Doc | undefined> {
  const written = ctx.txn.writes.get(key);
  if (written) return written.data.__deleted === true ? undefined : written;
  const doc = await ctx.store.read(key);
  const live = doc && doc.data.__deleted !== true ? doc : undefined;
  if (!ctx.txn.reads.has(key)) ctx.txn.reads.set(key, doc ? doc.ts : null);
  return live;
}

function write(ctx: Ctx, doc: Omit<Doc, "ts">): Doc {
  if (ctx.scope.role === "server-readonly" || ctx.scope.role === "client") throw permissionDenied();
  const d = { ...doc, ts: ctx.now };
  ctx.txn.writes.set(d.key, d);
  return d;
}

const permissionDenied = () => new QueryError(403, "permission denied", "Insufficient privileges to perform the action.");
const adminOnly = (ctx: Ctx) => {
  if (ctx.scope.role !== "admin") throw permissionDenied();
};

type Form = (e: Record<string, unknown>, env: Env, ctx: Ctx) => Promise<Value>;
interface FormSpec {
  /** Keys the form must have (the first one names it) and may have. */
  keys: string[];
  optional?: string[];
  run: Form;
}

const ev = (expr: unknown, env: Env, ctx: Ctx): Promise<Value> => evaluate(expr, env, ctx);

async function evalString(expr: unknown, env: Env, ctx: Ctx): Promise<string> {
  const v = await ev(expr, env, ctx);
  if (typeof v !== "string") throw invalidArgument("String", v);
  return v;
}
async function evalNumbers(expr: unknown, env: Env, ctx: Ctx): Promise<number[]> {
  const v = await ev(expr, env, ctx);
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (typeof x !== "number") throw invalidArgument("Number", x);
    return x;
  });
}
async function evalRef(expr: unknown, env: Env, ctx: Ctx): Promise<RefV> {
  const v = await ev(expr, env, ctx);
  if (!(v instanceof RefV)) throw invalidArgument("Ref", v);
  return v;
}
async function evalCollectionRef(expr: unknown, env: Env, ctx: Ctx): Promise<RefV> {
  const r = await evalRef(expr, env, ctx);
  if (r.native !== "collections") throw new QueryError(400, "invalid argument", "Collection Ref expected, Ref provided.");
  return r;
}
async function evalObject(expr: unknown, env: Env, ctx: Ctx): Promise<Record<string, Value>> {
  const v = expr === null || expr === undefined ? {} : await ev(expr, env, ctx);
  if (!isPlain(v)) throw invalidArgument("Object", v);
  return v as Record<string, Value>;
}

function bind(params: string | string[], arg: Value, env: Env): Env {
  const out = new Map(env);
  if (typeof params === "string") out.set(params, arg);
  else {
    if (!Array.isArray(arg) || arg.length !== params.length)
      throw new QueryError(400, "invalid argument", `Lambda expects an array with ${params.length} elements. Array contains ${Array.isArray(arg) ? arg.length : 1}.`);
    params.forEach((p, i) => out.set(p, arg[i]!));
  }
  return out;
}
async function apply(f: Value, arg: Value, ctx: Ctx): Promise<Value> {
  if (!(f instanceof LambdaV)) throw invalidArgument("Lambda", f);
  return ev(f.body, bind(f.params, arg, f.env), ctx);
}

/** The elements a collection function walks: an array, or the data of a page. */
function elements(v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (isPlain(v) && Array.isArray(v.data)) return v.data as Value[];
  throw invalidArgument("Array or Page", v);
}

function compare(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof TimeV && b instanceof TimeV) return a.micros - b.micros;
  if (a instanceof RefV && b instanceof RefV) return compare(a.id, b.id);
  return compare(typeName(a), typeName(b));
}
function equal(a: Value, b: Value): boolean {
  if (a instanceof RefV && b instanceof RefV) return a.id === b.id && a.native === b.native && a.collection === b.collection;
  if (a instanceof TimeV && b instanceof TimeV) return a.micros === b.micros;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k] as Value, b[k] as Value));
  }
  return a === b;
}

function selectPath(path: Value, from: Value): Value | undefined {
  const steps = Array.isArray(path) ? path : [path];
  let cur: Value | undefined = from;
  for (const step of steps) {
    if (cur === undefined) return undefined;
    if (typeof step === "number" && Array.isArray(cur)) cur = cur[step];
    else if (typeof step === "string" && cur instanceof RefV) cur = step === "id" ? cur.id : step === "collection" && cur.collection ? new RefV(cur.collection, { native: "collections" }) : undefined;
    else if (typeof step === "string" && isPlain(cur)) cur = (cur as Record<string, Value>)[step];
    else return undefined;
  }
  return cur;
}

async function checkedNumbers(e: Record<string, unknown>, key: string, env: Env, ctx: Ctx): Promise<number[]> {
  const ns = await evalNumbers(e[key], env, ctx);
  if (ns.length === 0) throw new QueryError(400, "invalid argument", "Non-empty array expected.");
  return ns;
}

const comparison = (holds: (c: number) => boolean): Form => async (e, env, ctx) => {
  const key = Object.keys(e)[0]!;
  const v = await ev(e[key], env, ctx);
  const xs = Array.isArray(v) ? v : [v];
  for (let i = 1; i < xs.length; i++) if (!holds(compare(xs[i - 1]!, xs[i]!))) return false;
  return true;
};

// -- schema documents: FaunaDB's field order of each native kind

function collectionRef(name: string) {
  return new RefV(name, { native: "collections" });
}
function renderSchema(doc: Doc, native: Native): Record<string, Value> {
  const ts = doc.ts === PENDING_MARK ? PENDING_TS : doc.ts * 1000;
  const d = doc.data as Record<string, Value>;
  if (native === "collections") return { ref: collectionRef(doc.id), ts, history_days: 30, name: doc.id };
  if (native === "databases") return { ref: new RefV(doc.id, { native: "databases" }), ts, name: doc.id, global_id: d.global_id ?? doc.id };
  if (native === "indexes") {
    return { ref: new RefV(doc.id, { native: "indexes" }), ts, active: true, serialized: true, name: doc.id, unique: d.unique ?? false,
      source: collectionRef(String(d.source)), ...(d.terms ? { terms: d.terms } : {}), ...(d.values ? { values: d.values } : {}), partitions: d.terms ? 1 : 8 };
  }
  return { ref: new RefV(doc.id, { native: "keys" }), ts, role: d.role ?? "admin", ...(d.database ? { database: new RefV(String(d.database).split("/").at(-1)!, { native: "databases" }) } : {}), hashed_secret: d.hashed_secret ?? "" };
}
/** Writes made by this transaction carry this `ts` until the commit gives them theirs. */
const PENDING_MARK = -1;

function renderDoc(doc: Doc): Record<string, Value> {
  const { __deleted: _gone, ...data } = doc.data;
  return { ref: new RefV(doc.id, { collection: doc.collection }), ts: doc.ts === PENDING_MARK ? PENDING_TS : doc.ts * 1000, data: data as Record<string, Value> };
}

function pending(doc: Doc): Doc {
  return { ...doc, ts: PENDING_MARK };
}

async function getByRef(ref: RefV, ctx: Ctx): Promise<Record<string, Value> | undefined> {
  if (ref.native === "keys") {
    const doc = await read(ctx, keyDocKey(ref.id));
    return doc ? renderSchema(ctx.txn.writes.has(doc.key) ? pending(doc) : doc, "keys") : undefined;
  }
  if (ref.native) {
    const doc = await read(ctx, nativeKey(ctx.scope.path, ref.native, ref.id));
    return doc ? renderSchema(ctx.txn.writes.has(doc.key) ? pending(doc) : doc, ref.native) : undefined;
  }
  const doc = await read(ctx, docKey(ctx.scope.path, ref.collection!, ref.id));
  return doc ? renderDoc(ctx.txn.writes.has(doc.key) ? pending(doc) : doc) : undefined;
}

function notFound(ref: RefV): QueryError {
  const kind = ref.native === "collections" ? "Collection" : ref.native === "databases" ? "Database" : ref.native === "indexes" ? "Index" : ref.native === "keys" ? "Key" : "Document";
  return new QueryError(404, "instance not found", `${kind} not found.`);
}

async function requireCollection(ctx: Ctx, name: string): Promise<void> {
  if (!(await read(ctx, nativeKey(ctx.scope.path, "collections", name)))) throw new QueryError(400, "invalid ref", `Ref refers to undefined collection '${name}'`);
}

async function createSchema(ctx: Ctx, native: Native, params: Record<string, Value>, data: Record<string, unknown>): Promise<Value> {
  const name = params.name;
  if (typeof name !== "string" || name === "" || (native === "collections" && RESERVED.has(name)) || name.includes("/"))
    throw new QueryError(400, "validation failed", "document data is not valid.");
  const key = nativeKey(ctx.scope.path, native, name);
  if (await read(ctx, key)) {
    const kind = native === "collections" ? "Collection" : native === "databases" ? "Database" : "Index";
    throw new QueryError(400, "instance already exists", `${kind} already exists.`);
  }
  const doc = write(ctx, { key, collection: native, id: name, data: { name, ...data } });
  return renderSchema(pending(doc), native);
}

function termsOf(v: Value): Value[] {
  return v === null ? [] : Array.isArray(v) ? v : [v];
}

/** The documents of an index's source whose terms match, as the index's values (or refs), sorted. */
async function readSet(set: SetV, ctx: Ctx): Promise<Value[]> {
  const collectionOf = async (): Promise<{ collection: string; terms: Value[][]; values: Value[][] | undefined }> => {
    if (set.documents) return { collection: set.documents.id, terms: [], values: undefined };
    const indexDoc = await read(ctx, nativeKey(ctx.scope.path, "indexes", set.index!.id));
    if (!indexDoc) throw new QueryError(400, "invalid ref", `Ref refers to undefined index '${set.index!.id}'`);
    const fields = (x: unknown) => (Array.isArray(x) ? x.map((t) => (isPlain(t) ? (t.field as Value[]) : [])) : []);
    return { collection: String(indexDoc.data.source), terms: fields(indexDoc.data.terms), values: indexDoc.data.values ? fields(indexDoc.data.values) : undefined };
  };
  const { collection, terms, values } = await collectionOf();
  const wanted = termsOf(set.terms);
  const prefix = docKey(ctx.scope.path, collection, "");
  const byKey = new Map((await ctx.store.scan(prefix)).map((d) => [d.key, d]));
  for (const [k, d] of ctx.txn.writes) if (k.startsWith(prefix)) byKey.set(k, d);
  const rows: Value[] = [];
  for (const doc of byKey.values()) {
    if (doc.data.__deleted === true) continue;
    const rendered = renderDoc(doc);
    if (terms.some((path, i) => !equal(selectPath(path, rendered) ?? null, wanted[i] ?? null))) continue;
    if (!values) rows.push(rendered.ref!);
    else {
      const row = values.map((path) => (path.length === 1 && path[0] === "ref" ? rendered.ref! : (selectPath(path, rendered) ?? null)));
      rows.push(row.length === 1 ? row[0]! : row);
    }
  }
  return rows.sort((a, b) => {
    const [x, y] = [Array.isArray(a) ? a : [a], Array.isArray(b) ? b : [b]];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compare(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  });
}

const FORMS: Record<string, FormSpec> = {
  // basic forms
  let: {
    keys: ["let", "in"],
    async run(e, env, ctx) {
      let scope = new Map(env);
      const bindings = Array.isArray(e.let) ? e.let : isPlain(e.let) ? Object.entries(e.let).map(([k, v]) => ({ [k]: v })) : [];
      for (const b of bindings) {
        if (!isPlain(b)) throw new QueryError(400, "invalid expression", "Invalid let binding.");
        for (const [k, v] of Object.entries(b)) scope = new Map(scope).set(k, await ev(v, scope, ctx));
      }
      return ev(e.in, scope, ctx);
    },
  },
  var: {
    keys: ["var"],
    async run(e, env, ctx) {
      const name = await evalString(e.var, env, ctx);
      if (!env.has(name)) throw new QueryError(400, "invalid expression", `Variable '${name}' is not defined.`);
      return env.get(name)!;
    },
  },
  if: {
    keys: ["if", "then", "else"],
    async run(e, env, ctx) {
      const c = await ev(e.if, env, ctx);
      if (typeof c !== "boolean") throw invalidArgument("Boolean", c);
      return ev(c ? e.then : e.else, env, ctx);
    },
  },
  do: {
    keys: ["do"],
    async run(e, env, ctx) {
      const steps = Array.isArray(e.do) ? e.do : [e.do];
      let last: Value = null;
      for (const s of steps) last = await ev(s, env, ctx);
      return last;
    },
  },
  lambda: {
    keys: ["lambda", "expr"],
    async run(e, env) {
      const p = e.lambda;
      if (typeof p !== "string" && !(Array.isArray(p) && p.every((x) => typeof x === "string"))) throw new QueryError(400, "invalid expression", "Invalid lambda.");
      return new LambdaV(p as string | string[], e.expr, env);
    },
  },
  abort: {
    keys: ["abort"],
    async run(e, env, ctx) {
      throw new QueryError(400, "transaction aborted", await evalString(e.abort, env, ctx));
    },
  },
  // values and paths
  select: {
    keys: ["select", "from"],
    optional: ["default"],
    async run(e, env, ctx) {
      const path = await ev(e.select, env, ctx);
      const found = selectPath(path, await ev(e.from, env, ctx));
      if (found !== undefined) return found;
      if ("default" in e) return ev(e.default, env, ctx);
      const steps = (Array.isArray(path) ? path : [path]).map((s) => String(s));
      throw new QueryError(404, "value not found", `Value not found at path [${steps.join(",")}].`);
    },
  },
  contains_path: {
    keys: ["contains_path", "in"],
    async run(e, env, ctx) {
      return selectPath(await ev(e.contains_path, env, ctx), await ev(e.in, env, ctx)) !== undefined;
    },
  },
  equals: {
    keys: ["equals"],
    async run(e, env, ctx) {
      const v = await ev(e.equals, env, ctx);
      const xs = Array.isArray(v) ? v : [v];
      return xs.every((x) => equal(x, xs[0]!));
    },
  },
  lt: { keys: ["lt"], run: comparison((c) => c < 0) },
  lte: { keys: ["lte"], run: comparison((c) => c <= 0) },
  gt: { keys: ["gt"], run: comparison((c) => c > 0) },
  gte: { keys: ["gte"], run: comparison((c) => c >= 0) },
  and: {
    keys: ["and"],
    async run(e, env, ctx) {
      const v = await ev(e.and, env, ctx);
      return (Array.isArray(v) ? v : [v]).every((x) => x === true);
    },
  },
  or: {
    keys: ["or"],
    async run(e, env, ctx) {
      const v = await ev(e.or, env, ctx);
      return (Array.isArray(v) ? v : [v]).some((x) => x === true);
    },
  },
  not: {
    keys: ["not"],
    async run(e, env, ctx) {
      const v = await ev(e.not, env, ctx);
      if (typeof v !== "boolean") throw invalidArgument("Boolean", v);
      return !v;
    },
  },
  add: { keys: ["add"], async run(e, env, ctx) { return (await checkedNumbers(e, "add", env, ctx)).reduce((a, b) => a + b); } },
  subtract: { keys: ["subtract"], async run(e, env, ctx) { return (await checkedNumbers(e, "subtract", env, ctx)).reduce((a, b) => a - b); } },
  multiply: { keys: ["multiply"], async run(e, env, ctx) { return (await checkedNumbers(e, "multiply", env, ctx)).reduce((a, b) => a * b); } },
  concat: {
    keys: ["concat"],
    optional: ["separator"],
    async run(e, env, ctx) {
      const v = await ev(e.concat, env, ctx);
      const sep = "separator" in e ? await evalString(e.separator, env, ctx) : "";
      return (Array.isArray(v) ? v : [v]).map((x) => {
        if (typeof x !== "string") throw invalidArgument("String", x);
        return x;
      }).join(sep);
    },
  },
  to_string: {
    keys: ["to_string"],
    async run(e, env, ctx) {
      const v = await ev(e.to_string, env, ctx);
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
      if (v === null) return "null";
      throw new QueryError(400, "invalid argument", `Cannot cast ${typeName(v)} to String.`);
    },
  },
  now: { keys: ["now"], async run(_e, _env, ctx) { return new TimeV(ctx.now * 1000); } },
  time: {
    keys: ["time"],
    async run(e, env, ctx) {
      const s = await evalString(e.time, env, ctx);
      if (s === "now") return new TimeV(ctx.now * 1000);
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) throw new QueryError(400, "invalid argument", `Cannot cast '${s}' to a time.`);
      return new TimeV(ms * 1000);
    },
  },
  new_id: { keys: ["new_id"], async run(_e, _env, ctx) { return ctx.store.newId(); } },
  // collection functions
  map: {
    keys: ["map", "collection"],
    async run(e, env, ctx) {
      const f = await ev(e.map, env, ctx);
      const src = await ev(e.collection, env, ctx);
      const out: Value[] = [];
      for (const x of elements(src)) out.push(await apply(f, x, ctx));
      return Array.isArray(src) ? out : { ...(src as Record<string, Value>), data: out };
    },
  },
  foreach: {
    keys: ["foreach", "collection"],
    async run(e, env, ctx) {
      const f = await ev(e.foreach, env, ctx);
      const src = await ev(e.collection, env, ctx);
      for (const x of elements(src)) await apply(f, x, ctx);
      return src;
    },
  },
  filter: {
    keys: ["filter", "collection"],
    async run(e, env, ctx) {
      const f = await ev(e.filter, env, ctx);
      const src = await ev(e.collection, env, ctx);
      const out: Value[] = [];
      for (const x of elements(src)) if ((await apply(f, x, ctx)) === true) out.push(x);
      return Array.isArray(src) ? out : { ...(src as Record<string, Value>), data: out };
    },
  },
  count: {
    keys: ["count"],
    async run(e, env, ctx) {
      const v = await ev(e.count, env, ctx);
      return v instanceof SetV ? (await readSet(v, ctx)).length : elements(v).length;
    },
  },
  sum: {
    keys: ["sum"],
    async run(e, env, ctx) {
      return elements(await ev(e.sum, env, ctx)).reduce<number>((a, x) => {
        if (typeof x !== "number") throw invalidArgument("Number", x);
        return a + x;
      }, 0);
    },
  },
  // refs
  collection: {
    keys: ["collection"],
    optional: ["scope"],
    async run(e, env, ctx) { return collectionRef(await evalString(e.collection, env, ctx)); },
  },
  database: {
    keys: ["database"],
    optional: ["scope"],
    async run(e, env, ctx) { return new RefV(await evalString(e.database, env, ctx), { native: "databases" }); },
  },
  index: {
    keys: ["index"],
    optional: ["scope"],
    async run(e, env, ctx) { return new RefV(await evalString(e.index, env, ctx), { native: "indexes" }); },
  },
  ref: {
    keys: ["ref", "id"],
    async run(e, env, ctx) {
      const coll = await evalCollectionRef(e.ref, env, ctx);
      const id = await ev(e.id, env, ctx);
      if (typeof id !== "string" && typeof id !== "number") throw invalidArgument("String", id);
      return new RefV(String(id), { collection: coll.id });
    },
  },
  documents: {
    keys: ["documents"],
    async run(e, env, ctx) { return new SetV({ documents: await evalCollectionRef(e.documents, env, ctx) }); },
  },
  match: {
    keys: ["match"],
    optional: ["terms"],
    async run(e, env, ctx) {
      const index = await evalRef(e.match, env, ctx);
      if (index.native !== "indexes") throw invalidArgument("Index Ref", index);
      return new SetV({ index, terms: "terms" in e ? await ev(e.terms, env, ctx) : null });
    },
  },
  // reads
  get: {
    keys: ["get"],
    optional: ["ts"],
    async run(e, env, ctx) {
      const ref = await evalRef(e.get, env, ctx);
      const doc = await getByRef(ref, ctx);
      if (!doc) throw notFound(ref);
      return doc;
    },
  },
  exists: {
    keys: ["exists"],
    optional: ["ts"],
    async run(e, env, ctx) { return (await getByRef(await evalRef(e.exists, env, ctx), ctx)) !== undefined; },
  },
  paginate: {
    keys: ["paginate"],
    optional: ["size", "after", "before", "ts", "events", "sources", "cursor"],
    async run(e, env, ctx) {
      const set = await ev(e.paginate, env, ctx);
      if (!(set instanceof SetV)) throw invalidArgument("Set", set);
      const size = "size" in e ? await ev(e.size, env, ctx) : 64;
      if (typeof size !== "number" || size < 1 || size > 100_000) throw new QueryError(400, "invalid argument", "size must be between 1 and 100000");
      const rows = await readSet(set, ctx);
      const page: Record<string, Value> = rows.length > size ? { after: [rows[size]!], data: rows.slice(0, size) } : { data: rows };
      return page;
    },
  },
  // writes
  create: {
    keys: ["create"],
    optional: ["params"],
    async run(e, env, ctx) {
      const target = await evalRef(e.create, env, ctx);
      const params = await evalObject(e.params, env, ctx);
      const data = isPlain(params.data) ? (params.data as Record<string, unknown>) : {};
      const [collection, id] = target.native === "collections" ? [target.id, ctx.store.newId()] : target.collection ? [target.collection, target.id] : [undefined, ""];
      if (collection === undefined) throw new QueryError(400, "invalid argument", "Cannot create a schema meta collection.");
      await requireCollection(ctx, collection);
      const key = docKey(ctx.scope.path, collection, id);
      if (target.collection && (await read(ctx, key))) throw new QueryError(400, "instance already exists", "Document already exists.");
      return renderDoc(pending(write(ctx, { key, collection, id, data })));
    },
  },
  update: {
    keys: ["update", "params"],
    async run(e, env, ctx) { return replaceOrUpdate(e, env, ctx, "update"); },
  },
  replace: {
    keys: ["replace", "params"],
    async run(e, env, ctx) { return replaceOrUpdate(e, env, ctx, "replace"); },
  },
  delete: {
    keys: ["delete"],
    async run(e, env, ctx) {
      const ref = await evalRef(e.delete, env, ctx);
      if (!ref.collection) throw new QueryError(400, "invalid argument", "Cannot delete a schema meta collection.");
      const key = docKey(ctx.scope.path, ref.collection, ref.id);
      const doc = await read(ctx, key);
      if (!doc) throw notFound(ref);
      write(ctx, { key, collection: ref.collection, id: ref.id, data: { __deleted: true } });
      return renderDoc(doc);
    },
  },
  create_collection: {
    keys: ["create_collection"],
    async run(e, env, ctx) { return createSchema(ctx, "collections", await evalObject(e.create_collection, env, ctx), { history_days: 30 }); },
  },
  create_database: {
    keys: ["create_database"],
    async run(e, env, ctx) {
      adminOnly(ctx);
      const params = await evalObject(e.create_database, env, ctx);
      return createSchema(ctx, "databases", params, { global_id: ctx.store.newId() });
    },
  },
  create_index: {
    keys: ["create_index"],
    async run(e, env, ctx) {
      const params = await evalObject(e.create_index, env, ctx);
      const source = params.source;
      if (!(source instanceof RefV) || source.native !== "collections") throw new QueryError(400, "validation failed", "document data is not valid.");
      await requireCollection(ctx, source.id);
      const field = (x: Value) => (isPlain(x) && Array.isArray(x.field) ? { field: x.field } : isPlain(x) && typeof x.field === "string" ? { field: [x.field] } : undefined);
      const list = (x: Value | undefined) => (Array.isArray(x) ? x.map(field).filter((f) => f !== undefined) : undefined);
      return createSchema(ctx, "indexes", params, {
        source: source.id, unique: params.unique === true,
        ...(list(params.terms) ? { terms: list(params.terms) } : {}), ...(list(params.values) ? { values: list(params.values) } : {}),
      });
    },
  },
  create_key: {
    keys: ["create_key"],
    async run(e, env, ctx) {
      adminOnly(ctx);
      const params = await evalObject(e.create_key, env, ctx);
      const role = params.role;
      if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) throw new QueryError(400, "validation failed", "document data is not valid.");
      const db = params.database;
      if (db !== undefined && !(db instanceof RefV && db.native === "databases")) throw invalidArgument("Database Ref", db);
      if (db && !(await read(ctx, nativeKey(ctx.scope.path, "databases", db.id)))) throw new QueryError(400, "invalid ref", `Ref refers to undefined database '${db.id}'`);
      const path = db ? [...ctx.scope.path, db.id] : ctx.scope.path;
      const id = ctx.store.newId();
      const secret = encodeKeySecret(id);
      const doc = write(ctx, { key: keyDocKey(id), collection: "keys", id, data: { role, database: path.join("/"), hashed_secret: hashSecret(secret) } });
      return { ...renderSchema(pending(doc), "keys"), secret };
    },
  },
};

async function replaceOrUpdate(e: Record<string, unknown>, env: Env, ctx: Ctx, how: "update" | "replace"): Promise<Value> {
  const ref = await evalRef(e[how], env, ctx);
  if (!ref.collection) throw new QueryError(400, "invalid argument", `Cannot ${how} a schema meta collection.`);
  const key = docKey(ctx.scope.path, ref.collection, ref.id);
  const old = await read(ctx, key);
  if (!old) throw notFound(ref);
  const params = await evalObject(e.params, env, ctx);
  const given = isPlain(params.data) ? (params.data as Record<string, unknown>) : {};
  const data = how === "replace" ? given : mergeData(old.data, given);
  return renderDoc(pending(write(ctx, { key, collection: ref.collection, id: ref.id, data })));
}

/** Update's merge: nested objects merge, null removes a field. */
function mergeData(old: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...old };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = mergeData(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

function findForm(expr: Record<string, unknown>): FormSpec | undefined {
  const keys = Object.keys(expr);
  for (const k of keys) {
    const spec = FORMS[k];
    if (!spec) continue;
    const allowed = new Set([...spec.keys, ...(spec.optional ?? [])]);
    if (spec.keys.every((x) => x in expr) && keys.every((x) => allowed.has(x))) return spec;
  }
  return undefined;
}

async function evaluate(expr: unknown, env: Env, ctx: Ctx): Promise<Value> {
  if (Array.isArray(expr)) {
    const out: Value[] = [];
    for (const x of expr) out.push(await evaluate(x, env, ctx));
    return out;
  }
  if (!isPlain(expr)) return expr as Value;
  if ("object" in expr && Object.keys(expr).length === 1 && isPlain(expr.object)) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(expr.object)) out[k] = await evaluate(v, env, ctx);
    return out;
  }
  if ("@ref" in expr) return decodeRef(expr["@ref"]);
  if ("@ts" in expr) return new TimeV(Date.parse(String(expr["@ts"])) * 1000);
  if ("@obj" in expr && isPlain(expr["@obj"])) return expr["@obj"] as Value;
  const form = findForm(expr);
  if (!form) throw new QueryError(400, "invalid expression", `No form/function found, or invalid argument keys: { ${Object.keys(expr).join(", ")} }.`);
  return form.run(expr, env, ctx);
}

function decodeRef(raw: unknown): RefV {
  if (!isPlain(raw) || raw.id === undefined) throw new QueryError(400, "invalid expression", "Invalid ref.");
  const coll = isPlain(raw.collection) ? decodeRef(raw.collection["@ref"]) : undefined;
  const id = String(raw.id);
  if (!coll) return collectionRef(id);
  if (coll.native === "collections" && NATIVE.includes(coll.id)) return new RefV(id, { native: coll.id as Native });
  return new RefV(id, { collection: coll.id });
}

// ---- the wire form (FaunaDB's tagged JSON) ------------------------------------------------------------------------

const NATIVE_REF = (id: string) => ({ "@ref": { id } });

function refToWire(r: RefV): unknown {
  if (r.native) return { "@ref": { id: r.id, collection: NATIVE_REF(r.native) } };
  return { "@ref": { id: r.id, collection: { "@ref": { id: r.collection, collection: NATIVE_REF("collections") } } } };
}

function toWire(v: Value, txnMicros: number): unknown {
  if (v instanceof PendingTs) return txnMicros;
  if (v instanceof RefV) return refToWire(v);
  if (v instanceof TimeV) return { "@ts": microsToIso(v.micros) };
  if (v instanceof SetV) return { "@set": v.documents ? { documents: refToWire(v.documents) } : { match: refToWire(v.index!), terms: toWire(v.terms, txnMicros) } };
  if (v instanceof LambdaV) return { "@query": { lambda: v.params, expr: v.body } };
  if (Array.isArray(v)) return v.map((x) => toWire(x, txnMicros));
  if (isPlain(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toWire(x as Value, txnMicros);
    // Objects whose keys start with `@` are escaped with `@obj` on the wire.
    return Object.keys(out).some((k) => k.startsWith("@")) ? { "@obj": out } : out;
  }
  return v;
}

function microsToIso(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const frac = String(Math.round(micros % 1_000_000)).padStart(6, "0");
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

// ---- a query ------------------------------------------------------------------------------------------------------

/** Contended transactions are re-run this many times before the client gets 409 (FaunaDB retries them too). */
const CONTENTION_RETRIES = 5;
const CONTENTION_RETRY_MAX_DELAY_MS = 200;

const isContention = (e: unknown) => typeof e === "object" && e !== null && (e as { status?: unknown }).status === 409;

export interface Fql4Answer {
  status: number;
  body: unknown;
  /** The transaction time in µs (the `x-txn-time` header), on success. */
  txnMicros?: number;
}

export async function runFql4(body: unknown, store: Fql4Store, scope: Scope, commit: Commit): Promise<Fql4Answer> {
  for (let attempt = 0; ; attempt++) {
    try {
      const ctx: Ctx = { store, scope, txn: { reads: new Map(), writes: new Map() }, now: store.now() };
      let value: Value;
      try {
        value = await evaluate(body, new Map(), ctx);
      } catch (e) {
        // An error found by reading ("instance not found", an Abort on a balance) is an answer about the snapshot
        // too: FaunaDB gives it only once storage has applied through the snapshot (StorageEngine.scala readRow),
        // so its reads are checked as a read-only query's are; a failed check re-runs the query.
        if (e instanceof QueryError && ctx.txn.reads.size > 0) await commit({ reads: ctx.txn.reads, writes: new Map() });
        throw e;
      }
      const ts = ctx.txn.reads.size > 0 || ctx.txn.writes.size > 0 ? await commit(ctx.txn) : ctx.now;
      return { status: 200, body: { resource: toWire(value, ts * 1000) }, txnMicros: ts * 1000 };
    } catch (e) {
      if (isContention(e) && attempt < CONTENTION_RETRIES) {
        // `Query.scala` execute: "a 0-200ms additional delay between attempts" (maxDelayMillis).
        await new Promise((r) => setTimeout(r, Math.random() * CONTENTION_RETRY_MAX_DELAY_MS));
        continue;
      }
      return errorAnswer(e);
    }
  }
}

function errorAnswer(e: unknown): Fql4Answer {
  if (e instanceof QueryError) return { status: e.status, body: { errors: [{ position: [], code: e.code, description: e.message }] } };
  if (isContention(e)) return { status: 409, body: { errors: [{ code: "contended transaction", description: "Transaction was aborted due to detection of concurrent modification." }] } };
  const o = (typeof e === "object" && e !== null ? e : {}) as { status?: unknown; code?: unknown };
  const status = typeof o.status === "number" ? o.status : 500;
  const code = typeof o.code === "string" ? o.code : "internal server error";
  return { status, body: { errors: [{ code, description: e instanceof Error ? e.message : String(e) }] } };
}
