import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildPodDisruptionBudgets } from "./podDisruptionBudget.ts";
import { threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";
import type { PodDisruptionBudgetSpec } from "../../api/types.ts";

describe("buildPodDisruptionBudgets", () => {
  const cases: { pdb: PodDisruptionBudgetSpec | undefined; names: string[]; maxUnavailable?: number; replicaLabel?: boolean }[] = [
    { pdb: undefined, names: ["fc-r1", "fc-r2", "fc-r3"], maxUnavailable: 1, replicaLabel: true },
    { pdb: { maxUnavailable: 2 }, names: ["fc-r1", "fc-r2", "fc-r3"], maxUnavailable: 2, replicaLabel: true },
    { pdb: { scope: "Cluster" }, names: ["fc"], maxUnavailable: 1, replicaLabel: false },
    { pdb: { enabled: false }, names: [] },
  ];
  for (const tc of cases) {
    it(`${JSON.stringify(tc.pdb ?? {})} -> ${tc.names.join(", ") || "none"}`, () => {
      const c = threeByThree("fc");
      if (tc.pdb) c.spec.podDisruptionBudget = tc.pdb;
      const pdbs = buildPodDisruptionBudgets(c);
      assert.deepEqual(pdbs.map((p) => p.metadata?.name), tc.names);
      for (const p of pdbs) {
        assert.equal(p.spec?.maxUnavailable, tc.maxUnavailable);
        assert.equal(p.spec?.selector?.matchLabels?.["fauna-operator.io/cluster"], "fc");
        assert.equal("fauna-operator.io/replica" in (p.spec?.selector?.matchLabels ?? {}), tc.replicaLabel);
      }
    });
  }
});
