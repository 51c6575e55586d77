// The client Service: the load balancer in front of the query API (8443). Targets compute nodes when a compute
// replica exists and `targets` is auto (OPERATING.md advice), else every node; only ready nodes receive traffic.
import type { V1Service } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { clientServiceName, clusterSelector, COMPONENTS, effectiveServiceTargets, PORTS, REPLICA_TYPE_LABEL, replicaTypeLabelValue } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

export function buildClientService(cluster: FaunaCluster): V1Service {
  const spec = resolveSpec(cluster);
  const targets = effectiveServiceTargets(spec.service.targets, spec.replicas.map((r) => r.type));
  const meta = ownedMeta(cluster, clientServiceName(cluster), COMPONENTS.client);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { ...meta, ...(spec.service.annotations ? { annotations: { ...spec.service.annotations } } : {}) },
    spec: {
      type: spec.service.type,
      selector: { ...clusterSelector(cluster), ...(targets === "compute" ? { [REPLICA_TYPE_LABEL]: replicaTypeLabelValue("compute") } : {}) },
      ports: [{ name: "api", port: spec.service.port, targetPort: PORTS.api, protocol: "TCP" }],
    },
  };
}
