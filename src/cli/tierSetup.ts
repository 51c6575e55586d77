// What `demo` and `harness` share on the local tier: bring the tier up, install the CRD and the operator Deployment
// from manifests/ (its pods run by the tier's process runner), and wait for a FaunaCluster to be Ready with progress.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { parseAllDocuments, stringify } from "yaml";
import { up, readState, missingBinaries, type TierState } from "../localtier/tier.ts";
import { bin, REPO_ROOT } from "../localtier/paths.ts";
import { RUN_ANNOTATION, RUN_VALUE } from "../localtier/runner/podRunner.ts";
import type { FaunaCluster } from "../api/types.ts";
import { isReadyAtGeneration, type Kubectl } from "../harness/kube.ts";

export const OPERATOR_NAMESPACE = "fauna-operator-system";
const OPERATOR_DEPLOYMENT = "fauna-operator";
const DEFAULT_LEASE = "fauna-operator-leader";
export const WATCH_LABEL = "fauna-operator.io/watch-namespace";

/** The tier running (built on first use and started when needed); `startedHere` says whether this call started it. */
export async function ensureTier(say: (m: string) => void, prefix: string): Promise<{ state: TierState; startedHere: boolean }> {
  if (missingBinaries().length) {
    say(`[${prefix}] building the local tier's control-plane binaries (first run only, ~8 min on 2 cores)...`);
    await execa("bash", [join(REPO_ROOT, "hack", "build-localtier.sh")], { stdio: "inherit" });
  }
  const startedHere = !readState()?.ready;
  say(`[${prefix}] ${startedHere ? "starting" : "reusing"} the local tier (real kube-apiserver, controller-manager, scheduler, etcd; kwok nodes)`);
  const state = await up({ progress: (m) => say(`         ${m}`) });
  return { state, startedHere };
}

export function tierKubectl(state: TierState): Kubectl {
  return async (args, input) => {
    const r = await execa(bin("kubectl"), ["--kubeconfig", state.kubeconfig, ...args], { input, reject: false });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
}

interface DeploymentDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { containers?: { command?: string[] }[] } };
  };
}

/**
 * manifests/*.yaml with the operator's pods opted in to the tier's process runner. With `watchNamespace`, the
 * Deployment is renamed after that namespace, watches only it and elects its leader on its own Lease, so it can
 * share a tier with other operators (tests on other namespaces) without touching their clusters.
 */
export function operatorManifestsForTier(dir: string, watchNamespace?: string): string {
  const docs: unknown[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      const obj = d.toJS() as DeploymentDoc | null;
      if (!obj) continue;
      if (obj.kind === "Deployment" && obj.spec?.template) {
        const meta = (obj.spec.template.metadata ??= {});
        meta.annotations = { ...meta.annotations, [RUN_ANNOTATION]: RUN_VALUE };
        if (watchNamespace) scopeDeployment(obj, watchNamespace);
      }
      docs.push(obj);
    }
  }
  return docs.map((d) => stringify(d)).join("---\n");
}

function scopeDeployment(obj: DeploymentDoc, ns: string): void {
  const names = operatorNames(ns);
  obj.metadata = { ...obj.metadata, name: names.deployment };
  const spec = obj.spec!;
  spec.selector = { matchLabels: { ...spec.selector?.matchLabels, [WATCH_LABEL]: ns } };
  const meta = spec.template!.metadata!;
  meta.labels = { ...meta.labels, [WATCH_LABEL]: ns };
  for (const c of spec.template!.spec?.containers ?? []) {
    c.command = [...(c.command ?? []), "--namespace", ns, "--leader-election-name", names.lease];
  }
}

export interface OperatorNames {
  namespace: string;
  deployment: string;
  lease: string;
}

export function operatorNames(watchNamespace?: string): OperatorNames {
  return watchNamespace
    ? { namespace: OPERATOR_NAMESPACE, deployment: `${OPERATOR_DEPLOYMENT}-${watchNamespace}`, lease: `${DEFAULT_LEASE}-${watchNamespace}` }
    : { namespace: OPERATOR_NAMESPACE, deployment: OPERATOR_DEPLOYMENT, lease: DEFAULT_LEASE };
}

/** `kubectl apply -f crds/ -f manifests/` as a user would, then waits for the operator's rollout. */
export async function installOperator(kubectl: Kubectl, watchNamespace?: string): Promise<OperatorNames> {
  const names = operatorNames(watchNamespace);
  await kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(REPO_ROOT, "crds")]);
  await kubectl(["wait", "--for=condition=Established", "crd/faunaclusters.fauna-operator.io", "--timeout=60s"]);
  await kubectl(["apply", "-f", "-"], operatorManifestsForTier(join(REPO_ROOT, "manifests"), watchNamespace));
  await kubectl(["-n", names.namespace, "rollout", "status", `deployment/${names.deployment}`, "--timeout=120s"]);
  return names;
}

/** One line of progress: phase, ready nodes, the main conditions and the topology step in flight. */
export function progressLine(fc: FaunaCluster): string {
  const s = fc.status;
  const t = s?.topology;
  const op = t && t.operation !== "none" ? `${t.operation}${t.node ? ` ${t.node}` : ""}: ` : "";
  const step = t?.message ? ` · ${op}${t.message}` : "";
  const conditions = (s?.conditions ?? []).filter((c) => ["Ready", "TopologyReady", "DataMoving", "Degraded"].includes(c.type))
    .map((c) => `${c.type}=${c.status}`).join(" ");
  return `phase ${s?.phase ?? "-"} · nodes ready ${s?.readyNodes ?? 0}/${s?.desiredNodes ?? "?"} · ${conditions}${step}`;
}

/** Polls the FaunaCluster every 2 s until it is Ready at its generation, reporting each new progress line. */
export async function waitForReady(
  kubectl: Kubectl, ns: string, name: string, o: { timeoutS: number; onProgress: (line: string) => void },
): Promise<{ ok: boolean; fc: FaunaCluster | undefined }> {
  const deadline = Date.now() + o.timeoutS * 1000;
  let last = "";
  let fc: FaunaCluster | undefined;
  while (Date.now() < deadline) {
    fc = JSON.parse(await kubectl(["-n", ns, "get", "faunacluster", name, "-o", "json"])) as FaunaCluster;
    const line = progressLine(fc);
    if (line !== last) o.onProgress(line);
    last = line;
    if (isReadyAtGeneration(fc)) return { ok: true, fc };
    await new Promise((r) => setTimeout(r, 2000));
  }
  return { ok: false, fc };
}
