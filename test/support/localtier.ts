// Gives integration tests the running local tier: a KubeConfig, kubectl, and a fresh Kubernetes namespace per test.
// `npm test` starts the tier once and runs the tests inside its network namespace (so pod IPs and pod DNS names
// reach); run a single file the same way with: npm run local:up && npm run local:exec -- node --test <file>.
import { randomBytes } from "node:crypto";
import { execa } from "execa";
import * as k8s from "@kubernetes/client-node";
import { insideTier, readState, type TierState } from "../../src/localtier/tier.ts";
import { bin } from "../../src/localtier/paths.ts";

export interface TestTier {
  state: TierState;
  kubeconfig: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  /** Runs the tier's kubectl; rejects with stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Creates a namespace with a unique name (restricted Pod Security enforced unless told otherwise). */
  namespace(prefix: string, opts?: { podSecurity?: "restricted" | "baseline" | "privileged" }): Promise<string>;
  deleteNamespace(name: string): Promise<void>;
}

let cached: TestTier | undefined;

export async function useTier(): Promise<TestTier> {
  if (cached) return cached;
  const state = readState();
  if (!state?.ready) throw new Error("no local tier is running: use `npm test`, or `npm run local:up` then `npm run local:exec -- node --test <file>`");
  if (!insideTier(state)) throw new Error("this test must run inside the tier's namespace: `npm run local:exec -- node --test <file>`");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const kubectl = async (args: string[], input?: string) => {
    const r = await execa(bin("kubectl"), ["--kubeconfig", state.kubeconfig, ...args], { input, reject: false });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
  cached = {
    state,
    kubeconfig: state.kubeconfig,
    kc,
    core,
    apps: kc.makeApiClient(k8s.AppsV1Api),
    kubectl,
    async namespace(prefix, opts = {}) {
      const name = `${prefix}-${randomBytes(3).toString("hex")}`.toLowerCase().slice(0, 63);
      const level = opts.podSecurity ?? "restricted";
      await core.createNamespace({
        body: { metadata: { name, labels: { "pod-security.kubernetes.io/enforce": level, "fauna-operator.io/test": "true" } } },
      });
      return name;
    },
    async deleteNamespace(name) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
  return cached;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}
