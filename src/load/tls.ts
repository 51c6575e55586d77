// The query API over TLS (issue 13): a FaunaCluster with `spec.tls.mode: Managed` serves 8443 with a certificate of
// its own CA only. The `faunadb` driver's default Node transport (node:http2) takes no CA, so a TLS endpoint goes
// through the driver's fetch adapter instead, with undici's fetch bound to an Agent that trusts the cluster's CA and
// checks the certificate against `serverName` (the client Service's DNS name), whatever address it dials: a cluster
// IP, a NodePort on a node, a port-forward.
import { Agent, fetch as undiciFetch } from "undici";

/** How a client verifies a TLS endpoint: the CA certificate (PEM) and the name the node's certificate must carry. */
export interface EndpointTls {
  ca: string;
  serverName: string;
}

/** A client's certificate for mutual TLS (the admin API, 8444), with the CA that verifies the server. */
export interface ClientCertTls extends EndpointTls {
  cert: string;
  key: string;
}

export interface TlsFetch {
  fetch: typeof globalThis.fetch;
  /** Closes the Agent's connections (pending requests are aborted). */
  close(): Promise<void>;
}

/**
 * A fetch over one undici Agent of its own: its connections belong to whoever holds it, so a client per operation
 * (or per few operations, the load's pool) still means a new TCP+TLS connection each time, and behind a Service
 * consecutive clients spread over its endpoints, as the cleartext http2 sessions do.
 */
export function tlsFetch(tls: EndpointTls | ClientCertTls): TlsFetch {
  const agent = new Agent({
    connect: {
      ca: tls.ca,
      servername: tls.serverName,
      rejectUnauthorized: true,
      ...("cert" in tls ? { cert: tls.cert, key: tls.key } : {}),
    },
  });
  const bound = ((input: Parameters<typeof undiciFetch>[0], init?: FetchInit) =>
    undiciFetch(input, { ...init, signal: nativeSignal(init?.signal), dispatcher: agent })) as unknown as typeof globalThis.fetch;
  return { fetch: bound, close: () => agent.destroy().catch(() => undefined) };
}

type FetchInit = Omit<NonNullable<Parameters<typeof undiciFetch>[1]>, "signal"> & { signal?: AbortLike | null };
interface AbortLike {
  aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
}

/**
 * The driver aborts through the `abort-controller` polyfill, whose signal undici's fetch refuses ("Expected
 * signal"): a native signal that follows it.
 */
function nativeSignal(signal: AbortLike | null | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  if (signal instanceof AbortSignal) return signal;
  const ctrl = new AbortController();
  if (signal.aborted) ctrl.abort();
  else signal.addEventListener("abort", () => ctrl.abort());
  return ctrl.signal;
}
