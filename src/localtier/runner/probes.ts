// Runs a container probe (httpGet, tcpSocket, exec) once, as the kubelet does: success is HTTP 200-399, a TCP
// connection, or exit code 0, within timeoutSeconds. `httpGet.scheme: HTTPS` is TLS as the kubelet's prober does it
// (k8s.io/kubernetes pkg/probe/http: `InsecureSkipVerify: true`, no client certificate, keep-alives off): any server
// certificate is accepted, a server that demands a client certificate fails the probe, each probe is a new connection.
import { connect } from "node:net";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { spawn } from "node:child_process";
import type { V1Container, V1Probe } from "@kubernetes/client-node";

export function resolvePort(container: V1Container, port: number | string): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe names port "${port}", which the container does not declare`);
  return named.containerPort;
}

export interface ProbeContext {
  podIP: string;
  container: V1Container;
  /** Runs an exec probe's command inside the pod's namespaces; resolves to its exit code. */
  exec?: (command: string[], timeoutMs: number) => Promise<number>;
}

export async function runProbe(probe: V1Probe, ctx: ProbeContext): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(ctx.container, g.port as number | string);
    const https = (g.scheme ?? "HTTP").toUpperCase() === "HTTPS";
    const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const options = { host: g.host ?? ctx.podIP, port, path: g.path ?? "/", method: "GET", headers, timeout: timeoutMs };
    return new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        https ? { ...options, rejectUnauthorized: false, agent: false } : options,
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400);
        },
      );
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = resolvePort(ctx.container, probe.tcpSocket.port as number | string);
    return new Promise((resolve) => {
      const s = connect({ host: probe.tcpSocket?.host ?? ctx.podIP, port, timeout: timeoutMs });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("timeout", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(false));
    });
  }
  if (probe.exec?.command?.length) {
    if (!ctx.exec) return false;
    return (await ctx.exec(probe.exec.command, timeoutMs)) === 0;
  }
  if (probe.grpc) throw new Error("grpc probes are not supported by the local tier");
  return true;
}

export function execIn(pid: number, env: Record<string, string>) {
  return (command: string[], timeoutMs: number): Promise<number> =>
    new Promise((resolve) => {
      const child = spawn("nsenter", ["-t", String(pid), "-m", "-u", "--", ...command], { env, stdio: "ignore" });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code ?? 1);
      });
      child.once("error", () => resolve(1));
    });
}
