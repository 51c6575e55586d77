// The slice of FQL v4 (`POST /` with the JSON AST, FACTS §9) that the `faunadb` driver sends to create a
// collection, create a document and get it back: CreateCollection, Collection, Create, Get, Ref, Exists, object
// literals. Values come back in FaunaDB's wire form (`@ref` tags), so the driver decodes them into Ref objects.
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

export interface Fql4Store {
  now(): number;
  newId(): string;
  read(key: string): Promise<Doc | undefined>;
  commit(doc: Doc): Promise<Doc>;
}

interface RefValue {
  ref: true;
  id: string;
  /** Collection name, or undefined for a collection ref itself. */
  collection?: string;
}

type Value = null | boolean | number | string | Value[] | { [k: string]: Value } | RefValue;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isRef = (v: unknown): v is RefValue => isObj(v) && v.ref === true && typeof v.id === "string";

const collectionKey = (name: string) => `collections/${name}`;
const docKey = (collection: string, id: string) => `${collection}/${id}`;

async function evaluate(expr: unknown, store: Fql4Store): Promise<Value> {
  if (!isObj(expr)) {
    if (Array.isArray(expr)) return Promise.all(expr.map((e) => evaluate(e, store)));
    return expr as Value;
  }
  if ("object" in expr && isObj(expr.object)) {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(expr.object)) out[k] = await evaluate(v, store);
    return out;
  }
  if ("@ref" in expr) return decodeRef(expr["@ref"]);
  if ("collection" in expr && Object.keys(expr).length === 1) return { ref: true, id: String(await evaluate(expr.collection, store)) };
  if ("ref" in expr && "id" in expr) {
    const coll = await evaluate(expr.ref, store);
    if (!isRef(coll) || coll.collection !== undefined) throw new QueryError(400, "invalid argument", "Collection Ref expected.");
    return { ref: true, id: String(await evaluate(expr.id, store)), collection: coll.id };
  }
  if ("create_collection" in expr) {
    const params = await evaluate(expr.create_collection, store);
    const name = isObj(params) ? params.name : undefined;
    if (typeof name !== "string") throw new QueryError(400, "validation failed", "document data is not valid.");
    if (await store.read(collectionKey(name))) throw new QueryError(400, "instance already exists", "Collection already exists.");
    const doc = await store.commit({ key: collectionKey(name), collection: "collections", id: name, ts: store.now(), data: { name, history_days: 30 } });
    return encodeCollection(doc);
  }
  if ("create" in expr) {
    const coll = await evaluate(expr.create, store);
    if (!isRef(coll) || coll.collection !== undefined) throw new QueryError(400, "invalid argument", "Collection Ref expected.");
    if (!(await store.read(collectionKey(coll.id)))) throw new QueryError(400, "invalid ref", "Ref refers to undefined collection.");
    const params = "params" in expr ? await evaluate(expr.params, store) : {};
    const data = isObj(params) && isObj(params.data) ? (params.data as Record<string, unknown>) : {};
    const id = store.newId();
    const doc = await store.commit({ key: docKey(coll.id, id), collection: coll.id, id, ts: store.now(), data });
    return encodeDoc(doc);
  }
  if ("get" in expr || "exists" in expr) {
    const ref = await evaluate("get" in expr ? expr.get : expr.exists, store);
    if (!isRef(ref)) throw new QueryError(400, "invalid argument", "Ref expected.");
    const doc = await store.read(ref.collection === undefined ? collectionKey(ref.id) : docKey(ref.collection, ref.id));
    if ("exists" in expr) return doc !== undefined;
    if (!doc) throw new QueryError(404, "instance not found", "Document not found.");
    return ref.collection === undefined ? encodeCollection(doc) : encodeDoc(doc);
  }
  throw new QueryError(400, "invalid expression", "No form/function found, or invalid argument keys: { " + Object.keys(expr).join(", ") + " }.");
}

function decodeRef(raw: unknown): RefValue {
  if (!isObj(raw)) throw new QueryError(400, "invalid expression", "Invalid @ref.");
  const coll = isObj(raw.collection) ? decodeRef(raw.collection["@ref"]) : undefined;
  if (coll && coll.id !== "collections") return { ref: true, id: String(raw.id), collection: coll.id };
  return { ref: true, id: String(raw.id) };
}

function encodeCollection(doc: Doc): Record<string, Value> {
  return { ref: { ref: true, id: doc.id }, ts: doc.ts * 1000, history_days: 30, name: doc.id };
}
function encodeDoc(doc: Doc): Record<string, Value> {
  return { ref: { ref: true, id: doc.id, collection: doc.collection }, ts: doc.ts * 1000, data: doc.data as Record<string, Value> };
}

/** FaunaDB's tagged wire form. */
function toWire(v: Value): unknown {
  if (isRef(v)) {
    const collections = { "@ref": { id: "collections" } };
    if (v.collection === undefined) return { "@ref": { id: v.id, collection: collections } };
    return { "@ref": { id: v.id, collection: { "@ref": { id: v.collection, collection: collections } } } };
  }
  if (Array.isArray(v)) return v.map(toWire);
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toWire(x as Value);
    // Objects whose keys start with `@` are escaped with `@obj` on the wire.
    return Object.keys(out).some((k) => k.startsWith("@")) ? { "@obj": out } : out;
  }
  return v;
}

export async function runFql4(body: unknown, store: Fql4Store): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: { resource: toWire(await evaluate(body, store)) } };
  } catch (e) {
    if (e instanceof QueryError) return { status: e.status, body: { errors: [{ position: [], code: e.code, description: e.message }] } };
    const status = isObj(e) && typeof e.status === "number" ? e.status : 500;
    const code = isObj(e) && typeof e.code === "string" ? e.code : "internal server error";
    return { status, body: { errors: [{ code, description: e instanceof Error ? e.message : String(e) }] } };
  }
}
