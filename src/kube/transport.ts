// The HTTP seam under KubeClient: the real one authenticates through client-node's KubeConfig; tests pass a fake.
import { HttpMethod, IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from "@kubernetes/client-node";

export type HttpVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type TransportRequest = {
  method: HttpVerb;
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /**
   * Called right before the request leaves, after every await of the transport (authentication): throwing cancels
   * it. Fencing checks here too, so a process frozen between its first check and the send (SIGSTOP, a long GC)
   * does not write on resume.
   */
  beforeSend?: (() => void) | undefined;
};

export type TransportResponse = { status: number; body: string };

export interface Transport {
  /** Resolves with any HTTP status; rejects only when no answer arrived. */
  request(req: TransportRequest): Promise<TransportResponse>;
}

const METHODS = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
} as const;

/** `userAgent`: who is calling (client-go sends `<binary>/<version> ...`); audit logs show it. */
export type KubeConfigTransportOptions = { timeoutMs?: number; userAgent?: string | undefined };

export function kubeConfigTransport(kc: KubeConfig, opts: KubeConfigTransportOptions = {}): Transport {
  const http = new IsomorphicFetchHttpLibrary();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async request(req) {
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error("kubeconfig has no current cluster: set current-context or pass --kubeconfig");
      const url = new URL(cluster.server.replace(/\/$/, "") + req.path);
      for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      const ctx = new RequestContext(url.toString(), METHODS[req.method]);
      await kc.applySecurityAuthentication(ctx);
      ctx.setHeaderParam("Accept", "application/json");
      if (opts.userAgent) ctx.setHeaderParam("User-Agent", opts.userAgent);
      if (req.body !== undefined) {
        ctx.setHeaderParam("Content-Type", req.contentType ?? "application/json");
        ctx.setBody(req.body);
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      ctx.setSignal(req.signal ? AbortSignal.any([req.signal, timeout]) : timeout);
      req.beforeSend?.();
      const res = await http.send(ctx).toPromise();
      return { status: res.httpStatusCode, body: await res.body.text() };
    },
  };
}
