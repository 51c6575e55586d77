// The API server itself rejects every invalid FaunaCluster with a message naming the field (CRD schema + CEL rules),
// accepts the valid fixtures, and forbids immutable changes. What it accepts at the edges of the core/v1 rules the
// schema copies, it also accepts in the StatefulSet and Service the operator builds.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useTier, eventually, type TestTier } from "../support/localtier.ts";
import { invalidCases, operatorOnlyCases } from "../fixtures/faunacluster/invalid.ts";
import { fullCluster, kubeEdgeCluster, minimalCluster, threeByThree } from "../fixtures/faunacluster/valid.ts";
import { REPO_ROOT } from "../../src/localtier/paths.ts";
import { buildStatefulSet } from "../../src/faunacluster/build/statefulSet.ts";
import { buildClientService } from "../../src/faunacluster/build/clientService.ts";

let tier: TestTier;
let ns: string;
let base: string;
let auth: { token: string; ca: string };

before(async () => {
  tier = await useTier();
  await tier.kubectl(["apply", "--server-side", "-f", join(REPO_ROOT, "crds")]);
  await tier.kubectl(["wait", "--for=condition=Established", "crd/faunaclusters.fauna-operator.io", "--timeout=60s"]);
  ns = await tier.namespace("crd");
  const cluster = tier.kc.getCurrentCluster();
  const user = tier.kc.getCurrentUser();
  base = `${cluster?.server}/apis/fauna-operator.io/v1alpha1/namespaces/${ns}/faunaclusters`;
  auth = { token: user?.token ?? "", ca: Buffer.from(cluster?.caData ?? "", "base64").toString() };
});
after(async () => tier && ns && tier.deleteNamespace(ns));

type Answer = { status: number; message: string; resourceVersion?: string };

async function call(method: string, url: string, body?: unknown): Promise<Answer> {
  const { request } = await import("node:https");
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const r = request(url, {
      method, ca: auth.ca,
      headers: { authorization: `Bearer ${auth.token}`, "content-type": "application/json" },
    }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        const j = JSON.parse(text || "{}") as { message?: string; metadata?: { resourceVersion?: string } };
        resolve({ status: res.statusCode ?? 0, message: j.message ?? "", resourceVersion: j.metadata?.resourceVersion });
      });
    });
    r.on("error", reject);
    r.end(payload);
  });
}

function inNamespace<T>(o: T): T {
  const c = structuredClone(o) as { metadata: Record<string, unknown>; status?: unknown };
  c.metadata.namespace = ns;
  delete c.metadata.uid;
  delete c.metadata.generation;
  delete c.status;
  return c as T;
}

test("the valid fixtures are accepted", async () => {
  for (const v of [minimalCluster("ok-min"), threeByThree("ok-3x3"), fullCluster(), kubeEdgeCluster("ok-edges")]) {
    const r = await eventually("CRD served", async () => {
      const a = await call("POST", `${base}?fieldValidation=Strict`, inNamespace(v));
      return a.status === 404 ? undefined : a;
    });
    assert.equal(r.status, 201, `${v.metadata?.name}: ${r.message}`);
  }
});

test(`${invalidCases.length} invalid FaunaClusters are each rejected with a message naming the field`, async () => {
  assert.ok(invalidCases.length >= 40);
  const failures: string[] = [];
  for (const c of invalidCases) {
    let r: Answer;
    if (c.object) {
      r = await call("POST", `${base}?fieldValidation=Strict`, inNamespace(c.object));
    } else {
      const created = await call("POST", `${base}?fieldValidation=Strict`, inNamespace(c.base));
      if (created.status !== 201) {
        failures.push(`${c.name}: valid base rejected: ${created.message}`);
        continue;
      }
      const u = inNamespace(c.update) as { metadata: Record<string, unknown> };
      u.metadata.resourceVersion = created.resourceVersion;
      r = await call("PUT", `${base}/${String(u.metadata.name)}?fieldValidation=Strict`, u);
    }
    const ok = r.status >= 400 && r.status < 500 && r.message.includes(c.fieldMustAppearInMessage);
    if (!ok) failures.push(`${c.name}: HTTP ${r.status} ${r.message.slice(0, 200)}`);
  }
  assert.deepEqual(failures, []);
});

test(`the ${operatorOnlyCases.length} operator-only cases are accepted (the operator reports them as InvalidSpec)`, async () => {
  const refused: string[] = [];
  for (const c of operatorOnlyCases) {
    const r = await call("POST", `${base}?fieldValidation=Strict`, inNamespace(c.object));
    if (r.status !== 201) refused.push(`${c.name}: HTTP ${r.status} ${r.message.slice(0, 200)}`);
  }
  assert.deepEqual(refused, [], "now rejected by the CRD: move them to invalidCases");
});

test("the StatefulSet and client Service built from the edge fixture pass core/v1 validation (server dry run)", async () => {
  const cluster = kubeEdgeCluster("dry-edges", ns);
  for (const o of [...cluster.spec.replicas.map((r) => buildStatefulSet(cluster, r.name)), buildClientService(cluster)]) {
    await tier.kubectl(["create", "--dry-run=server", "--validate=strict", "-f", "-"], JSON.stringify(o));
  }
});
