// How a client reaches a FaunaCluster's nodes when spec.tls is on (issue 13): the query API (8443) verified against
// the CA in ConfigMap `<name>-ca` and the server name `<svc>.<ns>.svc`; the admin API (8444) is mutual TLS, so a
// client that calls it (kubectl fauna admin, the demo, the harness's clock reads, tests) presents a short-lived
// client certificate issued here from the CA Secret `<name>-ca`. With `mode: Disabled` both stay cleartext, as before.
// The one place every client turns (cluster objects, FaunaCluster) into an Endpoint or admin TLS options.
import { adminClientCertName, caConfigMapName, caSecretName, namespaceOf, TLS_KEYS, tlsEnabled, tlsServerName } from "../api/funcs.ts";
import type { FaunaCluster } from "../api/types.ts";
import { issueCert } from "../faunacluster/tls/pki.ts";
import type { KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resource.ts";
import type { ClientCertTls, EndpointTls } from "../load/tls.ts";
import type { Endpoint } from "../load/load.ts";

/** A ConfigMap or Secret as read: `data` only (Secret values base64, ConfigMap values plain). */
export interface DataObject {
  data?: Record<string, string> | undefined;
}

/** Reads a ConfigMap or Secret; undefined when it does not exist. */
export interface ClusterObjects {
  get(kind: "configmap" | "secret", namespace: string, name: string): Promise<DataObject | undefined>;
}

/** Through kubectl (the harness, kubectl fauna, the test tiers). */
export function kubectlObjects(kubectl: (args: string[]) => Promise<string>): ClusterObjects {
  return {
    async get(kind, namespace, name) {
      const out = (await kubectl(["-n", namespace, "get", kind, name, "--ignore-not-found", "-o", "json"])).trim();
      return out ? (JSON.parse(out) as DataObject) : undefined;
    },
  };
}

/** Through the project's Kubernetes client (src/kube). */
export function kubeClientObjects(client: KubeClient): ClusterObjects {
  return {
    get: (kind, namespace, name) => client.find<DataObject & { metadata?: object }>(kind === "configmap" ? Resources.configMaps : Resources.secrets, { namespace, name }),
  };
}

export class ClusterTlsError extends Error {
  override name = "ClusterTlsError";
}

/** The query API's TLS: undefined when the cluster has TLS off; rejects when it is on and the CA is not there yet. */
export async function queryTls(objects: ClusterObjects, cluster: FaunaCluster): Promise<EndpointTls | undefined> {
  if (!tlsEnabled(cluster)) return undefined;
  const ns = namespaceOf(cluster);
  const name = caConfigMapName(cluster);
  const ca = (await objects.get("configmap", ns, name))?.data?.[TLS_KEYS.caCert];
  if (!ca?.trim()) throw new ClusterTlsError(`FaunaCluster ${ns}/${cluster.metadata.name} has TLS on (spec.tls.mode ${cluster.spec.tls?.mode ?? "Managed"}) but ConfigMap ${ns}/${name} holds no ${TLS_KEYS.caCert} yet: wait for the operator to create it`);
  return { ca, serverName: tlsServerName(cluster) };
}

/** `at` (a cluster IP, a NodePort, a port-forward to 8443), with TLS when the cluster has it. */
export async function queryEndpoint(objects: ClusterObjects, cluster: FaunaCluster, at: { domain: string; port: number }): Promise<Endpoint> {
  const tls = await queryTls(objects, cluster);
  return { domain: at.domain, port: at.port, ...(tls ? { tls } : {}) };
}

export interface AdminCertOptions {
  /** The client certificate's common name (default `fauna-operator-client`). */
  commonName?: string;
  now?: Date;
  /** Validity in days (default 1: the certificate is issued per use and kept in memory only). */
  days?: number;
}

/**
 * Admin API TLS options: a client certificate issued from the CA Secret, the CA, and the name to verify when the
 * node is reached by an address its certificate does not carry (`serverName`, default tlsServerName; a node's own
 * pod DNS name is in its certificate, so a caller dialing it may verify that instead). Undefined when TLS is off.
 */
export async function adminClientTls(objects: ClusterObjects, cluster: FaunaCluster, o: AdminCertOptions = {}): Promise<ClientCertTls | undefined> {
  if (!tlsEnabled(cluster)) return undefined;
  const ns = namespaceOf(cluster);
  if (cluster.spec.tls?.mode === "CertManager") {
    // cert-manager holds the CA's key: use the operator's client certificate, which the issuer signed.
    const secretName = adminClientCertName(cluster);
    const issued = (await objects.get("secret", ns, secretName))?.data ?? {};
    const read = (k: string) => (issued[k] ? Buffer.from(issued[k], "base64").toString("utf8") : "");
    const [ca, cert, key] = [read(TLS_KEYS.caCert), read(TLS_KEYS.cert), read(TLS_KEYS.key)];
    if (!ca || !cert || !key) throw new ClusterTlsError(`FaunaCluster ${ns}/${cluster.metadata.name} gets its certificates from cert-manager, and Secret ${ns}/${secretName} holds no ${TLS_KEYS.caCert}, ${TLS_KEYS.cert} and ${TLS_KEYS.key} yet: wait for cert-manager to issue it (kubectl describe certificate ${secretName})`);
    return { ca, cert, key, serverName: tlsServerName(cluster) };
  }
  const name = caSecretName(cluster);
  const data = (await objects.get("secret", ns, name))?.data ?? {};
  const decode = (k: string) => (data[k] ? Buffer.from(data[k], "base64").toString("utf8") : "");
  const ca = { cert: decode(TLS_KEYS.cert), key: decode(TLS_KEYS.key) };
  if (!ca.cert || !ca.key) throw new ClusterTlsError(`FaunaCluster ${ns}/${cluster.metadata.name} has TLS on but Secret ${ns}/${name} holds no CA (${TLS_KEYS.cert}, ${TLS_KEYS.key}) yet: wait for the operator to create it`);
  const pair = issueCert(ca, { commonName: o.commonName ?? "fauna-operator-client", usage: "client", now: o.now ?? new Date(), days: o.days ?? 1 });
  return { ca: ca.cert, cert: pair.cert, key: pair.key, serverName: tlsServerName(cluster) };
}
