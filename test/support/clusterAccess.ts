// How an integration test reaches an operator-managed cluster's nodes: the client Service's query API (8443) and a
// node's admin API (8444), over TLS when the FaunaCluster has it (spec.tls, on by default), in cleartext with
// `mode: Disabled`. Built on src/harness/clusterTls.ts, the helper every client uses.
import { PORTS } from "../../src/api/funcs.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { createHttpFaunaAdmin, type FaunaAdmin, type HttpFaunaAdminOptions } from "../../src/fauna/client.ts";
import { adminClientTls, kubectlObjects, queryEndpoint } from "../../src/harness/clusterTls.ts";
import type { Endpoint } from "../../src/load/load.ts";
import { tlsFetch, type ClientCertTls } from "../../src/load/tls.ts";

type Kubectl = (args: string[], input?: string) => Promise<string>;

export async function readFaunaCluster(kubectl: Kubectl, ns: string, name: string): Promise<FaunaCluster> {
  return JSON.parse(await kubectl(["-n", ns, "get", "faunacluster", name, "-o", "json"])) as FaunaCluster;
}

/** The client Service at its cluster IP, port 8443, with the CA and server name when TLS is on. */
export async function serviceEndpoint(kubectl: Kubectl, ns: string, name: string): Promise<Endpoint> {
  const clusterIP = (await kubectl(["-n", ns, "get", "service", name, "-o", "jsonpath={.spec.clusterIP}"])).trim();
  return queryEndpoint(kubectlObjects(kubectl), await readFaunaCluster(kubectl, ns, name), { domain: clusterIP, port: PORTS.api });
}

/** A client certificate for the admin API's mutual TLS, or undefined when TLS is off. */
export async function adminTls(kubectl: Kubectl, ns: string, name: string): Promise<ClientCertTls | undefined> {
  return adminClientTls(kubectlObjects(kubectl), await readFaunaCluster(kubectl, ns, name), { commonName: "integration-test" });
}

/** The admin client (src/fauna) as a test uses it, with the client certificate when TLS is on. */
export async function adminClient(kubectl: Kubectl, ns: string, name: string, o: Omit<HttpFaunaAdminOptions, "tls">): Promise<FaunaAdmin> {
  const tls = await adminTls(kubectl, ns, name);
  return createHttpFaunaAdmin({ ...o, ...(tls ? { tls } : {}) });
}

/**
 * A raw call to a node's admin API (`host` a pod IP or DNS name): http, or https with the client certificate, the
 * node verified by its DNS name, or by the client Service's name when `host` is an IP.
 */
export async function adminFetch(tls: ClientCertTls | undefined, host: string, path: string, init: RequestInit = {}): Promise<Response> {
  if (!tls) return fetch(`http://${host}:${PORTS.admin}${path}`, init);
  const transport = tlsFetch({ ...tls, serverName: /^[\d.]+$/.test(host) ? tls.serverName : host });
  try {
    const res = await transport.fetch(`https://${host}:${PORTS.admin}${path}`, init);
    const body = await res.arrayBuffer();
    return new Response(body, { status: res.status, headers: res.headers });
  } finally {
    await transport.close();
  }
}
