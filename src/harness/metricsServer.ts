// Serves a registry's metrics at GET /metrics, on a TCP port or a Unix socket. The harness runs inside the local
// tier's network namespace; a socket file crosses it, so the host side relays a host port to it (relayToSocket),
// as the tier forwards its API server.
import { createServer, type Server } from "node:http";
import { connect, createServer as createTcp, type Server as NetServer } from "node:net";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { workDir } from "../localtier/paths.ts";
import type { Registry } from "prom-client";
import { splice } from "../localtier/splice.ts";

export type Listen = { port: number; host?: string } | { path: string };

export async function serveMetrics(registry: Registry, listen: Listen): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404).end("not found\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  if ("path" in listen) {
    mkdirSync(dirname(listen.path), { recursive: true });
    rmSync(listen.path, { force: true });
  }
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    if ("path" in listen) server.listen(listen.path, ok);
    else server.listen(listen.port, listen.host ?? "127.0.0.1", ok);
  });
  return server;
}

/** A host port whose connections go to a Unix socket (served from inside the tier's namespace). */
export async function relayToSocket(port: number, path: string, host = "127.0.0.1"): Promise<NetServer> {
  const relay = createTcp((client) => splice(client, connect(path)));
  await new Promise<void>((ok, fail) => {
    relay.once("error", fail);
    relay.listen(port, host, ok);
  });
  return relay;
}

/** The socket a run inside the tier serves its metrics on, in the tier's work dir (where the API socket is too). */
export const metricsSocket = (run: string) => join(workDir(), `${run}-metrics.sock`);

/** The inner harness serves here when the host side relays a port to it. */
export const METRICS_SOCKET_ENV = "FAUNA_HARNESS_METRICS_SOCKET";
export const DEFAULT_METRICS_PORT = 9479;

/**
 * The metrics endpoint of a harness run: on the socket the host relays to (METRICS_SOCKET_ENV), else on
 * 127.0.0.1:`port` where the run is (0 = none). Resolves to a stop function.
 */
export async function serveRunMetrics(registry: Registry, port: number, env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  const path = env[METRICS_SOCKET_ENV];
  if (!path && port === 0) return async () => {};
  const server = await serveMetrics(registry, path ? { path } : { port });
  return () => new Promise<void>((ok) => server.close(() => ok()));
}

/** Host side: 127.0.0.1:`port` relayed to `socket`, which the run inside the tier serves; the env tells it where. */
export async function relayRunMetrics(port: number, socket: string): Promise<() => Promise<void>> {
  if (port === 0) return async () => {};
  const relay = await relayToSocket(port, socket);
  process.env[METRICS_SOCKET_ENV] = socket;
  return () => new Promise<void>((ok) => relay.close(() => ok()));
}
