import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildClientService } from "./clientService.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";
import type { FaunaCluster, ServiceTargets } from "../../api/types.ts";

function cluster(targets: ServiceTargets | undefined, withCompute: boolean): FaunaCluster {
  const c = minimalCluster("fc");
  if (targets) c.spec.service = { targets };
  if (withCompute) c.spec.replicas.push({ name: "c1", type: "compute", nodes: 2 });
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
