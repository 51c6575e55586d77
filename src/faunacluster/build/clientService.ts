// The client Service: the load balancer in front of the query API (8443). Targets compute nodes when a compute
// replica exists and `targets` is auto (OPERATING.md advice), else every node; only ready nodes receive traffic.
// `auto` moves to the compute nodes only once one of them is ready (status): switching when the spec changes would
// leave clients with no endpoint while the compute nodes start and join (a join can block ~90 s, FACTS §1.4).
import type { V1Service } from "@kubernetes/client-node";
import { resolveSpec } from "../../api/defaults.ts";
import { clientServiceName, clusterSelector, COMPONENTS, effectiveServiceTargets, PORTS, REPLICA_TYPE_LABEL, replicaTypeLabelValue } from "../../api/funcs.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { ownedMeta } from "./meta.ts";

export function buildClientService(cluster: FaunaCluster): V1Service {
  const spec = resolveSpec(cluster);
  const wanted = effectiveServiceTargets(spec.service.targets, spec.replicas.map((r) => r.type));
  const targets = wanted === "compute" && spec.service.targets === "auto" && !computeNodeReady(cluster) ? "all" : wanted;
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

function computeNodeReady(cluster: FaunaCluster): boolean {
  const compute = new Set(cluster.spec.replicas.filter((r) => r.type === "compute").map((r) => r.name));
  return (cluster.status?.replicas ?? []).some((r) => compute.has(r.name) && r.ready > 0);
}
