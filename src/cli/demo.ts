// `fauna-operator demo [--keep] [--sample FILE] [--timeout SECONDS]`: the main job on the local tier. Brings the tier
// up (building its binaries on first use), installs the CRD and the operator exactly as a user would
// (`kubectl apply -f crds/ -f manifests/`; the operator Deployment runs as real processes on the tier, with its
// ServiceAccount), applies the 3 × 3 sample, shows progress until Ready, prints per-node state, and tears down.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { parseAllDocuments, stringify } from "yaml";
import { up, down, readState, missingBinaries } from "../localtier/tier.ts";
import { bin, REPO_ROOT } from "../localtier/paths.ts";
import { RUN_ANNOTATION, RUN_VALUE } from "../localtier/runner/podRunner.ts";
import type { FaunaCluster } from "../api/types.ts";

interface Options {
  keep: boolean;
  sample: string;
  timeoutS: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { keep: false, sample: join(REPO_ROOT, "manifests/samples/local/cluster.yaml"), timeoutS: 600 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--keep") o.keep = true;
    else if (a === "--sample") o.sample = argv[++i] ?? o.sample;
    else if (a === "--timeout") o.timeoutS = Number(argv[++i] ?? o.timeoutS);
    else throw new Error(`demo: unknown argument ${a}; usage: demo [--keep] [--sample FILE] [--timeout SECONDS]`);
  }
  return o;
}

const say = (m: string) => process.stderr.write(`${m}\n`);
const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(0)}s`.padStart(5);

/** manifests/*.yaml with the operator's pods opted in to the tier's process runner. */
export function operatorManifestsForTier(dir: string): string {
  const docs: unknown[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      const obj = d.toJS() as { kind?: string; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | null;
      if (!obj) continue;
      if (obj.kind === "Deployment" && obj.spec?.template) {
        const meta = (obj.spec.template.metadata ??= {});
        meta.annotations = { ...meta.annotations, [RUN_ANNOTATION]: RUN_VALUE };
      }
      docs.push(obj);
    }
  }
  return docs.map((d) => stringify(d)).join("---\n");
}

function condition(fc: FaunaCluster, type: string) {
  return fc.status?.conditions?.find((c) => c.type === type);
}

export function nodeTable(fc: FaunaCluster): string {
  const typeOf = new Map((fc.spec.replicas ?? []).map((r) => [r.name, r.type]));
  const pct = (n: number | undefined) => (n === undefined ? "-" : `${(n * 100).toFixed(1)}%`);
  const rows = [["POD", "HOST ID", "REPLICA", "TYPE", "STATUS", "STATE", "OWNS", "GOAL", "SEGMENT", "LEADER"]];
  for (const n of fc.status?.nodes ?? []) {
    rows.push([n.pod, n.hostId ?? "-", n.replica, typeOf.get(n.replica) ?? "-", n.status ?? "-", n.state ?? "-",
      pct(n.ownership), pct(n.ownershipGoal), n.logSegment ?? "-", n.leader ? "yes" : "no"]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const t0 = Date.now();
  if (missingBinaries().length) {
    say("[demo] building the local tier's control-plane binaries (first run only, ~8 min on 2 cores)...");
    await execa("bash", [join(REPO_ROOT, "hack", "build-localtier.sh")], { stdio: "inherit" });
  }
  const startedHere = !readState()?.ready;
  say(`[demo] ${startedHere ? "starting" : "reusing"} the local tier (real kube-apiserver, controller-manager, scheduler, etcd; kwok nodes)`);
  const state = await up({ progress: (m) => say(`         ${m}`) });
  const kubectl = (args: string[], input?: string) =>
    execa(bin("kubectl"), ["--kubeconfig", state.kubeconfig, ...args], { input });
  let ok = false;
  try {
    say(`[demo ${elapsed(t0)}] kubectl apply -f crds/ -f manifests/   (the operator runs as a 2-replica Deployment, leader-elected)`);
    await kubectl(["apply", "--server-side", "-f", join(REPO_ROOT, "crds")]);
    await kubectl(["wait", "--for=condition=Established", "crd/faunaclusters.fauna-operator.io", "--timeout=60s"]);
    await kubectl(["apply", "-f", "-"], operatorManifestsForTier(join(REPO_ROOT, "manifests")));
    await kubectl(["-n", "fauna-operator-system", "rollout", "status", "deployment/fauna-operator", "--timeout=120s"]);
    say(`[demo ${elapsed(t0)}] operator ready; kubectl apply -f ${o.sample.replace(`${REPO_ROOT}/`, "")}`);
    const applied = await kubectl(["apply", "-f", o.sample, "-o", "jsonpath={.metadata.namespace}/{.metadata.name}"]);
    const [ns, name] = applied.stdout.split("/") as [string, string];
    const tApply = Date.now();
    let last = "";
    const deadline = Date.now() + o.timeoutS * 1000;
    let fc: FaunaCluster | undefined;
    while (Date.now() < deadline) {
      fc = JSON.parse((await kubectl(["-n", ns, "get", "faunacluster", name, "-o", "json"])).stdout) as FaunaCluster;
      const s = fc.status;
      const ready = condition(fc, "Ready");
      const t = s?.topology;
      const op = t && t.operation !== "none" ? `${t.operation}${t.node ? ` ${t.node}` : ""}: ` : "";
      const step = t?.message ? ` · ${op}${t.message}` : "";
      const line = `phase ${s?.phase ?? "-"} · nodes ready ${s?.readyNodes ?? 0}/${s?.desiredNodes ?? "?"} · ` +
        `${(s?.conditions ?? []).filter((c) => ["Ready", "TopologyReady", "DataMoving", "Degraded"].includes(c.type))
          .map((c) => `${c.type}=${c.status}`).join(" ")}${step}`;
      if (line !== last) say(`[demo ${elapsed(t0)}] ${line}`);
      last = line;
      if (ready?.status === "True" && s?.observedGeneration === fc.metadata.generation) {
        ok = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (!fc) throw new Error("the FaunaCluster could not be read");
    say(`[demo ${elapsed(t0)}] ${ok ? `Ready ${((Date.now() - tApply) / 1000).toFixed(0)} s after apply` : `NOT Ready after ${o.timeoutS} s`}`);
    process.stdout.write(`\n${(await kubectl(["-n", ns, "get", "faunacluster", name])).stdout}\n\n${nodeTable(fc)}\n\n`);
    if (!ok) say(`[demo] see: kubectl -n fauna-operator-system logs deploy/fauna-operator; .work/localtier/logs/`);
    if (o.keep) {
      say(`[demo] left running. kubectl --kubeconfig ${state.kubeconfig} -n ${ns} get faunacluster,pods`);
      say(`[demo] reach pods: npm run local:exec -- curl -s http://${name}-replica-1-0...:8443/ping ; stop: npm run local:down`);
    } else {
      say(`[demo ${elapsed(t0)}] tearing down`);
      await kubectl(["-n", ns, "delete", "faunacluster", name, "--wait=true", "--timeout=60s"]).catch(() => undefined);
    }
  } finally {
    if (!o.keep && startedHere) await down();
  }
  return ok ? 0 : 1;
}
