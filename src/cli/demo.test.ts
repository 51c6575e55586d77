import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { operatorManifestsForTier } from "./tierSetup.ts";
import { REPO_ROOT } from "../localtier/paths.ts";

test("the operator Deployment is opted in to the tier's process runner; other manifests are unchanged", () => {
  const docs = parseAllDocuments(operatorManifestsForTier(join(REPO_ROOT, "manifests"))).map((d) => d.toJS() as { kind: string; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } });
  const deploy = docs.find((d) => d.kind === "Deployment");
  assert.equal(deploy?.spec?.template?.metadata?.annotations?.["local.fauna-operator.io/run"], "process");
  assert.ok(docs.some((d) => d.kind === "Namespace") && docs.some((d) => d.kind === "ClusterRole"));
});
