// The two install modes (issue 13): the Helm chart charts/fauna-operator (lint clean; each mode's render accepted by
// the API server, dry run) and the kustomize overlays; then a real namespaced install from the chart: its operator
// Deployment (run by the tier's process runner) reconciles a cluster in its watched namespace to Ready and leaves
// one elsewhere alone, and its ServiceAccount can touch no Secret outside that namespace (kube-system included).
// Without helm the chart tests skip, saying how to get it (bash hack/install-helm.sh).
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-install.test.ts
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { execa } from "execa";
import { parseAllDocuments } from "yaml";
import type { FaunaCluster } from "../../src/api/types.ts";
import { bin } from "../../src/localtier/paths.ts";
import { findHelm, HELM_MISSING, helmTemplate, type HelmValues } from "../support/helm.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";
import { installCrdAndRbac, sample, serviceAccountKubeconfig } from "../support/operator.ts";

let tier: TestTier;
let helm: string | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

const kubectl = (args: string[], input?: string) => tier.kubectl(args, input);
const kindsOf = (yaml: string) => parseAllDocuments(yaml).map((d) => (d.toJS() as { kind?: string } | null)?.kind).filter(Boolean);
/** The tier runs the operator's pods as processes; one replica is enough here. */
const TIER_VALUES: HelmValues = { replicas: 1, podAnnotations: { "local.fauna-operator.io/run": "process" }, image: { pullPolicy: "Never" } };

before(async () => {
  tier = await useTier();
  await installCrdAndRbac(tier);
  helm = await findHelm();
  if (!helm) console.log(`# ${HELM_MISSING}`);
});
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe("Helm chart charts/fauna-operator", { timeout: 120_000 }, () => {
  const skip = () => (helm ? false : HELM_MISSING);

  it("helm lint --strict is clean in both modes", async (t) => {
    if (skip()) return t.skip(HELM_MISSING);
    for (const set of [[], ["--set", "mode=namespaced", "--set", "watchNamespaces={team-a,team-b}"]]) {
      const r = await execa(helm!, ["lint", "--strict", "charts/fauna-operator", ...set], { reject: false });
      assert.equal(r.exitCode, 0, `helm lint ${set.join(" ")}: ${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /\[(WARNING|ERROR)\]/);
    }
  });

  it("grants cert-manager Certificates only with certManager.enabled, in both modes", async (t) => {
    if (skip()) return t.skip(HELM_MISSING);
    for (const mode of [{ mode: "cluster" }, { mode: "namespaced", watchNamespaces: ["team-a"] }]) {
      const rolesOf = async (values: Record<string, unknown>) =>
        parseAllDocuments(await helmTemplate(helm!, "fo", "x", values)).map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[] }[] }).filter((d) => d.kind === "ClusterRole" || d.kind === "Role");
      const grants = (roles: { rules?: { apiGroups: string[] }[] }[]) => roles.some((r) => r.rules?.some((rule) => rule.apiGroups.includes("cert-manager.io")));
      assert.equal(grants(await rolesOf(mode)), false, `${mode.mode}: not by default`);
      assert.equal(grants(await rolesOf({ ...mode, certManager: { enabled: true } })), true, `${mode.mode}: with certManager.enabled`);
    }
  });

  it("refuses a namespaced install without namespaces, and an unknown mode", async (t) => {
    if (skip()) return t.skip(HELM_MISSING);
    await assert.rejects(helmTemplate(helm!, "fo", "x", { mode: "namespaced" }), /needs watchNamespaces/);
    await assert.rejects(helmTemplate(helm!, "fo", "x", { mode: "everywhere" }), /mode/);
  });

  for (const mode of ["cluster", "namespaced"] as const) {
    it(`mode=${mode}: helm template | kubectl apply --dry-run=server is accepted`, async (t) => {
      if (skip()) return t.skip(HELM_MISSING);
      const opNs = await tier.namespace("helm-op");
      const watched = await tier.namespace("helm-w");
      cleanups.push(() => tier.deleteNamespace(opNs), () => tier.deleteNamespace(watched));
      const yaml = await helmTemplate(helm!, `fo-${mode}`, opNs, { mode, watchNamespaces: mode === "namespaced" ? [watched] : [] });
      const kinds = kindsOf(yaml);
      if (mode === "cluster") {
        assert.ok(kinds.includes("ClusterRole") && kinds.includes("ClusterRoleBinding"));
      } else {
        assert.ok(!kinds.includes("ClusterRole") && !kinds.includes("ClusterRoleBinding"), `no cluster-wide grant in namespaced mode: ${kinds.join(", ")}`);
        assert.ok(yaml.includes(`--namespace=${watched}`));
      }
      const out = await kubectl(["apply", "--dry-run=server", "-f", "-"], yaml);
      assert.match(out, /deployment\.apps\/fo-\w+ created \(server dry run\)/);
    });
  }
});

describe("kustomize overlays", { timeout: 60_000 }, () => {
  it("cluster-wide and namespaced: kubectl apply -k --dry-run=server is accepted", async () => {
    await kubectl(["create", "namespace", "fauna"]).catch(() => undefined); // the namespaced overlay's watched namespace
    cleanups.push(() => tier.deleteNamespace("fauna"));
    const wide = await kubectl(["apply", "-k", "overlays/cluster-wide", "--dry-run=server"]);
    assert.match(wide, /clusterrolebinding\.rbac\.authorization\.k8s\.io\/fauna-operator (created|configured|unchanged)/);
    const scoped = await kubectl(["kustomize", "overlays/namespaced"]);
    assert.ok(!kindsOf(scoped).includes("ClusterRoleBinding"), "no cluster-wide binding in the namespaced overlay");
    const out = await kubectl(["apply", "--dry-run=server", "-f", "-"], scoped);
    assert.match(out, /rolebinding\.rbac\.authorization\.k8s\.io\/fauna-operator created \(server dry run\)/);
  });
});

describe("a namespaced install from the chart", { timeout: 900_000 }, () => {
  let opNs = "";
  let watched = "";
  let other = "";
  let saKubeconfig = "";

  const asOperator = async (args: string[]) => {
    const r = await execa(bin("kubectl"), ["--kubeconfig", saKubeconfig, ...args], { reject: false });
    return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr };
  };
  const forbidden = async (args: string[]) => {
    const r = await asOperator(args);
    assert.ok(!r.ok, `kubectl ${args.join(" ")} succeeded as the operator: ${r.out}`);
    assert.match(r.err, /forbidden/i, `kubectl ${args.join(" ")} failed for another reason than RBAC: ${r.err}`);
  };
  const fc = async (ns: string) => JSON.parse(await kubectl(["-n", ns, "get", "faunacluster", "one", "-o", "json"])) as FaunaCluster;

  it("installs, and the operator brings a cluster in its namespace to Ready and leaves another namespace's alone", async (t) => {
    if (!helm) return t.skip(HELM_MISSING);
    opNs = await tier.namespace("nsinst-op");
    watched = await tier.namespace("nsinst-w");
    other = await tier.namespace("nsinst-x");
    const release = `fo-${opNs.split("-").pop()}`;
    const yaml = await helmTemplate(helm, release, opNs, { ...TIER_VALUES, mode: "namespaced", watchNamespaces: [watched] });
    const installed = yaml.split("\n---\n").filter((d) => !d.includes("kind: CustomResourceDefinition")).join("\n---\n");
    cleanups.push(
      () => kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], installed),
      () => tier.deleteNamespace(opNs), () => tier.deleteNamespace(watched), () => tier.deleteNamespace(other),
    );
    await kubectl(["apply", "-f", "-"], installed);
    await kubectl(["-n", opNs, "rollout", "status", `deployment/${release}`, "--timeout=120s"]);
    saKubeconfig = await serviceAccountKubeconfig(tier, mkdtempSync(join(tmpdir(), "nsinst-")), { namespace: opNs, name: "fauna-operator" });

    const one = (ns: string) => {
      const doc = sample("cluster-3x1.yaml", ns, (spec) => (spec.replicas = [(spec.replicas as unknown[])[0]]));
      (doc.metadata as { name: string }).name = "one";
      return JSON.stringify(doc);
    };
    await kubectl(["apply", "-f", "-"], one(other));
    await kubectl(["apply", "-f", "-"], one(watched));
    const t0 = Date.now();
    await eventually("the watched namespace's cluster Ready", async () => {
      const c = await fc(watched);
      return c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation);
    }, 480_000, 1000);
    console.log(`namespaced install: 1-node cluster Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const untouched = await fc(other);
    assert.equal(untouched.status, undefined, "a cluster outside the watched namespaces gets no status");
    assert.equal((await kubectl(["-n", other, "get", "statefulsets,secrets", "-o", "name"])).trim(), "");
  });

  it("its ServiceAccount cannot create a Secret in kube-system, nor read, list or create one outside its namespace", async (t) => {
    if (!helm || !saKubeconfig) return t.skip(helm ? "the install above failed" : HELM_MISSING);
    await kubectl(["-n", other, "create", "secret", "generic", "not-ours", "--from-literal=k=v"]);
    await forbidden(["-n", "kube-system", "create", "secret", "generic", "one-root-key", "--from-literal=root-key=k", "--dry-run=server"]);
    await forbidden(["-n", other, "create", "secret", "generic", "one-root-key", "--from-literal=root-key=k", "--dry-run=server"]);
    await forbidden(["-n", other, "get", "secret", "not-ours"]);
    await forbidden(["-n", "kube-system", "get", "secrets"]);
    await forbidden(["get", "secrets", "--all-namespaces"]);
    await forbidden(["-n", watched, "get", "secrets"]);
    await forbidden(["-n", other, "get", "faunaclusters,statefulsets,pods"]);
    await forbidden(["get", "faunaclusters", "--all-namespaces"]);
    // Inside its namespace: the root key Secret by name (positive control).
    const own = await asOperator(["-n", watched, "get", "secret", "one-root-key", "-o", "name"]);
    assert.ok(own.ok, own.err);
  });
});
