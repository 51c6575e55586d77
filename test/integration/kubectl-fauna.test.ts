// `kubectl fauna` against a cluster on the local tier: kubectl finds the plugin on PATH (bin/kubectl-fauna), `status`
// prints the faunadb-admin table from the FaunaCluster's status, `admin ... status` the table from a node's admin API
// (with persisted timestamps), and neither prints the root key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { execa } from "execa";
import { REPO_ROOT, bin } from "../../src/localtier/paths.ts";
import { operatorSuite } from "../support/operator.ts";
import { waitForReady } from "../../src/cli/tierSetup.ts";
import { readFileSync } from "node:fs";

const suite = operatorSuite({ namespacePrefix: "kfauna", healthPort: 18143 });

test("kubectl fauna status / admin print the faunadb-admin status table of a Ready 3 × 1 cluster", { timeout: 900_000 }, async () => {
  const { tier, ns } = suite;
  const fc = parse(readFileSync(join(REPO_ROOT, "manifests/samples/local/cluster-3x1.yaml"), "utf8")) as { metadata: { name: string; namespace: string } };
  fc.metadata.namespace = ns;
  await tier.kubectl(["apply", "-f", "-"], JSON.stringify(fc));
  const ready = await waitForReady(tier.kubectl, ns, fc.metadata.name, { timeoutS: 240, onProgress: (l) => console.log(l) });
  assert.ok(ready.ok, suite.logTail());
  const env = { ...process.env, KUBECONFIG: tier.kubeconfig, PATH: `${join(REPO_ROOT, "bin")}:${dirname(bin("kubectl"))}:${process.env.PATH ?? ""}` };
  const kubectl = (args: string[]) => execa(bin("kubectl"), args, { env, reject: false, all: true });

  const listed = await kubectl(["plugin", "list"]);
  assert.match(listed.all ?? "", /kubectl-fauna/);

  const status = await kubectl(["fauna", "status", fc.metadata.name, "-n", ns]);
  assert.equal(status.exitCode, 0, status.all);
  assert.match(status.stdout, new RegExp(`^FaunaCluster ${ns}/fauna-3x1: phase \\w+, Ready=True`));
  for (const r of ["replica-1", "replica-2", "replica-3"]) assert.match(status.stdout, new RegExp(`^Replica: ${r} \\(data\\+log\\)$`, "m"));
  const rows = status.stdout.split("\n").filter((l) => /^up\s+live\s+\d+\s+0/.test(l));
  assert.equal(rows.length, 3, status.stdout);
  assert.equal(rows.filter((r) => /0 \(leader\)/.test(r)).length, 1, "one log segment, one leader");
  assert.ok(rows.every((r) => /100\.0%\s+100\.0%\s+[0-9a-f-]{36}\s+not reported/.test(r)), status.stdout);

  const admin = await kubectl(["fauna", "admin", fc.metadata.name, "-n", ns, "status"]);
  assert.equal(admin.exitCode, 0, admin.all);
  assert.match(admin.stdout, /^Status {2}State {2}WorkerID {2}Log Segment {2}Address/m);
  assert.equal((admin.stdout.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g) ?? []).length, 3, "a node's own answer carries persisted timestamps");
  const replication = await kubectl(["fauna", "admin", fc.metadata.name, "-n", ns, "show-replication"]);
  assert.equal(replication.stdout, "replica-1\tdata+log\nreplica-2\tdata+log\nreplica-3\tdata+log"); // execa drops the last newline
  const refused = await kubectl(["fauna", "admin", fc.metadata.name, "-n", ns, "remove", "x"]);
  assert.equal(refused.exitCode, 1);

  const key = Buffer.from(JSON.parse(await tier.kubectl(["-n", ns, "get", "secret", `${fc.metadata.name}-root-key`, "-o", "json"])).data["root-key"], "base64").toString().trim();
  for (const r of [status, admin, replication, refused]) assert.ok(!(r.all ?? "").includes(key), "the root key is never printed");
});
