// Minimal HTTP(S) GET for health checks, with the tier's CA or without verification (component self-signed certs).
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";

export interface GetOptions {
  ca?: Buffer;
  token?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

export function httpGet(url: string, opts: GetOptions = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const req = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      u,
      {
        method: "GET",
        ca: opts.ca,
        rejectUnauthorized: !opts.insecure,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        timeout: opts.timeoutMs ?? 2000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on("timeout", () => r.destroy(new Error(`GET ${url} timed out`)));
    r.on("error", reject);
    r.end();
  });
}
