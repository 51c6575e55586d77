// helm for the chart tests: $HELM, else the binary hack/install-helm.sh caches, else `helm` on PATH; undefined when
// none is there (the tests then skip, saying how to get it).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export const HELM_VERSION = "3.21.4";
export const HELM_MISSING = "helm not found: run `bash hack/install-helm.sh` (builds helm from its Go module into ~/.cache/fauna-operator/)";

export async function findHelm(): Promise<string | undefined> {
  const candidates = [process.env.HELM, join(homedir(), ".cache", "fauna-operator", `helm-v${HELM_VERSION}`, "helm")];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const onPath = await execa("helm", ["version", "--short"], { reject: false });
  return onPath.exitCode === 0 ? "helm" : undefined;
}

export type HelmValues = Record<string, unknown>;

/** `helm template <release> charts/fauna-operator -n <namespace>` with `values` (as a JSON values file on stdin). */
export async function helmTemplate(helm: string, release: string, namespace: string, values: HelmValues): Promise<string> {
  const r = await execa(helm, ["template", release, "charts/fauna-operator", "-n", namespace, "--include-crds", "-f", "-"], {
    input: JSON.stringify(values), reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return r.stdout;
}
