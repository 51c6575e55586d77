import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildHeadlessService } from "./headlessService.ts";
import { buildStatefulSet } from "./statefulSet.ts";
import { threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";

describe("buildHeadlessService", () => {
  const cases = [
    { replica: "r1", name: "fc-r1" },
    { replica: "r3", name: "fc-r3" },
  ];
  for (const tc of cases) {
    it(`serves replica ${tc.replica} as ${tc.name}, matching the StatefulSet`, () => {
      const cluster = threeByThree();
      const svc = buildHeadlessService(cluster, tc.replica);
      const sts = buildStatefulSet(cluster, tc.replica);
      assert.equal(svc.metadata?.name, tc.name);
      assert.equal(sts.spec?.serviceName, tc.name);
      assert.equal(svc.spec?.clusterIP, "None");
      assert.equal(svc.spec?.publishNotReadyAddresses, true, "nodes must resolve before they are ready (FACTS §3.3, §5)");
      assert.deepEqual(svc.spec?.selector, sts.spec?.selector.matchLabels);
      assert.deepEqual(svc.spec?.ports?.map((p) => p.port), [7500, 7501, 8443, 8444]);
      assert.equal(svc.metadata?.ownerReferences?.[0]?.kind, "FaunaCluster");
    });
  }
});
