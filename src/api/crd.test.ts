import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { buildCrd, crdYaml, CRD_NAME } from "./crd.ts";

const COMMITTED = new URL("../../crds/faunaclusters.fauna-operator.io.yaml", import.meta.url);

describe("CRD", () => {
  it("committed crds/ file is exactly `fauna-operator crd` output (regenerate: npm run -s cli crd > crds/faunaclusters.fauna-operator.io.yaml)", () => {
    assert.equal(readFileSync(COMMITTED, "utf8"), crdYaml());
  });

  it("round-trips through YAML to the same object", () => {
    assert.deepEqual(parse(crdYaml()), buildCrd());
  });

  it("is namespaced, has the status subresource, short name fc and printer columns", () => {
    const crd = buildCrd();
    assert.equal(crd.metadata.name, CRD_NAME);
    assert.equal(crd.spec.scope, "Namespaced");
    assert.deepEqual(crd.spec.names.shortNames, ["fc"]);
    const v = crd.spec.versions[0];
    assert.ok(v);
    assert.deepEqual(v.subresources, { status: {} });
    assert.deepEqual(
      v.additionalPrinterColumns.map((c) => c.name),
      ["Ready", "Replicas", "Nodes Ready", "Nodes", "Phase", "Age"],
    );
  });
});
