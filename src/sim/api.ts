// The query API port 8443: `/ping` (FACTS §5, `fql1/UtilRoutes.scala`) and FQL v4 `POST /` (FACTS §9). It speaks
// HTTP/1.1 (probes, curl) and cleartext HTTP/2 with prior knowledge (the `faunadb` driver uses node:http2),
// told apart by the HTTP/2 connection preface. With `http_ssl_key_file` it speaks TLS only, HTTP/2 or HTTP/1.1 by
// ALPN (HTTP/1.1 without ALPN), and asks for a client certificate only when `http_ssl_trust_file` is set
// (`CoreConfig.httpSSL`, src/sim/tls.ts).
import { createServer as createHttp1, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, createServer as createNet, type Server, type Socket } from "node:net";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { guard, type ServerTls } from "./tls.ts";
import { PING_DEFAULT_TIMEOUT_MS, PING_MESSAGES, internalErrorDescription, pingScopeOf, type PingScope } from "../fauna/wire.ts";
import { isRootKey } from "./config.ts";
import { FAUNADB_BUILD } from "./http.ts";
import { hashSecret, keyDocKey, keyIdOf, ROLES, runFql4, scopePrefix, type Role, type Scope } from "./fql4.ts";
import { prettyJson } from "./prettyJson.ts";
import { readAvailable } from "./model/cluster.ts";
import { ClusterError, type SimNode } from "./node.ts";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function send(res: Res, status: number, body: unknown, head = false, pretty = false): void {
  const text = pretty ? prettyJson(body) : JSON.stringify(body);
  const r = res as ServerResponse;
  r.writeHead(status, { "x-faunadb-build": FAUNADB_BUILD, "content-length": String(Buffer.byteLength(text)), "content-type": "application/json;charset=utf-8" });
  r.end(head ? undefined : text);
}

const errorBody = (code: string, description: string) => ({ errors: [{ code, description }] });

/**
 * Ping model: `node` is OK whenever the service runs; `read` needs an up node of a data replica; `write` needs
 * every log segment to have a majority (model/cluster.ts); `all` needs both. An unavailable scope waits for its
 * timeout, then answers 503 `time out` (`Scope write timed out after 1000 milliseconds`), as the real query would.
 * While shutting down every scope is 503 `Scope <s> is unavailable`.
 */
async function ping(node: SimNode, url: URL): Promise<{ status: number; body: unknown }> {
  const scope: PingScope = pingScopeOf(url.searchParams.get("scope"));
  const t = Number(url.searchParams.get("timeout"));
  const timeout = Number.isFinite(t) && url.searchParams.has("timeout") ? t : PING_DEFAULT_TIMEOUT_MS[scope];
  if (node.shuttingDown || !node.isMember()) return { status: 503, body: errorBody("time out", PING_MESSAGES.unavailable(scope)) };
  const ok = () => {
    const up = node.upSet();
    if (scope === "node") return true;
    if (scope === "read") return readAvailable(node.state, up);
    if (scope === "write") return node.canWrite();
    return node.canWrite() && readAvailable(node.state, up);
  };
  const deadline = Date.now() + timeout;
  while (!ok()) {
    if (Date.now() >= deadline) return { status: 503, body: errorBody("time out", PING_MESSAGES.timedOut(scope, timeout)) };
    await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
  }
  return { status: 200, body: { resource: PING_MESSAGES.ok(scope) } };
}

/**
 * The scope a request's secret grants (`ext/model/src/main/scala/auth/{Auth,AuthScope}.scala`): Bearer <secret> or
 * Basic base64(<secret>:); `<secret>`, `<secret>:<role>` or `<secret>:<db/path>:<role>`; the secret is a root key
 * (admin of the root database) or a key's secret (its role in its database). undefined = 401.
 */
async function authorize(node: SimNode, header: string | undefined): Promise<Scope | undefined> {
  const bearer = /^Bearer\s+(.+)$/i.exec(header ?? "");
  const basic = /^Basic\s+(.+)$/i.exec(header ?? "");
  const raw = bearer ? bearer[1]! : basic ? Buffer.from(basic[1]!, "base64").toString("utf8").replace(/:$/, "") : undefined;
  if (raw === undefined) return undefined;
  const [secret, ...rest] = raw.split(":");
  const role = rest.at(-1) as Role | undefined;
  const scoped = role !== undefined && ROLES.includes(role);
  const subPath = scoped && rest.length === 2 ? rest[0]!.split("/").filter(Boolean) : [];
  const base = isRootKey(node.config, secret!) ? { path: [], role: "admin" as Role } : await keyScope(node, secret!);
  if (!base) return undefined;
  if (subPath.length > 0 && base.role !== "admin") return undefined;
  const path = [...base.path, ...subPath];
  if (!(await databasesExist(node, path))) return undefined;
  return { path, role: scoped ? role : base.role };
}

const KEY_CACHE_MS = 10_000;
const known = new Map<string, { scope: Scope; until: number }>();

/** A key's database and role from its document (found by the ID in its secret), cached for a few seconds. */
async function keyScope(node: SimNode, secret: string): Promise<Scope | undefined> {
  const hit = known.get(secret);
  if (hit && hit.until > Date.now()) return hit.scope;
  const id = keyIdOf(secret);
  if (id === undefined) return undefined;
  const doc = await node.read(keyDocKey(id));
  if (!doc || doc.data.hashed_secret !== hashSecret(secret)) return undefined;
  const scope = { path: String(doc.data.database ?? "").split("/").filter(Boolean), role: String(doc.data.role) as Role };
  known.set(secret, { scope, until: Date.now() + KEY_CACHE_MS });
  return scope;
}

async function databasesExist(node: SimNode, path: readonly string[]): Promise<boolean> {
  for (let i = 0; i < path.length; i++) {
    const key = `${scopePrefix(path.slice(0, i))}databases/${path[i]}`;
    const hit = known.get(key);
    if (hit && hit.until > Date.now()) continue;
    if (!(await node.read(key))) return false;
    known.set(key, { scope: { path: [], role: "admin" }, until: Date.now() + KEY_CACHE_MS });
  }
  return true;
}

function readAll(req: Req): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}

let idSeq = 0;

async function handle(node: SimNode, req: Req, res: Res): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const head = req.method === "HEAD";
  if (url.pathname === "/ping") {
    if (req.method !== "GET" && !head) return send(res, 405, errorBody("method not allowed", "Allowed methods are GET."));
    const r = await ping(node, url);
    return send(res, r.status, r.body, head, true);
  }
  if (url.pathname === "/error") return send(res, 500, errorBody("internal server error", internalErrorDescription("Test error")));
  if (url.pathname === "/" && req.method === "POST") {
    const auth = req.headers.authorization;
    let scope: Scope | undefined;
    try {
      scope = await authorize(node, typeof auth === "string" ? auth : undefined);
    } catch {
      return send(res, 503, errorBody("time out", "Request timed out."));
    }
    if (!scope) return send(res, 401, errorBody("unauthorized", "Unauthorized"));
    let body: unknown;
    try {
      body = JSON.parse(await readAll(req));
    } catch {
      return send(res, 400, errorBody("invalid expression", "Request body is not valid JSON."));
    }
    const store = {
      now: () => node.clock.now(),
      newId: () => `${node.clock.now()}${String(idSeq++ % 1000).padStart(3, "0")}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`,
      read: (key: string) => logTimeOut(node, node.read(key)),
      scan: (prefix: string) => logTimeOut(node, node.scan(prefix)),
    };
    const r = await runFql4(body, store, scope, (txn) => logTimeOut(node, node.transact([...txn.reads], [...txn.writes.values()])));
    res.setHeader("x-txn-time", String(r.txnMicros ?? node.clock.now() * 1000));
    return send(res, r.status, r.body);
  }
  return send(res, 404, errorBody("not found", "Not Found"));
}

/** A query that times out says why in the node's log; the client gets FaunaDB's words only. */
function logTimeOut<T>(node: SimNode, work: Promise<T>): Promise<T> {
  return work.catch((e: unknown) => {
    if (e instanceof ClusterError && e.status === 503) node.log(`query timed out: ${e.detail ?? e.message}`);
    throw e;
  });
}

const H2_PREFACE = "PRI * HTTP/2.0";

function listen(server: Server, node: SimNode): Promise<Server> {
  return new Promise<Server>((ok, fail) => {
    server.once("error", fail);
    server.listen(node.config.apiPort, node.config.apiAddress, () => ok(server));
  });
}

/** Starts 8443, over TLS with `tls` (serverTls of the node's httpSsl); resolves once listening. */
export async function startApiServer(node: SimNode, tls?: ServerTls): Promise<Server> {
  const onRequest = (req: Req, res: Res) => {
    void handle(node, req, res).catch((e: unknown) => send(res, 500, errorBody("internal server error", String(e))));
  };
  if (tls) {
    const { createSecureServer } = await import("node:http2");
    const server = createSecureServer({ ...tls.options, allowHTTP1: true }, onRequest);
    guard(server, tls);
    return listen(server, node);
  }
  const h1 = createHttp1(onRequest);
  // node:http2 is loaded only when the API opens, to keep the node's start cheap.
  const { createServer: createH2 } = await import("node:http2");
  const h2 = createH2(onRequest);
  // node:http2 reads straight from the socket's native handle, so bytes already read to sniff the preface cannot
  // be handed back to it: HTTP/2 connections are relayed to a private h2c listener on loopback instead.
  await new Promise<void>((ok) => h2.listen(0, "127.0.0.1", () => ok()));
  const h2Port = (h2.address() as import("node:net").AddressInfo).port;
  const server = createNet((socket: Socket) => {
    socket.on("error", () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      if (chunk.toString("latin1", 0, H2_PREFACE.length) === H2_PREFACE) {
        const upstream = connect(h2Port, "127.0.0.1");
        upstream.on("error", () => socket.destroy());
        socket.on("close", () => upstream.destroy());
        upstream.on("close", () => socket.destroy());
        upstream.write(chunk);
        socket.pipe(upstream);
        upstream.pipe(socket);
        return;
      }
      socket.pause();
      socket.unshift(chunk);
      h1.emit("connection", socket);
      socket.resume();
    });
  });
  server.on("close", () => h2.close());
  return listen(server, node);
}
