// /healthz (the process answers), /readyz (every readiness check passes), /metrics (Prometheus text).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export type ReadyCheck = { name: string; check: () => boolean };

export type HealthServerOptions = {
  port: number;
  host?: string | undefined;
  registry: Registry;
  readyChecks: () => readonly ReadyCheck[];
};

export type HealthServer = { port: number; close(): Promise<void> };

export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
    switch (path) {
      case "/healthz":
      case "/livez":
        return send(200, "ok\n");
      case "/readyz": {
        const failing = o.readyChecks().filter((c) => !c.check());
        if (failing.length === 0) return send(200, "ok\n");
        return send(503, failing.map((c) => `not ready: ${c.name}\n`).join(""));
      }
      case "/metrics":
        o.registry.metrics().then(
          (text) => send(200, text, o.registry.contentType),
          (err: unknown) => send(500, `metrics failed: ${String(err)}\n`),
        );
        return;
      default:
        return send(404, "not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
