// Per-replica headless Service: gives each node its stable DNS name (the broadcast address, FACTS §3.3). Not-ready
// pods must resolve too, since nodes must reach each other before 8443 opens (FACTS §5).
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import { COMPONENTS, headlessServiceName, PORTS, replicaSelector } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

/** FACTS §4: peer bus (cleartext and TLS), query API, admin API. */
export const NODE_PORTS: V1ServicePort[] = [
  { name: "peer", port: PORTS.peer, targetPort: "peer", protocol: "TCP" },
  { name: "peer-tls", port: PORTS.peerSecure, targetPort: "peer-tls", protocol: "TCP" },
  { name: "api", port: PORTS.api, targetPort: "api", protocol: "TCP" },
  { name: "admin", port: PORTS.admin, targetPort: "admin", protocol: "TCP" },
];

export function buildHeadlessService(cluster: FaunaCluster, replica: string): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: ownedMeta(cluster, headlessServiceName(cluster, replica), COMPONENTS.replica, replica),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: replicaSelector(cluster, replica),
      ports: NODE_PORTS.map((p) => ({ ...p })),
    },
  };
}
