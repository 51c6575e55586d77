// The RBAC of manifests/ is narrow (issue 3, "Done when"): real API calls made with the operator's ServiceAccount token
// are refused (403) for what the operator never needs, while what it does need still works (so each check can fail
// both ways). Destructive calls use --dry-run=server: the apiserver authorizes them exactly as real ones, then stops.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-rbac.test.ts
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { execa } from "execa";
import { bin } from "../../src/localtier/paths.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";
import { installCrdAndRbac, OPERATOR_NAMESPACE, serviceAccountKubeconfig } from "../support/operator.ts";

const LEASE = "rbac-test-lease";

let tier: TestTier;
let ns: string;
let saKubeconfig: string;

/** kubectl as the operator's ServiceAccount. */
async function asOperator(args: string[], input?: string): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await execa(bin("kubectl"), ["--kubeconfig", saKubeconfig, ...args], { input, reject: false });
  return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr };
}

async function forbidden(args: string[], input?: string): Promise<void> {
  const r = await asOperator(args, input);
  assert.ok(!r.ok, `kubectl ${args.join(" ")} succeeded as the operator: ${r.out}`);
  assert.match(r.err, /forbidden/i, `kubectl ${args.join(" ")} failed for another reason than RBAC: ${r.err}`);
  assert.match(r.err, /system:serviceaccount:fauna-operator-system:fauna-operator/, "refused for the operator's identity");
}

async function allowed(args: string[], input?: string): Promise<string> {
  const r = await asOperator(args, input);
  assert.ok(r.ok, `kubectl ${args.join(" ")} was refused to the operator: ${r.err}`);
  return r.out;
}

/** The SelfSubjectAccessReview answer, for what a real call cannot reach without a target (e.g. escalate). */
async function canI(args: string[]): Promise<boolean> {
  const r = await asOperator(["auth", "can-i", ...args]);
  return r.out.trim() === "yes";
}

const json = (o: unknown) => JSON.stringify(o);

/** A Secret shaped as the operator generates it for FaunaCluster `cluster` (what the Secret policy admits). */
function rootKeySecret(namespace: string, cluster: string, patch: (s: Record<string, unknown>) => void = () => {}): string {
  const secret: Record<string, unknown> = {
    apiVersion: "v1", kind: "Secret", type: "Opaque", immutable: true,
    metadata: {
      name: `${cluster}-root-key`, namespace,
      labels: { "app.kubernetes.io/component": "root-key", "app.kubernetes.io/managed-by": "fauna-operator" },
      ownerReferences: [{ apiVersion: "fauna-operator.io/v1alpha1", kind: "FaunaCluster", name: cluster, uid: "00000000-0000-0000-0000-000000000001", controller: true }],
    },
    data: { "root-key": Buffer.from("k").toString("base64") },
  };
  patch(secret);
  return json(secret);
}

/** Refused by the ValidatingAdmissionPolicy of manifests/25-secret-policy.yaml (RBAC alone would allow it). */
async function refusedByPolicy(args: string[], input: string): Promise<void> {
  const r = await asOperator(args, input);
  assert.ok(!r.ok, `kubectl ${args.join(" ")} succeeded as the operator: ${r.out}`);
  assert.match(r.err, /ValidatingAdmissionPolicy 'fauna-operator-secrets'/, r.err);
}

before(async () => {
  tier = await useTier();
  await installCrdAndRbac(tier);
  // privileged: the bare test pod below is not a restricted-PSS pod; the operator's rights do not depend on it.
  ns = await tier.namespace("oprbac", { podSecurity: "privileged" });
  saKubeconfig = await serviceAccountKubeconfig(tier, mkdtempSync(join(tmpdir(), "oprbac-")));
  await tier.kubectl(["-n", ns, "create", "secret", "generic", "not-ours", "--from-literal=password=hunter2-not-the-operators"]);
  await tier.kubectl(["apply", "-f", "-"], json({
    apiVersion: "v1", kind: "Pod", metadata: { name: "bystander", namespace: ns },
    spec: { containers: [{ name: "c", image: "registry.example/none:1" }] },
  }));
  await tier.kubectl(["apply", "-f", "-"], json({
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: LEASE, namespace: ns }, spec: { holderIdentity: "someone-else" },
  }));
  await tier.kubectl(["apply", "-f", "-"], json({
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: LEASE, namespace: OPERATOR_NAMESPACE }, spec: { holderIdentity: "nobody" },
  }));
});
after(async () => {
  await tier?.kubectl(["-n", OPERATOR_NAMESPACE, "delete", "lease", LEASE, "--ignore-not-found"]).catch(() => undefined);
  if (process.env.KEEP_NS !== "1") await tier?.deleteNamespace(ns);
});

describe("operator RBAC (manifests/20-rbac.yaml, cluster-wide install) is narrow", { timeout: 120_000 }, () => {
  it("still has what it needs (positive controls)", async () => {
    await allowed(["-n", ns, "get", "faunaclusters,statefulsets,services,configmaps,pods,pvc,pdb,networkpolicies"]);
    await allowed(["get", "faunaclusters,statefulsets,pods", "--all-namespaces"]);
    await allowed(["-n", OPERATOR_NAMESPACE, "get", "lease", LEASE]);
    await allowed(["-n", OPERATOR_NAMESPACE, "replace", "--dry-run=server", "-f", "-"], json({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: LEASE, namespace: OPERATOR_NAMESPACE }, spec: { holderIdentity: "nobody-2" },
    }));
    await allowed(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x"));
    await allowed(["-n", ns, "delete", "pod", "bystander", "--dry-run=server"]);
  });

  it("cannot enumerate or change Secrets; get by name stays allowed (a decided, documented exception)", async () => {
    await forbidden(["-n", ns, "get", "secrets"]);
    await forbidden(["get", "secrets", "--all-namespaces"]);
    await forbidden(["-n", OPERATOR_NAMESPACE, "get", "secrets"]);
    assert.equal(await canI(["watch", "secrets", "-n", ns]), false);
    await forbidden(["-n", ns, "patch", "secret", "not-ours", "--type=merge", "-p", json({ stringData: { password: "x" } }), "--dry-run=server"]);
    await forbidden(["-n", ns, "delete", "secret", "not-ours", "--dry-run=server"]);
    await forbidden(["-n", ns, "label", "secret", "not-ours", "x=y", "--dry-run=server"]);
    // `get` by name is granted cluster-wide on purpose: spec.rootKeySecretRef names any Secret in the cluster's
    // namespace, and RBAC cannot grant "the Secrets some FaunaCluster names" (resourceNames are static). Without
    // list/watch the operator cannot discover a name, so it reads only the Secrets a FaunaCluster points it to.
    const got = JSON.parse(await allowed(["-n", ns, "get", "secret", "not-ours", "-o", "json"])) as { metadata: { name: string } };
    assert.equal(got.metadata.name, "not-ours");
  });

  it("cannot create a Secret in kube-system, a ServiceAccount token Secret, or any Secret but a root key (Secret policy)", async () => {
    // The policy takes a moment to load after it is applied: wait for its first refusal.
    await eventually("the Secret policy in force", async () => {
      const r = await asOperator(["-n", "kube-system", "create", "--dry-run=server", "-f", "-"], rootKeySecret("kube-system", "x"));
      return !r.ok && /ValidatingAdmissionPolicy/.test(r.err);
    }, 20_000, 500);
    await refusedByPolicy(["-n", "kube-system", "create", "--dry-run=server", "-f", "-"], rootKeySecret("kube-system", "x"));
    await refusedByPolicy(["-n", "kube-public", "create", "--dry-run=server", "-f", "-"], rootKeySecret("kube-public", "x"));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], json({
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
      metadata: { name: "x-root-key", namespace: ns, annotations: { "kubernetes.io/service-account.name": "default" } },
    }));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x", (s) => (s.type = "example.com/not-opaque")));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x", (s) => delete s.immutable));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x", (s) => ((s.metadata as { name: string }).name = "other")));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x", (s) => ((s.metadata as { ownerReferences?: unknown }).ownerReferences = undefined)));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x", (s) => (s.data = { "root-key": "aw==", extra: "aw==" })));
    // The shapes the operator generates are admitted (positive controls): the root key, and TLS's CA and node certificate.
    await allowed(["-n", ns, "create", "--dry-run=server", "-f", "-"], rootKeySecret(ns, "x"));
    const b64 = Buffer.from("pem").toString("base64");
    const tls = (name: string, data: Record<string, string>) => rootKeySecret(ns, "x", (s) => {
      const meta = s.metadata as { name: string; labels: Record<string, string> };
      meta.name = name;
      meta.labels["app.kubernetes.io/component"] = "tls";
      s.data = data;
    });
    await allowed(["-n", ns, "create", "--dry-run=server", "-f", "-"], tls("x-ca", { "tls.crt": b64, "tls.key": b64 }));
    const node = { "ca.crt": b64, "tls.crt": b64, "tls.key": b64, "faunadb.pem": b64 };
    await allowed(["-n", ns, "create", "--dry-run=server", "-f", "-"], tls("x-replica-1-tls-0123456789", node));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], tls("x-replica-1-tls-0123456789", { ...node, extra: b64 }));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], tls("x-anything", node));
    await refusedByPolicy(["-n", ns, "create", "--dry-run=server", "-f", "-"], tls("x-ca", { "tls.crt": b64, "tls.key": b64, "root-key": b64 }));
  });

  it("has none of the verbs its code never calls (issue 13's list)", async () => {
    assert.equal(await canI(["patch", "faunaclusters", "-n", ns]), false);
    assert.equal(await canI(["update", "faunaclusters", "-n", ns]), false);
    assert.equal(await canI(["update", "faunaclusters", "--subresource=status", "-n", ns]), false);
    await forbidden(["-n", ns, "get", "faunacluster", "any-name", "--subresource=status"]);
    await forbidden(["-n", ns, "delete", "configmap", "any-name", "--dry-run=server"]);
    await forbidden(["-n", ns, "delete", "networkpolicy", "any-name", "--dry-run=server"]);
    await forbidden(["-n", ns, "get", "statefulset", "any-name"]);
    await forbidden(["-n", ns, "get", "pod", "bystander"]);
    await forbidden(["-n", ns, "get", "events"]);
    assert.equal(await canI(["create", "events.events.k8s.io", "-n", ns]), false);
    assert.equal(await canI(["update", "faunaclusters", "--subresource=finalizers", "-n", ns]), false);
    assert.equal(await canI(["update", "statefulsets", "-n", ns]), false);
  });

  it("cannot read, change or delete Nodes", async () => {
    const node = (await tier.kubectl(["get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    assert.ok(node, "the tier has a node");
    await forbidden(["get", "nodes"]);
    await forbidden(["get", "node", node]);
    await forbidden(["delete", "node", node, "--dry-run=server"]);
    await forbidden(["cordon", node, "--dry-run=server"]);
  });

  it("cannot exec into, attach to or port-forward to pods, nor create pods itself", async () => {
    await forbidden(["-n", ns, "exec", "bystander", "--", "true"]);
    assert.equal(await canI(["create", "pods", "--subresource=exec", "-n", ns]), false);
    assert.equal(await canI(["create", "pods", "--subresource=attach", "-n", ns]), false);
    assert.equal(await canI(["create", "pods", "--subresource=portforward", "-n", ns]), false);
    await forbidden(["-n", ns, "run", "intruder", "--image=registry.example/none:1", "--dry-run=server"]);
    await forbidden(["-n", ns, "patch", "pod", "bystander", "--type=merge", "-p", json({ metadata: { labels: { x: "y" } } }), "--dry-run=server"]);
  });

  it("cannot touch Leases outside its own namespace", async () => {
    await forbidden(["-n", ns, "get", "lease", LEASE]);
    await forbidden(["-n", ns, "patch", "lease", LEASE, "--type=merge", "-p", json({ spec: { holderIdentity: "fauna-operator" } }), "--dry-run=server"]);
    await forbidden(["-n", ns, "delete", "lease", LEASE, "--dry-run=server"]);
    await forbidden(["-n", ns, "create", "-f", "-", "--dry-run=server"], json({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "grab", namespace: ns }, spec: {},
    }));
    await forbidden(["-n", "kube-system", "get", "leases"]);
    await forbidden(["get", "leases", "--all-namespaces"]);
    // Even in its own namespace it cannot delete, patch or list Leases: get/create/update is all leader election does.
    await forbidden(["-n", OPERATOR_NAMESPACE, "delete", "lease", LEASE, "--dry-run=server"]);
    await forbidden(["-n", OPERATOR_NAMESPACE, "patch", "lease", LEASE, "--type=merge", "-p", json({ spec: { holderIdentity: "x" } }), "--dry-run=server"]);
    await forbidden(["-n", OPERATOR_NAMESPACE, "get", "leases"]);
  });

  it("cannot widen its own rights or reach cluster-level objects it never uses", async () => {
    await forbidden(["-n", ns, "create", "rolebinding", "grab", "--clusterrole=cluster-admin", `--serviceaccount=${OPERATOR_NAMESPACE}:fauna-operator`, "--dry-run=server"]);
    await forbidden(["create", "clusterrolebinding", "grab", "--clusterrole=cluster-admin", `--serviceaccount=${OPERATOR_NAMESPACE}:fauna-operator`, "--dry-run=server"]);
    assert.equal(await canI(["escalate", "clusterroles"]), false);
    assert.equal(await canI(["bind", "clusterroles"]), false);
    assert.equal(await canI(["impersonate", "serviceaccounts"]), false);
    await forbidden(["get", "clusterroles"]);
    await forbidden(["get", "customresourcedefinitions"]);
    await forbidden(["delete", "namespace", ns, "--dry-run=server"]);
    await forbidden(["-n", ns, "delete", "faunacluster", "any-name", "--dry-run=server"]);
    await forbidden(["-n", ns, "create", "serviceaccount", "x", "--dry-run=server"]);
    await forbidden(["-n", ns, "create", "token", "default"]);
    await forbidden(["-n", ns, "get", "deployments"]);
    await forbidden(["get", "persistentvolumes"]);
  });
});
