import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateFaunaCluster, validateUpdate } from "./validate.ts";
import { applyDefaults } from "./schemaCheck.ts";
import { faunaClusterSchema } from "./schema.ts";
import type { FaunaCluster } from "./types.ts";
import { invalidCases, operatorOnlyCases } from "../../test/fixtures/faunacluster/invalid.ts";
import { fullCluster, kubeEdgeCluster, minimalCluster, threeByThree } from "../../test/fixtures/faunacluster/valid.ts";

describe("validateFaunaCluster", () => {
  it("accepts the valid fixtures", () => {
    for (const c of [minimalCluster(), threeByThree(), fullCluster(), kubeEdgeCluster()]) {
      assert.deepEqual(validateFaunaCluster(c, { rejectUnknownFields: true }), []);
    }
  });

  it("has at least 40 apiserver cases", () => {
    assert.ok(invalidCases.length >= 40, `${invalidCases.length} cases`);
  });

  for (const c of [...invalidCases, ...operatorOnlyCases]) {
    it(`rejects: ${c.name}, naming ${c.fieldMustAppearInMessage}`, () => {
      const errors = c.object
        ? validateFaunaCluster(c.object, { rejectUnknownFields: true })
        : validateUpdate(
            applyDefaults(faunaClusterSchema, c.base) as FaunaCluster,
            applyDefaults(faunaClusterSchema, c.update) as FaunaCluster,
          );
      assert.ok(errors.length > 0, "no error reported");
      assert.ok(
        errors.some((e) => `${e.field}: ${e.message}`.includes(c.fieldMustAppearInMessage)),
        `no error names ${c.fieldMustAppearInMessage}: ${JSON.stringify(errors)}`,
      );
    });
  }

  it("allows changes to mutable fields", () => {
    const before = threeByThree();
    const after = structuredClone(before);
    after.spec.image = "fauna/faunadb:26";
    after.spec.replicas[0]!.nodes = 4;
    after.spec.replicas.push({ name: "c1", type: "compute", nodes: 2 });
    assert.deepEqual(validateUpdate(before, after), []);
  });

  it("never throws on garbage", () => {
    for (const v of [null, 1, "x", [], {}, { spec: null }, { spec: { replicas: [null] } }, { metadata: 5, spec: {} }]) {
      assert.ok(Array.isArray(validateFaunaCluster(v)));
    }
  });
});
