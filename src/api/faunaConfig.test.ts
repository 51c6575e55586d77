import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { neighborReplica, rootKeyProblem } from "./faunaConfig.ts";
import { resolveSpec } from "./defaults.ts";
import { OPERATOR_MANAGED_KEYS, TUNABLE_KEYS } from "./faunaConfigKeys.ts";
import { minimalCluster } from "../../test/fixtures/faunacluster/valid.ts";

describe("faunaConfig", () => {
  const keys: [string, boolean][] = [
    ["foABCDEFGHIJKLMNOPQRSTUV", true],
    ["short", false],
    ["has/slash-in-it-xxxxxxxx", false],
    ["has:colon-in-it-xxxxxxxx", false],
    ["eyJhbGciOiJIUzI1NiJ9.payload", false],
    ["eyesOnlyNoDotsxxxxxxxxxx", true],
  ];
  for (const [key, ok] of keys) it(`root key ${key.slice(0, 6)}… is ${ok ? "accepted" : "refused"}`, () => assert.equal(rootKeyProblem(key) === undefined, ok));

  it("picks a compute replica's neighbour in its zone, else the first data+log replica", () => {
    const c = minimalCluster();
    c.spec.replicas = [
      { name: "a", type: "data+log", nodes: 1, placement: { zone: "z1" } },
      { name: "b", type: "data+log", nodes: 1, placement: { zone: "z2" } },
      { name: "c", type: "compute", nodes: 1, placement: { zone: "z2" } },
      { name: "d", type: "compute", nodes: 1 },
    ];
    const spec = resolveSpec(c);
    assert.equal(neighborReplica(spec, spec.replicas[2]!), "b");
    assert.equal(neighborReplica(spec, spec.replicas[3]!), "a");
  });

  it("never lets a user set a key the operator manages", () => {
    for (const key of OPERATOR_MANAGED_KEYS) assert.ok(!(key in TUNABLE_KEYS), key);
  });
});
