import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildClientService } from "./clientService.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";
import type { FaunaCluster, ServiceTargets } from "../../api/types.ts";

function cluster(targets: ServiceTargets | undefined, withCompute: boolean, computeReady = 2): FaunaCluster {
  const c = minimalCluster("fc");
  if (targets) c.spec.service = { targets };
  if (withCompute) {
    c.spec.replicas.push({ name: "c1", type: "compute", nodes: 2 });
    c.status = { replicas: [{ name: "c1", type: "compute", desired: 2, ready: computeReady }] };
  }
  return c;
}

describe("buildClientService", () => {
  const cases: { targets: ServiceTargets | undefined; withCompute: boolean; computeOnly: boolean }[] = [
    { targets: undefined, withCompute: false, computeOnly: false },
    { targets: undefined, withCompute: true, computeOnly: true },
    { targets: "auto", withCompute: true, computeOnly: true },
    { targets: "all", withCompute: true, computeOnly: false },
    { targets: "compute", withCompute: true, computeOnly: true },
  ];
  for (const tc of cases) {
    it(`targets=${tc.targets ?? "(default)"} with${tc.withCompute ? "" : "out"} a compute replica -> ${tc.computeOnly ? "compute" : "all"} nodes`, () => {
      const svc = buildClientService(cluster(tc.targets, tc.withCompute));
      assert.equal(svc.spec?.selector?.["fauna-operator.io/replica-type"], tc.computeOnly ? "compute" : undefined);
      assert.equal(svc.spec?.selector?.["fauna-operator.io/cluster"], "fc");
    });
  }

  it("auto keeps every node behind the Service until a compute node is ready (no empty Service while compute joins)", () => {
    assert.equal(buildClientService(cluster(undefined, true, 0)).spec?.selector?.["fauna-operator.io/replica-type"], undefined);
    assert.equal(buildClientService(cluster("auto", true, 1)).spec?.selector?.["fauna-operator.io/replica-type"], "compute");
    // An explicit `compute` is obeyed at once.
    assert.equal(buildClientService(cluster("compute", true, 0)).spec?.selector?.["fauna-operator.io/replica-type"], "compute");
    // Only the readiness of a compute replica counts.
    const c = cluster(undefined, false);
    c.spec.replicas.push({ name: "c1", type: "compute", nodes: 2 });
    c.status = { replicas: [{ name: "r1", type: "data+log", desired: 1, ready: 1 }] };
    assert.equal(buildClientService(c).spec?.selector?.["fauna-operator.io/replica-type"], undefined);
  });

  it("uses the service type, port and annotations of the spec, targeting 8443", () => {
    const c = minimalCluster("fc");
    c.spec.service = { type: "LoadBalancer", port: 443, annotations: { a: "b" } };
    const svc = buildClientService(c);
    assert.equal(svc.metadata?.name, "fc");
    assert.equal(svc.spec?.type, "LoadBalancer");
    assert.deepEqual(svc.metadata?.annotations, { a: "b" });
    assert.deepEqual(svc.spec?.ports, [{ name: "api", port: 443, targetPort: 8443, protocol: "TCP" }]);
    assert.equal(svc.spec?.publishNotReadyAddresses, undefined, "only ready nodes get client traffic");
  });
});
