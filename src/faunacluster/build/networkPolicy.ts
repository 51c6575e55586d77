// Who may talk to FaunaDB pods: anyone to the query API (8443); only the operator to the admin API (8444), which is
// guarded by nothing but the root key once bound to the pod IP (FACTS §2); only cluster members to the peer bus.
import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicySpec } from "@kubernetes/client-node";
import { clusterSelector, COMPONENTS, networkPolicyName, OPERATOR_POD_LABELS, PORTS } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

/**
 * V1NetworkPolicy as sent on the wire. The client-node model calls the `from` field `_from` (renamed only by its
 * ObjectSerializer); our KubeClient sends plain JSON, and a `_from` would be pruned, opening the ports to everyone.
 */
export type IngressRuleWire = Omit<V1NetworkPolicyIngressRule, "_from"> & { from?: V1NetworkPolicyPeer[] };
export type NetworkPolicyWire = Omit<V1NetworkPolicy, "spec"> & { spec: Omit<V1NetworkPolicySpec, "ingress"> & { ingress: IngressRuleWire[] } };

export function buildNetworkPolicy(cluster: FaunaCluster): NetworkPolicyWire {
  const members = clusterSelector(cluster);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: ownedMeta(cluster, networkPolicyName(cluster), COMPONENTS.networkPolicy),
    spec: {
      podSelector: { matchLabels: members },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: members } }],
          ports: [
            { protocol: "TCP", port: PORTS.peer },
            { protocol: "TCP", port: PORTS.peerSecure },
          ],
        },
        {
          // Any namespace: the operator runs in its own (fauna-operator-system).
          from: [{ namespaceSelector: {}, podSelector: { matchLabels: { ...OPERATOR_POD_LABELS } } }],
          ports: [{ protocol: "TCP", port: PORTS.admin }],
        },
        { ports: [{ protocol: "TCP", port: PORTS.api }] },
      ],
    },
  };
}
