// Kubeconfig resolution: --kubeconfig > KUBECONFIG > in-cluster service account > ~/.kube/config.
// In-cluster comes before the home file so an operator pod never picks up a stray config baked into its image.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export type KubeConfigSource =
  | { kind: "flag"; files: string[] }
  | { kind: "env"; files: string[] }
  | { kind: "in-cluster" }
  | { kind: "home"; files: string[] };

export type KubeConfigInputs = {
  flag?: string | undefined;
  env: Record<string, string | undefined>;
  home: string;
  exists: (path: string) => boolean;
};

/** Pure: which source to load, or an error message saying what to provide. */
export function chooseKubeConfigSource(i: KubeConfigInputs): KubeConfigSource | { kind: "none"; message: string } {
  if (i.flag) return { kind: "flag", files: [i.flag] };
  const envFiles = (i.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f.length > 0);
  if (envFiles.length > 0) return { kind: "env", files: envFiles };
  if (i.env.KUBERNETES_SERVICE_HOST && i.env.KUBERNETES_SERVICE_PORT && i.exists(SERVICE_ACCOUNT_TOKEN)) {
    return { kind: "in-cluster" };
  }
  const homeFile = join(i.home, ".kube", "config");
  if (i.exists(homeFile)) return { kind: "home", files: [homeFile] };
  return {
    kind: "none",
    message: `no Kubernetes credentials: pass --kubeconfig, set KUBECONFIG, run in a pod, or create ${homeFile}`,
  };
}

export type LoadedKubeConfig = { kubeConfig: KubeConfig; source: KubeConfigSource };

export function loadKubeConfig(flag?: string): LoadedKubeConfig {
  const source = chooseKubeConfigSource({ flag, env: process.env, home: homedir(), exists: existsSync });
  if (source.kind === "none") throw new Error(source.message);
  const kubeConfig = new KubeConfig();
  if (source.kind === "in-cluster") {
    kubeConfig.loadFromCluster();
    return { kubeConfig, source };
  }
  const [first, ...rest] = source.files;
  if (first === undefined) throw new Error("kubeconfig source has no files");
  kubeConfig.loadFromFile(first);
  for (const file of rest) {
    const more = new KubeConfig();
    more.loadFromFile(file);
    kubeConfig.mergeConfig(more);
  }
  return { kubeConfig, source };
}
