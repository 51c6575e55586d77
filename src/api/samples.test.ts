import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { parse, parseAllDocuments } from "yaml";
import { validateFaunaCluster } from "./validate.ts";
import { isSimulatorImage } from "../../test/support/images.ts";
import type { FaunaCluster } from "./types.ts";

const root = new URL("../../manifests/", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), "utf8");

describe("manifests/", () => {
  const samples = ["samples/cluster.yaml", "samples/cluster-3x1.yaml", "samples/local/cluster.yaml", "samples/local/cluster-3x1.yaml"];
  for (const s of samples) {
    it(`${s} is a valid FaunaCluster`, () => {
      const c = parse(read(s)) as FaunaCluster;
      assert.deepEqual(validateFaunaCluster(c, { rejectUnknownFields: true }), []);
      const local = s.includes("/local/");
      assert.equal(isSimulatorImage(c.spec.image), local);
      assert.equal(c.spec.podMetadata?.annotations?.["local.fauna-operator.io/run"], local ? "process" : undefined);
    });
  }

  it("every .yaml directly in manifests/ is a Kubernetes object list, and Kustomization lists them all", () => {
    const files = readdirSync(root).filter((f) => f.endsWith(".yaml")).sort();
    for (const f of files) {
      for (const doc of parseAllDocuments(read(f))) {
        const o = doc.toJS() as { apiVersion?: string; kind?: string };
        assert.ok(o.apiVersion && o.kind, `${f}: a document without apiVersion/kind breaks kubectl apply -f manifests/`);
      }
    }
    const k = parse(read("Kustomization")) as { resources: string[] };
    assert.deepEqual(k.resources.filter((r) => r.endsWith(".yaml")).sort(), files);
    assert.ok(k.resources.includes("../crds"));
  });

  it("grants no Secret verb beyond get and create, and no list/watch on Secrets", () => {
    const docs = parseAllDocuments(read("20-rbac.yaml")).map((d) => d.toJS() as { kind: string; rules?: { resources: string[]; verbs: string[] }[] });
    const rules = docs.flatMap((d) => d.rules ?? []);
    const secretVerbs = rules.filter((r) => r.resources.includes("secrets")).flatMap((r) => r.verbs);
    assert.deepEqual(secretVerbs.sort(), ["create", "get"]);
    assert.ok(!rules.some((r) => r.resources.includes("*") || r.verbs.includes("*")));
  });
});
