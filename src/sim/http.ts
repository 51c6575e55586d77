// Small HTTP helpers for the simulator (node:http only, to keep start time and RSS low).
import { request, type ServerResponse } from "node:http";
import { type Agent as HttpsAgent, request as tlsRequest } from "node:https";
import type { Http2ServerResponse } from "node:http2";
import type { Readable } from "node:stream";

export function readBody(req: Readable, limit = 16 * 1024 * 1024): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error("body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The build a real node names in every HTTP answer (golden recordings: `x-faunadb-build: 25.02.07.dev-4f8f8be`). */
export const FAUNADB_BUILD = "25.02.07.dev-4f8f8be";

/** A JSON answer as FaunaDB's admin port sends it; `body` undefined (204) sends no content headers, as FaunaDB. */
export function sendJson(answer: ServerResponse | Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
  const res = answer as ServerResponse; // the HTTP/2 compatibility response has the same writeHead/end
  if (body === undefined) {
    res.writeHead(status, { "x-faunadb-build": FAUNADB_BUILD, ...headers });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "x-faunadb-build": FAUNADB_BUILD, "content-length": Buffer.byteLength(text), "content-type": "application/json;charset=utf-8", ...headers });
  res.end(head ? undefined : text);
}

export interface PeerReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POST JSON to host:port/path with a timeout; rejects on connection errors and timeouts. `localAddress`: the address
 * to send from (a pod's traffic leaves from its IP; in the local tier, where every pod shares one network namespace,
 * only a bound source shows which pod sent a packet). `tlsAgent`: over TLS, through that agent.
 *
 * A kept-alive socket the server closes just as a request is put on it fails that request with ECONNRESET before the
 * server has read it; such a request is sent once more on a new socket (Node's documented `reusedSocket` pattern).
 * FaunaDB's message bus keeps its connections open, so a closed idle socket must not fail a transaction here.
 */
export async function postJson(host: string, port: number, path: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}, localAddress?: string, tlsAgent?: HttpsAgent): Promise<PeerReply> {
  try {
    return await postJsonOnce(host, port, path, body, timeoutMs, headers, localAddress, tlsAgent);
  } catch (e) {
    if (!(e instanceof StaleSocketError)) throw e;
    return postJsonOnce(host, port, path, body, timeoutMs, headers, localAddress, tlsAgent);
  }
}

/** The server had closed the kept-alive socket the request went out on. */
class StaleSocketError extends Error {}

function postJsonOnce(host: string, port: number, path: string, body: unknown, timeoutMs: number, headers: Record<string, string>, localAddress: string | undefined, tlsAgent: HttpsAgent | undefined): Promise<PeerReply> {
  return new Promise((resolveReply, reject) => {
    const data = JSON.stringify(body);
    const req = (tlsAgent ? tlsRequest : request)(
      { host, port, path, method: "POST", timeout: timeoutMs, agent: tlsAgent ?? false, ...(localAddress ? { localAddress } : {}), headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers } },
      (res) => {
        readBody(res).then((text) => resolveReply({ status: res.statusCode ?? 0, body: parseJsonObject(text) }), reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) => {
      reject(req.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE") ? new StaleSocketError(e.message, { cause: e }) : e);
    });
    req.end(data);
  });
}
