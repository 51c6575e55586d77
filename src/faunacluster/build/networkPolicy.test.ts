import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildNetworkPolicy } from "./networkPolicy.ts";
import { minimalCluster } from "../../../test/fixtures/faunacluster/valid.ts";

describe("buildNetworkPolicy", () => {
  const np = buildNetworkPolicy(minimalCluster("fc"), { operatorNamespace: "ops" });
  const members = { podSelector: { matchLabels: np.spec.podSelector?.matchLabels } };
  const ingressFor = (port: number) => np.spec.ingress.filter((r) => r.ports?.some((p) => p.port === port));

  const cases = [
    { port: 7500, from: "this cluster's pods", peers: [members] },
    { port: 7501, from: "this cluster's pods", peers: [members] },
    {
      port: 8444,
      from: "the operator's pods in the operator's namespace only",
      peers: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "fauna-operator" } } }],
    },
  ];
  for (const tc of cases) {
    it(`port ${tc.port} admits ${tc.from}`, () => {
      const matching = ingressFor(tc.port);
      assert.equal(matching.length, 1);
      assert.deepEqual(matching[0]?.from, tc.peers);
    });
  }

  it("the admin rule is one peer with both selectors (AND), not two peers (OR: every pod of the namespace, or a labelled pod anywhere)", () => {
    const [rule] = ingressFor(8444);
    assert.equal(rule?.from?.length, 1);
    assert.ok(rule?.from?.[0]?.namespaceSelector && rule.from[0].podSelector);
  });

  it("follows the operator's namespace", () => {
    const other = buildNetworkPolicy(minimalCluster("fc"), { operatorNamespace: "elsewhere" });
    const [rule] = other.spec.ingress.filter((r) => r.ports?.some((p) => p.port === 8444));
    assert.deepEqual(rule?.from?.[0]?.namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "elsewhere" } });
  });

  it("port 8443 admits every client", () => {
    const matching = ingressFor(8443);
    assert.equal(matching.length, 1);
    assert.equal(matching[0]?.from, undefined);
  });

  it("egress: the peer bus to this cluster's pods, and DNS; nothing else", () => {
    assert.deepEqual(np.spec.policyTypes, ["Ingress", "Egress"]);
    const egress = np.spec.egress ?? [];
    assert.equal(egress.length, 2);
    assert.deepEqual(egress[0]?.to, [members]);
    assert.deepEqual(egress[0]?.ports?.map((p) => p.port).sort(), [7500, 7501]);
    assert.equal(egress[1]?.to, undefined);
    assert.deepEqual(egress[1]?.ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
  });

  it("selects the cluster's FaunaDB pods and uses the wire field name `from`", () => {
    assert.equal(np.spec.podSelector?.matchLabels?.["fauna-operator.io/cluster"], "fc");
    assert.ok(!JSON.stringify(np).includes("_from"));
  });
});
