// `fauna-operator demo [--keep] [--sample FILE] [--timeout SECONDS]`: the main job on the local tier. Brings the tier
// up (building its binaries on first use), installs the CRD and the operator exactly as a user would
// (`kubectl apply -f crds/ -f manifests/`; the operator Deployment runs as real processes on the tier, with its
// ServiceAccount), applies the 3 × 3 sample, shows progress until Ready, prints per-node state, and tears down.
import { join } from "node:path";
import { down } from "../localtier/tier.ts";
import { REPO_ROOT } from "../localtier/paths.ts";
import type { FaunaCluster } from "../api/types.ts";
import { ensureTier, installOperator, tierKubectl, waitForReady } from "./tierSetup.ts";

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
  const { state, startedHere } = await ensureTier(say, "demo");
  const kubectl = tierKubectl(state);
  let ok = false;
  try {
    say(`[demo ${elapsed(t0)}] kubectl apply -f crds/ -f manifests/   (the operator runs as a 2-replica Deployment, leader-elected)`);
    await installOperator(kubectl);
    say(`[demo ${elapsed(t0)}] operator ready; kubectl apply -f ${o.sample.replace(`${REPO_ROOT}/`, "")}`);
    const applied = await kubectl(["apply", "-f", o.sample, "-o", "jsonpath={.metadata.namespace}/{.metadata.name}"]);
    const [ns, name] = applied.split("/") as [string, string];
    const tApply = Date.now();
    const ready = await waitForReady(kubectl, ns, name, { timeoutS: o.timeoutS, onProgress: (line) => say(`[demo ${elapsed(t0)}] ${line}`) });
    ok = ready.ok;
    const { fc } = ready;
    if (!fc) throw new Error("the FaunaCluster could not be read");
    say(`[demo ${elapsed(t0)}] ${ok ? `Ready ${((Date.now() - tApply) / 1000).toFixed(0)} s after apply` : `NOT Ready after ${o.timeoutS} s`}`);
    process.stdout.write(`\n${await kubectl(["-n", ns, "get", "faunacluster", name])}\n\n${nodeTable(fc)}\n\n`);
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
