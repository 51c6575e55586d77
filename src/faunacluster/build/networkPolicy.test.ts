import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildNetworkPolicy } from "./networkPolicy.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";

describe("buildNetworkPolicy", () => {
  const np = buildNetworkPolicy(minimalCluster("fc"));
  const rules = np.spec.ingress;
  const ruleFor = (port: number) => rules.filter((r) => r.ports?.some((p) => p.port === port));

  const cases = [
    { port: 7500, from: "cluster members", peer: { podSelector: { matchLabels: np.spec.podSelector?.matchLabels } } },
    { port: 7501, from: "cluster members", peer: { podSelector: { matchLabels: np.spec.podSelector?.matchLabels } } },
    { port: 8444, from: "the operator only", peer: { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "fauna-operator" } } } },
  ];
  for (const tc of cases) {
    it(`port ${tc.port} admits ${tc.from}`, () => {
      const matching = ruleFor(tc.port);
      assert.equal(matching.length, 1);
      assert.deepEqual(matching[0]?.from, [tc.peer]);
    });
  }

  it("port 8443 admits every client", () => {
    const matching = ruleFor(8443);
    assert.equal(matching.length, 1);
    assert.equal(matching[0]?.from, undefined);
  });

  it("selects the cluster's FaunaDB pods and uses the wire field name `from`", () => {
    assert.equal(np.spec.podSelector?.matchLabels?.["fauna-operator.io/cluster"], "fc");
    assert.deepEqual(np.spec.policyTypes, ["Ingress"]);
    assert.ok(!JSON.stringify(np).includes("_from"));
  });
});
