import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Secret } from "@kubernetes/client-node";
import { minimalCluster } from "../../test/fixtures/faunacluster/valid.ts";
import { buildRootKeySecret } from "./build/rootKeySecret.ts";
import { rootKeyFrom } from "./rootKey.ts";

const cluster = minimalCluster("fc");
const ref = { name: "mine", key: "root-key" };
const secret = (value: string, labels?: Record<string, string>): V1Secret => ({
  metadata: { name: "mine", labels },
  data: { "root-key": Buffer.from(value).toString("base64") },
});
const marked = { "fauna-operator.io/root-key": "true" };
const GOOD = "fo0123456789abcdefABCDEF";

describe("rootKeyFrom", () => {
  it("takes the key of a Secret marked for the operator (trimmed)", () => {
    assert.deepEqual(rootKeyFrom(cluster, ref, secret(`${GOOD}\n`, marked), false), { kind: "usable", secretName: "mine", key: GOOD });
  });

  it("takes the key of the Secret it generated for this very cluster", () => {
    const s = buildRootKeySecret(cluster);
    const answer = rootKeyFrom(cluster, { name: "fc-root-key", key: "root-key" }, s, true);
    assert.equal(answer.kind, "usable");
  });

  it("refuses an unmarked Secret, naming the label to set and nothing of its content", () => {
    const answer = rootKeyFrom(cluster, ref, secret(GOOD), false);
    assert.equal(answer.kind, "unusable");
    assert.match(answer.kind === "unusable" ? answer.problem : "", /label it fauna-operator\.io\/root-key=true/);
  });

  it("refuses a Secret at the generated name that another cluster (another uid) owns", () => {
    const other = buildRootKeySecret({ ...cluster, metadata: { ...cluster.metadata, uid: "other-uid" } });
    assert.equal(rootKeyFrom(cluster, { name: "fc-root-key", key: "root-key" }, other, true).kind, "unusable");
    // ...and an owned Secret does not count when the spec names it (only the generated one is trusted by ownership).
    assert.equal(rootKeyFrom(cluster, { name: "fc-root-key", key: "root-key" }, buildRootKeySecret(cluster), false).kind, "unusable");
  });

  it("refuses a bad value with the same message whatever rule it broke", () => {
    const problems = ["short", "has a space in it ok ok ok", "eyJhbGciOiJIUzI1NiJ9.payload", "with/slash/and/more/chars"].map((v) => {
      const answer = rootKeyFrom(cluster, ref, secret(v, marked), false);
      assert.equal(answer.kind, "unusable", v);
      return answer.kind === "unusable" ? answer.problem : "";
    });
    assert.equal(new Set(problems).size, 1, problems.join("\n"));
    for (const p of problems) assert.doesNotMatch(p, /eyJ|payload|slash|has a space/);
  });

  it("a missing Secret or key is absent; only the generated one is to be created", () => {
    assert.deepEqual(rootKeyFrom(cluster, ref, undefined, false), { kind: "absent", secretName: "mine", secretKey: "root-key", generate: false });
    assert.deepEqual(rootKeyFrom(cluster, ref, undefined, true), { kind: "absent", secretName: "mine", secretKey: "root-key", generate: true });
    assert.deepEqual(rootKeyFrom(cluster, { name: "mine", key: "other" }, secret(GOOD, marked), false), {
      kind: "absent", secretName: "mine", secretKey: "other", generate: false,
    });
  });
});
