import assert from "node:assert/strict";
import { test } from "node:test";
import { threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";
import { buildStatefulSet } from "../build/statefulSet.ts";
import { initialPlanState } from "../plan/types.ts";
import { acceptedCluster } from "./applyObjects.ts";

const accepted = (c: ReturnType<typeof threeByThree>) => (c.status?.topology as { plan?: { accepted?: { name: string; type: "data+log" | "data" | "compute" }[] } } | undefined)?.plan?.accepted ?? null;

const withAccepted = (types: Record<string, "data+log" | "compute">) => {
  const c = threeByThree();
  c.status = {
    topology: {
      operation: "none",
      plan: { ...initialPlanState(), accepted: c.spec.replicas.map((r) => ({ name: r.name, type: types[r.name] ?? r.type, nodes: r.nodes })) },
    } as never,
  };
  return c;
};

test("objects follow the accepted replica types, not a type change the planner has not accepted", () => {
  const c = withAccepted({});
  const replica3 = c.spec.replicas[2];
  assert.ok(replica3);
  replica3.type = "compute"; // asked for, not accepted
  const applied = acceptedCluster(c, accepted(c));
  assert.equal(applied.spec.replicas[2]?.type, "data+log");
  assert.equal(c.spec.replicas[2]?.type, "compute", "the spec itself is not touched");
  const labels = (x: typeof c) => JSON.stringify(buildStatefulSet(x, "r3").spec?.template.metadata?.labels);
  assert.equal(labels(applied), labels(withAccepted({})), "replica-3 pods keep their labels");
});

test("an accepted type change, and a cluster with no plan yet, are applied as the spec says", () => {
  const c = withAccepted({ "r3": "compute" });
  const replica3 = c.spec.replicas[2];
  assert.ok(replica3);
  replica3.type = "compute";
  assert.equal(acceptedCluster(c, accepted(c)).spec.replicas[2]?.type, "compute");
  const fresh = threeByThree();
  assert.equal(acceptedCluster(fresh, accepted(fresh)), fresh);
});
