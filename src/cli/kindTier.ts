// The kind tier as `harness --backend kind` reaches it: the cluster hack/kind/up.sh made (kind, its kubeconfig),
// kubectl from $KUBECTL, PATH or the local tier's build. Nothing here starts or builds anything.
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { Kubectl } from "../harness/kube.ts";
import { bin } from "../localtier/paths.ts";

export const KIND_CLUSTER_NAME = process.env.KIND_CLUSTER_NAME ?? "fauna-operator";
/** hack/kind/env.sh: kind built by hack/kind/build-addons.sh. */
/** Where hack/kind/build-addons.sh installs kind (hack/kind/env.sh puts it first on PATH for the scripts). */
export const KIND_FROM_ADDONS = join(homedir(), ".cache", "fauna-operator", "kind-v0.33.0", "bin", "kind");

export interface KindTier {
  kubectl: Kubectl;
  kubectlBin: string;
  kubeconfig: string;
}

async function firstWorking(candidates: (string | undefined)[], args: string[]): Promise<string | undefined> {
  for (const c of candidates) {
    if (c && (await execa(c, args, { reject: false, stdin: "ignore" })).exitCode === 0) return c;
  }
  return undefined;
}

export async function connectKind(): Promise<KindTier> {
  const kind = await firstWorking(["kind", KIND_FROM_ADDONS], ["version"]);
  if (!kind) throw new Error("kind not found: run hack/kind/up.sh (it builds kind and the cluster)");
  const clusters = (await execa(kind, ["get", "clusters"], { reject: false })).stdout.split("\n").map((s) => s.trim());
  if (!clusters.includes(KIND_CLUSTER_NAME)) throw new Error(`no kind cluster named ${KIND_CLUSTER_NAME}: run hack/kind/up.sh first`);
  const kubectlBin = await firstWorking([process.env.KUBECTL, "kubectl", bin("kubectl")], ["version", "--client"]);
  if (!kubectlBin) throw new Error("kubectl not found: set KUBECTL, put it on PATH, or run npm run local:build");
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "fauna-harness-kind-")), "kubeconfig");
  writeFileSync(kubeconfig, (await execa(kind, ["get", "kubeconfig", "--name", KIND_CLUSTER_NAME])).stdout, { mode: 0o600 });
  const kubectl: Kubectl = async (args, input) => {
    const r = await execa(kubectlBin, ["--kubeconfig", kubeconfig, ...args], { input, reject: false });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
  return { kubectl, kubectlBin, kubeconfig };
}
