// Who may talk to FaunaDB pods: anyone to the query API (8443); only the operator's pods, in the operator's own
// namespace, to the admin API (8444), which is guarded by nothing but the root key (FACTS §2); only this cluster's
// pods to the peer bus (7500/7501). Out of a pod: the peer bus to this cluster's pods, and DNS (peers are found by
// their stable DNS names); nothing else.
import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicySpec } from "@kubernetes/client-node";
import { clusterSelector, COMPONENTS, networkPolicyName, OPERATOR_POD_LABELS, PORTS } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

/**
 * V1NetworkPolicy as sent on the wire. The client-node model calls the `from` field `_from` (renamed only by its
 * ObjectSerializer); our KubeClient sends plain JSON, and a `_from` would be pruned, opening the ports to everyone.
 */
export type IngressRuleWire = Omit<V1NetworkPolicyIngressRule, "_from"> & { from?: V1NetworkPolicyPeer[] };
export type NetworkPolicyWire = Omit<V1NetworkPolicy, "spec"> & {
  spec: Omit<V1NetworkPolicySpec, "ingress"> & { ingress: IngressRuleWire[] };
};

export type NetworkPolicyOptions = {
  /** The namespace the operator's pods run in (the Deployment's POD_NAMESPACE). */
  operatorNamespace: string;
};

/** Set on every namespace by the API server (Kubernetes >= 1.22): a namespace cannot be given another's name. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
const DNS_PORT = 53;

export function buildNetworkPolicy(cluster: FaunaCluster, o: NetworkPolicyOptions): NetworkPolicyWire {
  const members = clusterSelector(cluster);
  const peerPorts = [
    { protocol: "TCP", port: PORTS.peer },
    { protocol: "TCP", port: PORTS.peerSecure },
  ];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: ownedMeta(cluster, networkPolicyName(cluster), COMPONENTS.networkPolicy),
    spec: {
      podSelector: { matchLabels: members },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: members } }], ports: peerPorts },
        {
          // Both selectors in one peer: operator pods AND in the operator's namespace (a labelled pod elsewhere is not).
          from: [{
            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: o.operatorNamespace } },
            podSelector: { matchLabels: { ...OPERATOR_POD_LABELS } },
          }],
          ports: [{ protocol: "TCP", port: PORTS.admin }],
        },
        { ports: [{ protocol: "TCP", port: PORTS.api }] },
      ],
      egress: [
        { to: [{ podSelector: { matchLabels: members } }], ports: peerPorts },
        // Wherever the cluster's resolver runs (kube-dns pods, node-local DNS on a link-local address).
        { ports: [{ protocol: "UDP", port: DNS_PORT }, { protocol: "TCP", port: DNS_PORT }] },
      ],
    },
  };
}
