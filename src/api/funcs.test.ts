import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { effectiveServiceTargets, podDnsName, pvcName, replicaTypeLabelValue } from "./funcs.ts";
import { isSimulatorImage } from "../../test/support/images.ts";
import { minimalCluster } from "../../test/fixtures/faunacluster/valid.ts";

describe("funcs", () => {
  const images: [string, boolean][] = [
    ["ghcr.io/fauna-operator/faunadb-simulator:0.1.0", true],
    ["faunadb-simulator", true],
    ["localhost:5000/faunadb-simulator@sha256:abc", true],
    ["fauna/faunadb:25.02.07", false],
    ["ghcr.io/x/faunadb-simulator-fork:1", false],
    ["localhost:5000/faunadb:1", false],
  ];
  for (const [image, sim] of images) it(`isSimulatorImage(${image}) = ${sim}`, () => assert.equal(isSimulatorImage(image), sim));

  it("names a node by its stable DNS name and its PVC as the StatefulSet does", () => {
    const c = minimalCluster("prod", "db");
    assert.equal(podDnsName(c, "r1", 2), "prod-r1-2.prod-r1.db.svc.cluster.local");
    assert.equal(pvcName(c, "r1", 2), "data-prod-r1-2");
  });

  it("resolves service targets", () => {
    assert.equal(effectiveServiceTargets("auto", ["data+log"]), "all");
    assert.equal(effectiveServiceTargets("auto", ["data+log", "compute"]), "compute");
    assert.equal(effectiveServiceTargets("all", ["compute"]), "all");
  });

  it("turns replica types into valid label values", () => {
    assert.deepEqual(["data+log", "data", "compute"].map((t) => replicaTypeLabelValue(t as "data")), ["data-log", "data", "compute"]);
  });
});
