// One private way to send an HTTP request to a node: Basic auth with the root key (FACTS §2), a timeout on
// every call, retries with exponential backoff on connection errors only, optional TLS (client certificate
// required by FaunaDB's admin TLS, FACTS §2). Answers come back as data; only unreachable/timed-out calls throw.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { AdminError } from "./errors.ts";

export interface AdminTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** FaunaDB's own CLI skips hostname checks on admin TLS (FACTS §1.2); default: verify. */
  verifyHostname?: boolean;
}

/** TLS for every node, or per node (a cluster turning TLS on rolls its pods one at a time: some speak it, some not). */
export type AdminTlsFor = AdminTls | ((node: string) => AdminTls | undefined);

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TransportOptions {
  rootKey: string;
  userAgent?: string | undefined;
  tls?: AdminTlsFor | undefined;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** An answer longer than this is cut off and fails the call (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number | undefined;
}

/**
 * Admin answers are small (a 100-node /admin/status is tens of KiB); a node that streams more is broken or hostile,
 * and reading it whole would let it exhaust the operator's memory.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface RawRequest {
  op: string;
  /** `host` or `host:port`: a pod IP or a stable DNS name. */
  node: string;
  port: number;
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** /ping needs no auth (FACTS §5). */
  auth?: boolean;
  /** Aborts the call (besides its timeout). */
  signal?: AbortSignal | undefined;
  /** Called before every attempt, retries included; throwing stops the call unsent (fencing). */
  beforeSend?: (() => void) | undefined;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Error codes of a socket that never got an answer: safe to retry, the request did nothing or is idempotent. */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);

export async function send(options: TransportOptions, req: RawRequest): Promise<RawAnswer> {
  let delay = options.retry.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    req.beforeSend?.();
    try {
      return await sendOnce(options, req);
    } catch (error) {
      const retry = error instanceof AdminError && error.kind === "connection" && attempt < options.retry.attempts && !req.signal?.aborted;
      if (!retry) throw error;
      await options.sleep(delay);
      delay = Math.min(delay * 2, options.retry.maxDelayMs);
    }
  }
}

function sendOnce(options: TransportOptions, req: RawRequest): Promise<RawAnswer> {
  const { host, port } = splitNode(req.node, req.port);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = { accept: "application/json", ...(options.userAgent ? { "user-agent": options.userAgent } : {}), ...req.headers };
  if (req.auth !== false) headers.authorization = basicAuth(options.rootKey);
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const tls = typeof options.tls === "function" ? options.tls(req.node) : options.tls;
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  const common = { host, port, method: req.method, path: req.path, headers, signal };
  return new Promise<RawAnswer>((resolve, reject) => {
    const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const tooLarge = () => {
        reject(new AdminError({ op: req.op, node: req.node, kind: "transport", status: res.statusCode, body: `answer larger than ${limit} bytes: not read` }));
        res.destroy();
      };
      if (Number(res.headers["content-length"] ?? 0) > limit) return tooLarge();
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > limit) return tooLarge();
        chunks.push(c);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: redact(Buffer.concat(chunks).toString("utf8"), options.rootKey) }),
      );
      res.on("error", (e) => reject(failure(req, e)));
    };
    const request = tls
      ? https.request({ ...common, agent: tlsAgent(tls, tls.verifyHostname === false || isIP(host) !== 0) }, onResponse)
      : http.request(common, onResponse);
    request.on("error", (e) => reject(failure(req, e)));
    request.end(payload);
  });
}

/** Keep-alive agents by TLS identity (CA, client certificate, hostname check): a cluster's calls share connections. */
const tlsAgents = new Map<string, https.Agent>();
const MAX_TLS_AGENTS = 256;

/**
 * The agent for calls with these TLS options. The options live on the agent, not on each request: Node pools no
 * socket of a request that brings its own `checkServerIdentity`, so every call was a full handshake
 * (bench/adminTls.ts). `skipHostname`: a node's certificate names its DNS name, not its pod IP (which changes):
 * reached by IP, the chain to the cluster's own CA is the check, as FaunaDB's CLI does (hostname checks off, FACTS §1.2).
 */
function tlsAgent(tls: AdminTls, skipHostname: boolean): https.Agent {
  const id = createHash("sha256").update(`${String(tls.ca)}\0${String(tls.cert)}\0${String(tls.key)}\0${skipHostname}`).digest("hex");
  let agent = tlsAgents.get(id);
  if (agent) {
    tlsAgents.delete(id); // most recently used last
  } else {
    agent = new https.Agent({
      keepAlive: true,
      scheduling: "lifo",
      // An idle connection is dropped before a server's usual 5 s keep-alive ends, so a call rarely meets a closing one
      // (and a reset before any answer is retried, `CONNECTION_CODES`).
      timeout: 4000,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      ...(skipHostname ? { checkServerIdentity: () => undefined } : {}),
    });
    const oldest = tlsAgents.size >= MAX_TLS_AGENTS ? tlsAgents.keys().next().value : undefined;
    if (oldest !== undefined) {
      tlsAgents.get(oldest)?.destroy();
      tlsAgents.delete(oldest);
    }
  }
  tlsAgents.set(id, agent);
  return agent;
}

function failure(req: RawRequest, error: Error & { code?: string }): AdminError {
  const timedOut = error.name === "AbortError" || error.name === "TimeoutError" || error.code === "ABORT_ERR";
  if (timedOut) return new AdminError({ op: req.op, node: req.node, kind: "timeout", cause: scrub(error) });
  const kind = error.code !== undefined && CONNECTION_CODES.has(error.code) ? "connection" : "transport";
  return new AdminError({ op: req.op, node: req.node, kind, body: error.code ?? error.message, cause: scrub(error) });
}

/** A cause without request options attached, so the key cannot leak through `error.cause`. */
function scrub(error: Error & { code?: string }): Error {
  const clean = new Error(error.message);
  clean.name = error.name;
  return clean;
}

export function basicAuth(rootKey: string): string {
  // Username = root key, empty password (FACTS §2).
  return `Basic ${Buffer.from(`${rootKey}:`).toString("base64")}`;
}

/** Removes the root key (plain or as its Basic-auth encoding) from text that may end up in a message. */
export function redact(text: string, rootKey: string): string {
  if (rootKey.length === 0) return text;
  const encoded = Buffer.from(`${rootKey}:`).toString("base64");
  return text.split(rootKey).join("<redacted>").split(encoded).join("<redacted>");
}

export function splitNode(node: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(node);
  if (m && !m[1]!.includes(":")) return { host: m[1]!, port: Number(m[2]) };
  return { host: node, port: defaultPort };
}
