// `fauna-operator harness [--backend local|kind] [--scenarios a,b,c] [--keep] [--sample FILE] [--timeout SECONDS]`:
// the resilience harness. Applies the sample in a fresh namespace, runs the failure scenarios under load, writes the
// report to .work/harness/ and prints it. --backend local (default): brings the local tier up if needed, then
// re-runs itself inside the tier's network namespace (the load must reach the client Service's cluster IP), with an
// operator Deployment scoped to the namespace. --backend kind: the kind cluster and operator of hack/kind/up.sh,
// reached from the Docker host (src/harness/kindBackend.ts).
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import type { FaunaCluster } from "../api/types.ts";
import { down, exec, insideTier, readState } from "../localtier/tier.ts";
import { REPO_ROOT } from "../localtier/paths.ts";
import type { Kubectl } from "../harness/kube.ts";
import { overallPass, renderMarkdown, type HarnessReport } from "../harness/report.ts";
import { writeReportFiles } from "../harness/reportFiles.ts";
import { DEFAULT_LOAD, runScenarios, type RunOptions } from "../harness/runner.ts";
import { networkPartition, NOT_RUN, SCENARIOS, selectScenarios, type Scenario } from "../harness/scenarios.ts";
import { parseBackend, type Backend, type BackendName } from "../harness/backend.ts";
import { kindBackend } from "../harness/kindBackend.ts";
import { localBackend } from "../harness/localBackend.ts";
import { connectKind } from "./kindTier.ts";
import { harnessMetrics, liveOptions } from "../harness/metrics.ts";
import { DEFAULT_METRICS_PORT, metricsSocket, relayRunMetrics, serveRunMetrics } from "../harness/metricsServer.ts";
import { ensureTier, installOperator, operatorNames, tierKubectl, waitForReady, WATCH_LABEL, type OperatorNames } from "./tierSetup.ts";

const USAGE = "usage: harness [--backend local|kind] [--scenarios a,b,c] [--keep] [--sample FILE] [--timeout SECONDS] [--rate OPS] [--concurrency N] [--metrics-port PORT]";

interface Options {
  backend: BackendName;
  scenarios: string[];
  keep: boolean;
  sample: string | undefined;
  timeoutS: number;
  rate: number;
  concurrency: number;
  /** Live Prometheus metrics on the host at 127.0.0.1:PORT/metrics (0 = none). */
  metricsPort: number;
}

/** The sample each backend runs by default: the simulator 3 x 3, on kind one replica per zone. */
const DEFAULT_SAMPLES: Record<BackendName, string> = {
  local: "manifests/samples/local/cluster.yaml",
  kind: "manifests/samples/kind/simulator.yaml",
};

function parseArgs(argv: string[]): Options {
  const o: Options = { backend: "local", scenarios: [], keep: false, sample: undefined, timeoutS: 600, rate: DEFAULT_LOAD.rate, concurrency: DEFAULT_LOAD.concurrency, metricsPort: DEFAULT_METRICS_PORT };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--keep") o.keep = true;
    else if (a === "--backend") o.backend = parseBackend(argv[++i] ?? "");
    else if (a === "--scenarios") o.scenarios = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--sample") o.sample = argv[++i] ?? o.sample;
    else if (a === "--timeout") o.timeoutS = Number(argv[++i] ?? o.timeoutS);
    else if (a === "--rate") o.rate = Number(argv[++i] ?? o.rate);
    else if (a === "--concurrency") o.concurrency = Number(argv[++i] ?? o.concurrency);
    else if (a === "--metrics-port") o.metricsPort = Number(argv[++i] ?? o.metricsPort);
    else throw new Error(`harness: unknown argument ${a}; ${USAGE}`);
  }
  return o;
}

const say = (m: string) => process.stderr.write(`${m}\n`);

export interface HarnessRun {
  kubectl: Kubectl;
  backend: Backend;
  /** An existing namespace for the cluster; the operator Deployment watches only it. */
  namespace: string;
  /** A FaunaCluster manifest (its namespace is replaced). */
  cluster: FaunaCluster;
  scenarios: readonly Scenario[];
  readyTimeoutS: number;
  /** Leave the cluster and the operator running afterwards. */
  keep?: boolean;
  /** An operator already running that manages the namespace (kind: hack/kind/up.sh's); else one is installed for it. */
  operator?: OperatorNames;
  runOptions?: RunOptions;
  say: (m: string) => void;
}

/** Operator + cluster up, the scenarios, the report; the cluster and the operator deleted after unless `keep`. */
export async function runHarness(h: HarnessRun): Promise<HarnessReport> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`.padStart(5);
  const log = (m: string) => h.say(`[harness ${elapsed()}] ${m}`);
  const name = h.cluster.metadata.name ?? "fauna";
  const cluster: FaunaCluster = { ...h.cluster, metadata: { ...h.cluster.metadata, namespace: h.namespace } };
  if (h.operator) log(`using the operator Deployment ${h.operator.namespace}/${h.operator.deployment} (Lease ${h.operator.lease})`);
  else log(`installing the CRD and the operator Deployment (watching only ${h.namespace})`);
  const operator = h.operator ?? (await installOperator(h.kubectl, h.namespace));
  try {
    log(`operator ready; applying FaunaCluster ${h.namespace}/${name} (${topologyOf(cluster)})`);
    await h.kubectl(["apply", "-f", "-"], JSON.stringify(cluster));
    const ready = await waitForReady(h.kubectl, h.namespace, name, { timeoutS: h.readyTimeoutS, onProgress: log });
    if (!ready.ok) throw new Error(`${h.namespace}/${name} was not Ready within ${h.readyTimeoutS} s`);
    log("Ready; running the scenarios");
    const target = { kubectl: h.kubectl, namespace: h.namespace, cluster: name, operator, backend: h.backend };
    const cannotIsolate = await h.backend.cannotIsolate();
    const runnable = h.scenarios.filter((s) => s !== networkPartition || cannotIsolate === undefined);
    if (cannotIsolate) log(`network-partition cannot run here: ${cannotIsolate}`);
    const scenarios = await runScenarios(runnable, target, { ...h.runOptions, progress: (m) => log(m) });
    const unselected = SCENARIOS.filter((s) => !runnable.includes(s)).map((s) => ({
      name: s.name,
      reason: h.scenarios.includes(s) ? (cannotIsolate ?? "") : "not selected (--scenarios)",
    }));
    return {
      backend: h.backend.name,
      startedAt,
      durationS: (Date.now() - t0) / 1000,
      cluster: `${h.namespace}/${name}`,
      topology: topologyOf(cluster),
      load: `${h.runOptions?.rate ?? DEFAULT_LOAD.rate} ops/s open loop, at most ${h.runOptions?.concurrency ?? DEFAULT_LOAD.concurrency} in flight; writes, read-backs, bank transfers and balance reads, register writes and reads; one connection per op through the client Service`,
      scenarios,
      notRun: [...NOT_RUN, ...unselected],
    };
  } finally {
    if (!h.keep) {
      log(h.operator ? "deleting the cluster" : "deleting the cluster and the operator");
      await h.kubectl(["-n", h.namespace, "delete", "faunacluster", name, "--wait=true", "--timeout=60s"]).catch(() => undefined);
    }
    if (!h.keep && !h.operator) {
      // The Lease goes after the pods: a stopping leader releases (rewrites) it.
      await h.kubectl(["-n", operator.namespace, "delete", "deployment", operator.deployment, "--wait=true", "--timeout=60s"]).catch(() => undefined);
      await h.kubectl(["-n", operator.namespace, "wait", "--for=delete", "pod", "-l", `${WATCH_LABEL}=${h.namespace}`, "--timeout=60s"]).catch(() => undefined);
      await h.kubectl(["-n", operator.namespace, "delete", "lease", operator.lease, "--ignore-not-found"]).catch(() => undefined);
    }
  }
}

function topologyOf(fc: FaunaCluster): string {
  const replicas = fc.spec.replicas ?? [];
  const nodes = [...new Set(replicas.map((r) => r.nodes))];
  const shape = nodes.length === 1 ? `${replicas.length} replicas × ${nodes[0]} node${nodes[0] === 1 ? "" : "s"}` : replicas.map((r) => `${r.name}: ${r.nodes}`).join(", ");
  return `${shape}, settleSeconds ${fc.spec.settleSeconds ?? "default (30)"}`;
}

/**
 * A sample manifest as it is. The settle wait stays as the sample has it: shorter than the nodes' own settling
 * (FACTS §7.3) leaves a log segment stuck, and every write times out while the cluster reports Ready.
 */
export function harnessCluster(file: string): FaunaCluster {
  return parse(readFileSync(file, "utf8")) as FaunaCluster;
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const scenarios = selectScenarios(o.scenarios);
  const sample = o.sample ?? join(REPO_ROOT, DEFAULT_SAMPLES[o.backend]);
  if (o.backend === "kind") {
    // up.sh's operator watches every namespace: a second one scoped to the harness's would fight it.
    return harnessIn((await connectKind()).kubectl, kindBackend(), o, scenarios, sample, operatorNames());
  }
  const running = readState();
  const state = running?.ready && insideTier(running) ? running : undefined;
  if (!state) {
    const { startedHere } = await ensureTier(say, "harness");
    const stopRelay = await relayRunMetrics(o.metricsPort, metricsSocket("harness"));
    if (o.metricsPort) say(`[harness] live metrics: http://127.0.0.1:${o.metricsPort}/metrics (Grafana: dashboards/fauna.json)`);
    try {
      const script = process.argv[1] ?? join(REPO_ROOT, "src", "cli", "main.ts");
      say("[harness] continuing inside the tier's network namespace");
      return await exec([process.execPath, script, "harness", ...argv]);
    } finally {
      await stopRelay();
      if (!o.keep && startedHere) await down();
    }
  }
  return harnessIn(tierKubectl(state), localBackend(), o, scenarios, sample);
}

/** A fresh namespace (restricted Pod Security enforced), the harness in it, the report written and printed. */
async function harnessIn(kubectl: Kubectl, backend: Backend, o: Options, scenarios: Scenario[], sample: string, operator?: OperatorNames): Promise<number> {
  const namespace = `harness-${randomBytes(3).toString("hex")}`;
  await kubectl(["create", "namespace", namespace]);
  await kubectl(["label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted"]);
  say(`[harness] backend ${backend.name}; namespace ${namespace}; sample ${sample.replace(`${REPO_ROOT}/`, "")}`);
  const metrics = harnessMetrics();
  const stopMetrics = await serveRunMetrics(metrics.registry, o.metricsPort);
  let report: HarnessReport;
  try {
    const runOptions = { rate: o.rate, concurrency: o.concurrency, ...liveOptions(metrics) };
    report = await runHarness({ kubectl, backend, namespace, cluster: harnessCluster(sample), scenarios, readyTimeoutS: o.timeoutS, keep: o.keep, operator, say, runOptions });
  } finally {
    await stopMetrics();
    await backend.close();
    if (!o.keep) await kubectl(["delete", "namespace", namespace, "--wait=false"]).catch(() => undefined);
  }
  const files = await writeReportFiles(report, join(REPO_ROOT, ".work", "harness"));
  process.stdout.write(`${renderMarkdown(report)}\n`);
  say(`[harness] report: ${files.html.replace(`${REPO_ROOT}/`, "")} (+ report.md, report.json, junit.xml${files.png ? ", report.png" : ""})`);
  const running = operator ?? operatorNames(namespace);
  if (o.keep) say(`[harness] left running: namespace ${namespace}, deployment ${running.namespace}/${running.deployment}`);
  return overallPass(report) ? 0 : 1;
}
