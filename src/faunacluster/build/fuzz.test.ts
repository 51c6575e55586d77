// Fuzz-ish: random FaunaCluster objects drawn from the schema (mostly valid, sometimes not). The validator never
// throws; every object it accepts goes through every builder without throwing, deterministically.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { faunaClusterSchema } from "../../api/schema.ts";
import { applyDefaults } from "../../api/schemaCheck.ts";
import { validateFaunaCluster } from "../../api/validate.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { buildStatefulSet } from "./statefulSet.ts";
import { buildHeadlessService } from "./headlessService.ts";
import { buildClientService } from "./clientService.ts";
import { buildConfigMap } from "./configMap.ts";
import { buildRootKeySecret } from "./rootKeySecret.ts";
import { buildPodDisruptionBudgets } from "./podDisruptionBudget.ts";
import { buildNetworkPolicy } from "./networkPolicy.ts";
import { prng, randomCluster } from "../../../test/fixtures/faunacluster/random.ts";

function buildAll(c: FaunaCluster): unknown[] {
  return [
    ...c.spec.replicas.flatMap((x) => [buildStatefulSet(c, x.name), buildHeadlessService(c, x.name)]),
    buildClientService(c),
    buildConfigMap(c),
    buildRootKeySecret(c, (n) => new Uint8Array(n).fill(3)),
    buildPodDisruptionBudgets(c),
    buildNetworkPolicy(c, { operatorNamespace: "fauna-operator-system" }),
  ];
}

describe("fuzz: random FaunaClusters", () => {
  it("validator never throws; builders never throw on what it accepts and are deterministic", () => {
    const r = prng(20260101);
    let accepted = 0;
    const N = 400;
    for (let i = 0; i < N; i++) {
      const raw = randomCluster(r);
      let errors;
      try {
        errors = validateFaunaCluster(raw);
      } catch (e) {
        assert.fail(`validateFaunaCluster threw on case ${i}: ${String(e)}\n${JSON.stringify(raw)}`);
      }
      if (errors.length > 0) continue;
      accepted++;
      // What the operator reads back from the apiserver: defaults applied.
      const cluster = applyDefaults(faunaClusterSchema, raw) as FaunaCluster;
      for (const c of [raw as FaunaCluster, cluster]) {
        try {
          assert.deepEqual(buildAll(c), buildAll(c));
        } catch (e) {
          assert.fail(`builders failed on case ${i}: ${String(e)}\n${JSON.stringify(c)}`);
        }
      }
    }
    console.log(`fuzz: ${accepted} of ${N} accepted`);
    assert.ok(accepted >= N / 10, `only ${accepted} of ${N} random objects were valid; the generator is too hostile to test the builders`);
  });
});
