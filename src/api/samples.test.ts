import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { parse, parseAllDocuments } from "yaml";
import { crdYaml } from "./crd.ts";
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

describe("charts/fauna-operator and overlays/ agree with manifests/", () => {
  const chart = new URL("../../charts/fauna-operator/", import.meta.url);
  const readChart = (p: string) => readFileSync(new URL(p, chart), "utf8");
  const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

  it("the chart's rules are the ClusterRole's (one list, two install modes)", () => {
    const role = docsOf(read("20-rbac.yaml")).find((d) => d.kind === "ClusterRole");
    assert.deepEqual(parse(readChart("files/rules.yaml")), role?.rules);
  });

  it("the chart's opt-in cert-manager rules are manifests/optional/cert-manager-rbac.yaml's", () => {
    const role = docsOf(read("optional/cert-manager-rbac.yaml")).find((d) => d.kind === "ClusterRole");
    assert.deepEqual(parse(readChart("files/cert-manager-rules.yaml")), role?.rules);
  });

  it("the chart's Secret policy checks are manifests/25-secret-policy.yaml's", () => {
    const policy = docsOf(read("25-secret-policy.yaml")).find((d) => d.kind === "ValidatingAdmissionPolicy") as { spec: { validations: unknown } };
    assert.deepEqual(parse(readChart("files/secret-policy-validations.yaml")), policy.spec.validations);
  });

  it("the chart's CRD is `fauna-operator crd` output", () => {
    assert.equal(readChart("crds/faunaclusters.fauna-operator.io.yaml"), crdYaml());
  });

  it("the namespaced overlay binds the ClusterRole's rules in its watched namespace only and passes that namespace", () => {
    const k = parse(readFileSync(new URL("../../overlays/namespaced/kustomization.yaml", import.meta.url), "utf8")) as { patches: { patch: string }[] };
    const binding = parse(readFileSync(new URL("../../overlays/namespaced/rolebinding.yaml", import.meta.url), "utf8")) as {
      kind: string; metadata: { namespace: string }; roleRef: { kind: string; name: string };
    };
    assert.equal(binding.kind, "RoleBinding");
    assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "fauna-operator" });
    assert.ok(k.patches.some((p) => p.patch.includes("kind: ClusterRoleBinding") && p.patch.includes("$patch: delete")));
    assert.ok(k.patches.some((p) => p.patch.includes(`--namespace=${binding.metadata.namespace}`)));
  });
});
