// The kind tier for test/kind/: decides whether the suite can run here (Docker engine, kind) and, when it can,
// connects to the cluster hack/kind/up.sh made, with kubectl and a namespace per test file.
// No Docker or no kind: every test skips with a message (the local tier covers the same scenarios). Docker and kind
// present but no cluster: the tests fail and say to run hack/kind/up.sh (a skip would hide a broken setup).
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { execa } from "execa";
import { KIND_FROM_ADDONS } from "../../src/cli/kindTier.ts";

export const SKIP_NO_DOCKER =
  "Docker engine not available: the kind tier needs Docker; the local tier covers these scenarios — see test/kind/README.md";
export const SKIP_NO_KIND =
  "kind not found (go install sigs.k8s.io/kind@v0.33.0): the kind tier needs it; the local tier covers these scenarios — see test/kind/README.md";

/** hack/kind/env.sh uses the same default. */
export const KIND_CLUSTER_NAME = process.env.KIND_CLUSTER_NAME ?? "fauna-operator";
/** hack/kind/cluster.yaml publishes this NodePort of the control plane on the host's 127.0.0.1. */
export const QUERY_NODE_PORT = 30443;
export const OPERATOR_NAMESPACE = "fauna-operator-system";

const PROBE_TIMEOUT_MS = 20_000;

export type Probe = { runnable: true } | { runnable: false; reason: string };

/** Whether this machine can run the kind tier at all. Pure decision over what the commands answered. */
export function decide(answers: { dockerInfo: boolean; kindVersion: boolean }): Probe {
  if (!answers.dockerInfo) return { runnable: false, reason: SKIP_NO_DOCKER };
  if (!answers.kindVersion) return { runnable: false, reason: SKIP_NO_KIND };
  return { runnable: true };
}

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  const r = await execa(cmd, args, { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: "ignore" });
  return r.exitCode === 0;
}

let kindBin = "kind";
let probed: Promise<Probe> | undefined;

/** `docker info` (the engine, not just the client) and `kind version` ($KIND, PATH, then hack/kind's cache). */
export function probe(): Promise<Probe> {
  probed ??= (async () => {
    const dockerInfo = await succeeds("docker", ["info"]);
    let kindVersion = false;
    for (const c of dockerInfo ? [process.env.KIND, "kind", KIND_FROM_ADDONS] : []) {
      if (c && (await succeeds(c, ["version"]))) {
        kindBin = c;
        kindVersion = true;
        break;
      }
    }
    return decide({ dockerInfo, kindVersion });
  })();
  return probed;
}

/** What kube-system runs that decides whether NetworkPolicies are enforced (DaemonSets by name; undefined: absent). */
export type NetworkDaemons = {
  kindnet?: { desired: number; ready: number };
  podnet?: { desired: number; ready: number };
  kubeRouter?: { desired: number; ready: number };
};

export type Enforcer = { enforcer: "kindnetd" | "kube-router" } | { enforcer: undefined; reason: string };

/**
 * Who enforces NetworkPolicy on this kind cluster. kind's own node image: kindnetd. The local node image (CNI
 * podnet, which enforces none): kube-router, which hack/kind/up.sh deploys there, once it runs on every node.
 */
export function networkPolicyEnforcer(d: NetworkDaemons): Enforcer {
  if (d.kindnet) return { enforcer: "kindnetd" };
  const kr = d.kubeRouter;
  if (kr && kr.desired > 0 && kr.ready === kr.desired) return { enforcer: "kube-router" };
  if (kr) return { enforcer: undefined, reason: `kube-router (kube-system) is ready on ${kr.ready} of ${kr.desired} nodes: see its logs (kubectl -n kube-system logs ds/kube-router)` };
  if (d.podnet) return { enforcer: undefined, reason: "the cluster's CNI is podnet, which enforces no NetworkPolicy, and kube-router is not deployed: run hack/kind/up.sh (it deploys hack/kind/kube-router.yaml)" };
  return { enforcer: undefined, reason: "neither kindnetd nor podnet + kube-router runs in kube-system: no known NetworkPolicy enforcer" };
}

export interface KindCluster {
  name: string;
  kubeconfig: string;
  /** Runs kubectl against the kind cluster; rejects with stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  json<T>(args: string[]): Promise<T>;
  /** A fresh namespace (restricted Pod Security enforced: the operator's pods must pass it). */
  namespace(prefix: string): Promise<string>;
  deleteNamespace(name: string): Promise<void>;
}

async function findKubectl(): Promise<string> {
  const candidates = [process.env.KUBECTL, "kubectl", join(homedir(), ".cache/fauna-operator/k8s-v1.34.4/kubectl")];
  for (const c of candidates) {
    if (c && (await succeeds(c, ["version", "--client"]))) return c;
  }
  throw new Error("kubectl not found: install it (https://kubernetes.io/docs/tasks/tools/), set KUBECTL, or run `npm run local:build`");
}

let connected: Promise<KindCluster> | undefined;

function connect(): Promise<KindCluster> {
  connected ??= (async () => {
    const clusters = (await execa(kindBin, ["get", "clusters"], { reject: false })).stdout.split("\n").map((s) => s.trim());
    if (!clusters.includes(KIND_CLUSTER_NAME)) {
      throw new Error(`no kind cluster named ${KIND_CLUSTER_NAME}: run hack/kind/up.sh first (see test/kind/README.md)`);
    }
    const kubectlBin = await findKubectl();
    const dir = mkdtempSync(join(tmpdir(), "fauna-kind-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, (await execa(kindBin, ["get", "kubeconfig", "--name", KIND_CLUSTER_NAME])).stdout, { mode: 0o600 });
    const kubectl = async (args: string[], input?: string) => {
      const r = await execa(kubectlBin, ["--kubeconfig", kubeconfig, ...args], { input, reject: false });
      if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
      return r.stdout;
    };
    const json = async <T>(args: string[]) => JSON.parse(await kubectl([...args, "-o", "json"])) as T;
    const operator = await kubectl(["-n", OPERATOR_NAMESPACE, "get", "deployment", "fauna-operator", "-o", "jsonpath={.status.readyReplicas}"]).catch(() => "");
    if (!(Number(operator) > 0)) {
      throw new Error(`the operator Deployment in ${OPERATOR_NAMESPACE} has no ready replica: run hack/kind/up.sh (it applies crds/ and manifests/)`);
    }
    return {
      name: KIND_CLUSTER_NAME,
      kubeconfig,
      kubectl,
      json,
      async namespace(prefix) {
        const name = `${prefix}-${randomBytes(3).toString("hex")}`.toLowerCase().slice(0, 63);
        const body = {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "restricted", "fauna-operator.io/test": "true" } },
        };
        await kubectl(["create", "-f", "-"], JSON.stringify(body));
        return name;
      },
      async deleteNamespace(name) {
        await kubectl(["delete", "namespace", name, "--wait=false"]).catch(() => undefined);
      },
    };
  })();
  return connected;
}

/**
 * The kind cluster for a test, or undefined after marking the test skipped when this machine cannot run the kind
 * tier. Usage: `const kind = await useKind(t); if (!kind) return;`
 */
export async function useKind(t: TestContext): Promise<KindCluster | undefined> {
  const p = await probe();
  if (!p.runnable) {
    // CI's kind phase sets this: there a skip would pass a suite that never ran.
    if (process.env.FAUNA_KIND_REQUIRED === "1") throw new Error(`FAUNA_KIND_REQUIRED=1 but the kind tier cannot run: ${p.reason}`);
    t.skip(p.reason);
    return undefined;
  }
  return connect();
}
