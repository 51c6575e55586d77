import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "../localtier/paths.ts";
import { operatorManifestsForTier, operatorNames } from "./tierSetup.ts";

interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { command?: string[] }[] } } };
}

test("an operator scoped to one namespace: its own Deployment name, selector, watched namespace and Lease", () => {
  const docs = parseAllDocuments(operatorManifestsForTier(join(REPO_ROOT, "manifests"), "harness-1")).map((d) => d.toJS() as Doc);
  const deploy = docs.find((d) => d.kind === "Deployment");
  const names = operatorNames("harness-1");
  assert.equal(deploy?.metadata.name, names.deployment);
  assert.equal(deploy?.spec?.selector?.matchLabels?.["fauna-operator.io/watch-namespace"], "harness-1");
  assert.equal(deploy?.spec?.template?.metadata?.labels?.["fauna-operator.io/watch-namespace"], "harness-1");
  assert.equal(deploy?.spec?.template?.metadata?.labels?.["app.kubernetes.io/name"], "fauna-operator", "still admitted by the NetworkPolicy");
  assert.deepEqual(deploy?.spec?.template?.spec?.containers?.[0]?.command,
    ["fauna-operator", "run", "--namespace", "harness-1", "--leader-election-name", names.lease]);
});
