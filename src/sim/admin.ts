// The admin HTTP API on 8444 with FaunaDB's paths, auth, bodies and errors (FACTS §2;
// `ext/api/src/main/scala/api/AdminApplication.scala`). Auth runs before routing, as in the source. Cleartext
// HTTP/1.1 by default; with `admin_ssl_key_file` TLS only, client certificate required, HTTP/2 or HTTP/1.1 by ALPN
// (`CoreConfig.adminSSL`, src/sim/tls.ts).
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Server } from "node:net";
import { guard, type ServerTls } from "./tls.ts";
import {
  ADMIN_MESSAGES,
  internalErrorDescription,
  uncaughtExceptionDescription,
  type AdminErrorBody,
} from "../fauna/wire.ts";
import { advertisedPeerPort, isRootKey, type SimConfig } from "./config.ts";
import { parseJsonObject, readBody, sendJson } from "./http.ts";
import {
  checkRemoval,
  emptyState,
  initCluster,
  nextWorkerId,
  isValidReplicaName,
  replicaInfo,
  replicationEtagSource,
  validateReplication,
  withLeaving,
  withMovementFrom,
  withoutMember,
  withReplication,
} from "./model/cluster.ts";
import { movementStatus, statusResponse } from "./model/status.ts";
import { ClusterError, type SimNode } from "./node.ts";

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const err = (status: number, code: string, description: string): Reply => ({
  status,
  body: { errors: [{ code, description }] } satisfies AdminErrorBody,
});
const badRequest = (d: string) => err(400, "bad request", d);
const internal = (d: string) => err(500, "internal server error", internalErrorDescription(d));
const unauthorized: Reply = { ...err(401, "unauthorized", ADMIN_MESSAGES.unauthorized), headers: { "www-authenticate": 'Basic realm="Unauthorized"' } };

/** `Authorization: Basic base64("<root key>:")`: the password part is ignored; Bearer is refused (FACTS §2). */
export function adminAuthorized(header: string | undefined, config: Pick<SimConfig, "rootKeys" | "rootKeyHashes">): boolean {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const secret = decoded.includes(":") ? decoded.slice(0, decoded.indexOf(":")) : decoded;
  return isRootKey(config, secret);
}

export function replicationEtag(node: SimNode): string {
  return createHash("sha1").update(replicationEtagSource(node.state), "utf8").digest("base64url");
}

/** A request over HTTP/1.1 (cleartext or TLS) or HTTP/2 (TLS): the compatibility API reads the same. */
type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

type Handler = (node: SimNode, body: Record<string, unknown>, req: Req, rest: string) => Promise<Reply> | Reply;

function replicaNameError(node: SimNode, body: Record<string, unknown>): Reply | undefined {
  const name = body.replica_name;
  if (typeof name !== "string") return badRequest(ADMIN_MESSAGES.replicaNameRequired);
  if (!isValidReplicaName(name)) return badRequest(ADMIN_MESSAGES.replicaNameInvalid);
  const current = node.identity.replicaName;
  if (current !== undefined && current !== name) return badRequest(ADMIN_MESSAGES.replicaNameAlreadySet(current));
  if (current === undefined) node.setReplicaName(name);
  return undefined;
}

/**
 * A node never initialised or joined has no `CassandraService`: routes that use it fail with its
 * `UninitializedException`, which handleRequest's catch-all turns into a 500 (golden 01/02; FACTS Corrections 1).
 */
const uninitialized = (): Reply =>
  err(500, "internal server error", uncaughtExceptionDescription("fauna.repo.UninitializedException", "FaunaDB Service is uninitialized"));

/** Runs `h` only once the node's cluster service exists (a replica name is stored). */
const withService =
  (h: Handler): Handler =>
  (node, body, req, rest) =>
    node.serviceStarted() ? h(node, body, req, rest) : uninitialized();

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `TimeBound.toString`: `TimeBound(<duration.toCoarsest>)`, e.g. `TimeBound(5 minutes)`. */
function timeBound(ms: number): string {
  const units: [number, string][] = [[86_400_000, "day"], [3_600_000, "hour"], [60_000, "minute"], [1000, "second"], [1, "millisecond"]];
  const [size, name] = units.find(([u]) => ms % u === 0 && ms >= u) ?? [1, "millisecond"];
  const n = ms / size;
  return `TimeBound(${n} ${name}${n === 1 ? "" : "s"})`;
}

/** `CassandraService.initCluster` on a node whose service now exists: membership init, topology, daemon start. */
function initNode(node: SimNode): Promise<boolean> {
  if (node.initializing) return node.initializing.then(() => false);
  const run = (async () => {
    await sleep(node.tuning.initMs);
    if (node.isMember()) return false;
    const me = { hostId: node.identity.hostId, address: node.config.broadcastAddress, peerPort: advertisedPeerPort(node.config), replica: node.identity.replicaName!, workerId: nextWorkerId(emptyState(), node.config.minWorkerId, node.config.maxWorkerId) ?? node.config.minWorkerId, leaving: false, joinedAt: node.clock.now() };
    node.state = { ...initCluster(me), version: node.state.version + 1 };
    node.owns = 1; // a new cluster's only node owns the whole (empty) ring at once
    node.dataSince = node.clock.now();
    node.running = true;
    node.persist();
    node.onMember?.();
    return true;
  })();
  node.initializing = run;
  void run.finally(() => (node.initializing = undefined));
  return run;
}

/** `CassandraService.removeNode`: the cleanliness check (unless allowed unclean), then `NodeRemoval.removeNode`. */
async function removeNode(node: SimNode, id: string, force: boolean, allowUnclean: boolean): Promise<Reply> {
  if (!allowUnclean) {
    const clean = await node.allClean(id, node.tuning.cleanCheckTimeoutMs);
    if ("timedOut" in clean)
      return badRequest(`Timed out checking cleanliness of cfs: all. Deadline: ${timeBound(node.tuning.cleanCheckTimeoutMs)}. Recipient: ${clean.timedOut}.`);
    if (!clean.clean) return badRequest(ADMIN_MESSAGES.storageNotClean);
  }
  const check = checkRemoval(node.state, id, force, node.upSet().has(id), node.identity.hostId);
  if (!check.ok) return badRequest(check.message);
  const movementFrom = node.clock.now() + node.tuning.movementStartMs;
  const owns = node.views().get(id)?.owns ?? 0;
  if (check.kind === "forced") await node.propose((s) => withMovementFrom(withoutMember(s, id, owns), movementFrom));
  if (check.kind === "graceful") await node.propose((s) => withMovementFrom(withLeaving(s, id), movementFrom));
  return { status: 204 };
}

const routes: Record<string, Partial<Record<string, Handler>>> = {
  "/admin/init": {
    POST: async (node, body) => {
      const e = replicaNameError(node, body);
      if (e) return e;
      if (node.isMember()) return { status: 200, body: { changed: false } };
      return { status: 200, body: { changed: await initNode(node) } };
    },
  },
  "/admin/join": {
    POST: async (node, body) => {
      if (typeof body.seed !== "string") return badRequest(ADMIN_MESSAGES.noSeed);
      const e = replicaNameError(node, body);
      if (e) return e;
      return { status: 200, body: { changed: await node.join(body.seed) } };
    },
  },
  "/admin/status": {
    GET: withService((node) =>
      node.isMember()
        ? { status: 200, body: statusResponse(node.state, node.views(), node.electingSegments()) }
        : err(503, "cluster uninitialized", ADMIN_MESSAGES.statusUninitialized)),
  },
  "/admin/identity": {
    GET: (node) => {
      if (node.isMember()) return { status: 200, body: { identity: node.identity.hostId } };
      return internal(node.serviceStarted() ? ADMIN_MESSAGES.notMember : ADMIN_MESSAGES.notInitialized);
    },
  },
  "/admin/host-id": {
    POST: withService((node, body) => {
      const m = node.state.members.find((x) => x.address === body.node);
      return m ? { status: 200, body: { identity: m.hostId } } : badRequest(ADMIN_MESSAGES.hostUnknown);
    }),
  },
  "/admin/remove_node": {
    POST: async (node, body) => {
      if (typeof body.nodeID !== "string") return badRequest(ADMIN_MESSAGES.noNodeId);
      if (!node.serviceStarted()) return uninitialized();
      const id = body.nodeID;
      const target = node.state.members.find((m) => m.hostId === id);
      const isCompute = target !== undefined && !target.leaving && !node.state.dataReplicas.includes(target.replica);
      const allowUnclean = typeof body.allow_unclean === "boolean" ? body.allow_unclean : isCompute;
      return removeNode(node, id, body.force === true, allowUnclean);
    },
  },
  "/admin/replication": {
    GET: withService((node) => ({ status: 200, body: { resource: { replicas: replicaInfo(node.state) } }, headers: { etag: replicationEtag(node) } })),
    PUT: withService(async (node, body, req) => {
      const ifMatch = req.headers["if-match"];
      const result = validateReplication(node.state, body, replicationEtag(node), typeof ifMatch === "string" ? ifMatch : undefined);
      if (!result.ok) {
        if (result.status === 412) return err(412, "precondition failed", ADMIN_MESSAGES.preconditionFailed);
        if (result.status === 400) return badRequest(result.message);
        return err(500, "internal server error", uncaughtExceptionDescription("java.lang.IllegalArgumentException", result.message));
      }
      const now = node.clock.now();
      await node.propose((s) => withMovementFrom(withReplication(s, result.data, result.log, now, node.tuning.settleMs), now + node.tuning.movementStartMs));
      return { status: 204 };
    }),
  },
  "/admin/movement_status": {
    GET: withService((node) => ({ status: 200, body: { resource: { movement_status: movementStatus(node.state, node.views(), node.clock.now()) } } })),
  },
  "/admin/storage/clean": {
    GET: withService((node) => ({ status: 200, body: { resources: { clean: node.needsCleanup() } } })),
    PUT: withService((node) => {
      node.scheduleCleanup();
      return { status: 200, body: { resource: "ok" } };
    }),
  },
  // Simulator-only debug path (not in FaunaDB): the fault switch of issue 4.
  "/admin/debug/sim-fault": {
    GET: (node) => ({ status: 200, body: faultState(node) }),
    PUT: (node, body) => {
      if ("drop_acked_writes" in body) node.dropAckedWrites = body.drop_acked_writes === true;
      if ("cut_off_agent" in body) node.cutOffAgent = typeof body.cut_off_agent === "string" && body.cut_off_agent !== "" ? body.cut_off_agent : null;
      return { status: 200, body: faultState(node) };
    },
  },
};

function faultState(node: SimNode) {
  return { drop_acked_writes: node.dropAckedWrites, cut_off_agent: node.cutOffAgent };
}

function lookup(path: string): { methods: Partial<Record<string, Handler>>; rest: string } | undefined {
  if (routes[path]) return { methods: routes[path], rest: "" };
  if (path.startsWith("/admin/storage/clean/")) return { methods: { GET: routes["/admin/storage/clean"]!.GET! }, rest: path.slice(21) };
  return undefined;
}

export async function handleAdmin(node: SimNode, req: Req): Promise<Reply> {
  const auth = req.headers.authorization;
  if (!adminAuthorized(auth, node.config)) return unauthorized;
  const path = new URL(req.url ?? "/", "http://x").pathname.replace(/\/+$/, "") || "/";
  const route = lookup(path);
  if (!route) return err(404, "not found", ADMIN_MESSAGES.notFound);
  const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
  const handler = route.methods[method];
  if (!handler) {
    const allowed = Object.keys(route.methods);
    return { ...err(405, "method not allowed", ADMIN_MESSAGES.methodNotAllowed(allowed)), headers: { allow: allowed.join(", ") } };
  }
  const body = parseJsonObject(await readBody(req));
  try {
    return await handler(node, body, req, route.rest);
  } catch (e) {
    if (e instanceof ClusterError) return err(e.status, e.code, e.message);
    return internal(e instanceof Error ? e.message : String(e));
  }
}

/** One line per request that changes the cluster, with who sent it (address, User-Agent): who acted, and when. */
function logWrite(node: SimNode, req: Req, status: number): void {
  if (req.method === "GET" || req.method === "HEAD") return;
  const agent = req.headers["user-agent"] ?? "-";
  node.log(`admin ${req.method} ${req.url ?? "/"} from ${req.socket.remoteAddress ?? "?"} agent=${JSON.stringify(agent)} -> ${status}`);
}

/**
 * The fault `cut_off_agent` (set through /admin/debug/sim-fault, never FaunaDB's behaviour): requests whose User-Agent
 * contains it get no answer, their connection is reset, as a NetworkPolicy, a DNS outage or a firewall would do to
 * one client while the cluster and its other clients carry on. The debug route itself stays reachable.
 */
function cutOff(node: SimNode, req: Req): boolean {
  const agent = req.headers["user-agent"] ?? "";
  return node.cutOffAgent !== null && agent.includes(node.cutOffAgent) && !(req.url ?? "").startsWith("/admin/debug/");
}

/** Resets the request's connection (an HTTP/2 socket may not be touched: its session is destroyed instead). */
function reset(req: Req): void {
  if ("stream" in req) req.stream.session?.destroy();
  else req.socket.destroy();
}

/**
 * The admin server, not yet listening: cleartext HTTP/1.1, or with `tls` (serverTls of the node's adminSsl) an
 * HTTP/2 TLS server that also takes HTTP/1.1 by ALPN. A client the TLS options refuse (no certificate, or one the
 * trust does not vouch for) fails in the handshake and never reaches a route.
 */
export async function adminServer(node: SimNode, tls?: ServerTls): Promise<Server> {
  const onRequest = (req: Req, res: Res) => {
    if (cutOff(node, req)) {
      reset(req);
      return;
    }
    void handleAdmin(node, req).then(
      (r) => {
        logWrite(node, req, r.status);
        sendJson(res, r.status, r.status === 204 ? undefined : r.body, r.headers, req.method === "HEAD");
      },
      (e: unknown) => sendJson(res, 500, { errors: [{ code: "internal server error", description: String(e) }] }),
    );
  };
  if (!tls) return createServer(onRequest);
  // node:http2 is loaded only for a TLS node, to keep the cleartext node's start cheap.
  const { createSecureServer } = await import("node:http2");
  const server = createSecureServer({ ...tls.options, allowHTTP1: true }, onRequest);
  guard(server, tls);
  return server;
}
