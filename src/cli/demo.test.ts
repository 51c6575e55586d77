import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { nodeTable } from "./demo.ts";
import { operatorManifestsForTier } from "./tierSetup.ts";
import { REPO_ROOT } from "../localtier/paths.ts";
import type { FaunaCluster } from "../api/types.ts";

test("the operator Deployment is opted in to the tier's process runner; other manifests are unchanged", () => {
  const docs = parseAllDocuments(operatorManifestsForTier(join(REPO_ROOT, "manifests"))).map((d) => d.toJS() as { kind: string; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } });
  const deploy = docs.find((d) => d.kind === "Deployment");
  assert.equal(deploy?.spec?.template?.metadata?.annotations?.["local.fauna-operator.io/run"], "process");
  assert.ok(docs.some((d) => d.kind === "Namespace") && docs.some((d) => d.kind === "ClusterRole"));
});

test("nodeTable prints one aligned row per node with type, ownership and leadership", () => {
  const fc = {
    spec: { replicas: [{ name: "r1", type: "data+log", nodes: 1 }] },
    status: { nodes: [{ pod: "fc-r1-0", replica: "r1", hostId: "h1", status: "up", state: "live", ownership: 1, ownershipGoal: 1, logSegment: "0", leader: true }] },
  } as unknown as FaunaCluster;
  const lines = nodeTable(fc).split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? "", /^fc-r1-0\s+h1\s+r1\s+data\+log\s+up\s+live\s+100\.0%\s+100\.0%\s+0\s+yes$/);
});
