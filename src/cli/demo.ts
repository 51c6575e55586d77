// `fauna-operator demo [--keep] [--sample FILE] [--timeout SECONDS] [--rate OPS] [--concurrency N] [--metrics-port PORT]`:
// the tutorial, automated, on the local tier. Tier up (binaries built on first use), the CRD and the operator as a
// user installs them (`kubectl apply -f crds/ -f manifests/`), the 3 × 3 sample applied and Ready, the
// `faunadb-admin status` table, the schema step (database `load-tests`, a collection, an index, a key scoped to the
// database: the load runs with that key), then under load through the client Service, in the tutorial's order:
// kill a node; kill a whole replica and, with it still down, skew the clocks of the remaining nodes; recovery. One
// line per scenario, the verdict on "FaunaDB does not depend on clocks", the report (HTML, JSON, JUnit) and teardown.
// `npm run harness` is the configurable runner behind it.
import { join } from "node:path";
import { parseArgs } from "node:util";
import faunadb from "faunadb";
import { down, exec, insideTier, readState } from "../localtier/tier.ts";
import { REPO_ROOT } from "../localtier/paths.ts";
import type { FaunaCluster } from "../api/types.ts";
import { localBackend } from "../harness/localBackend.ts";
import { clientServiceEndpoint, readRootKey, targetAdminTls, type Kubectl } from "../harness/kube.ts";
import { failures, passed, type HarnessReport } from "../harness/report.ts";
import { writeReportFiles } from "../harness/reportFiles.ts";
import { DEFAULT_LOAD, runScenarios } from "../harness/runner.ts";
import { clockVerdict, TUTORIAL_SCENARIOS } from "../harness/tutorial.ts";
import { harnessMetrics, liveOptions } from "../harness/metrics.ts";
import { DEFAULT_METRICS_PORT, metricsSocket, relayRunMetrics, serveRunMetrics } from "../harness/metricsServer.ts";
import { once, type Endpoint } from "../load/load.ts";
import { ensureTier, installOperator, operatorNames, tierKubectl, waitForReady } from "./tierSetup.ts";
import { runAdmin } from "./faunaAdmin.ts";

const q = faunadb.query;
const USAGE = "usage: demo [--keep] [--sample FILE] [--timeout SECONDS] [--rate OPS] [--concurrency N] [--metrics-port PORT]";

interface Options {
  keep: boolean;
  sample: string;
  timeoutS: number;
  rate: number;
  concurrency: number;
  metricsPort: number;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      keep: { type: "boolean", default: false },
      sample: { type: "string", default: join(REPO_ROOT, "manifests/samples/local/cluster.yaml") },
      timeout: { type: "string", default: "600" },
      rate: { type: "string", default: String(DEFAULT_LOAD.rate) },
      concurrency: { type: "string", default: String(DEFAULT_LOAD.concurrency) },
      "metrics-port": { type: "string", default: String(DEFAULT_METRICS_PORT) },
    },
  });
  const num = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a non-negative number`);
    return n;
  };
  return {
    keep: values.keep, sample: values.sample, timeoutS: num(values.timeout, "--timeout"), rate: num(values.rate, "--rate"),
    concurrency: num(values.concurrency, "--concurrency"), metricsPort: num(values["metrics-port"], "--metrics-port"),
  };
}

const say = (m: string) => process.stderr.write(`${m}\n`);
const out = (m: string) => process.stdout.write(`${m}\n`);

/** The tutorial's schema step, as FaunaShell does it (`fauna create-database`, a schema file, `fauna create-key`). */
export const SCHEMA = { database: "load-tests", collection: "users", index: "users_by_city" } as const;

/** Database, collection, index and a server key scoped to the database; resolves to the key's secret (kept in memory). */
async function schemaStep(endpoint: Endpoint, rootKey: string): Promise<string> {
  const db = SCHEMA.database;
  await once(endpoint, rootKey, q.If(q.Exists(q.Database(db)), null, q.CreateDatabase({ name: db })));
  const inDb = `${rootKey}:${db}:admin`;
  await once(endpoint, inDb, q.If(q.Exists(q.Collection(SCHEMA.collection)), null, q.CreateCollection({ name: SCHEMA.collection })));
  await once(endpoint, inDb, q.If(q.Exists(q.Index(SCHEMA.index)), null,
    q.CreateIndex({ name: SCHEMA.index, source: q.Collection(SCHEMA.collection), terms: [{ field: ["data", "city"] }] })));
  const key = await once<{ secret: string }>(endpoint, rootKey, q.CreateKey({ database: q.Database(db), role: "server" }));
  // The key works in its database, and the index answers.
  await once(endpoint, key.secret, q.Create(q.Collection(SCHEMA.collection), { data: { city: "Oslo" } }));
  const page = await once<{ data: unknown[] }>(endpoint, key.secret, q.Paginate(q.Match(q.Index(SCHEMA.index), "Oslo")));
  if (page.data.length === 0) throw new Error(`index ${SCHEMA.index} found nothing it should`);
  return key.secret;
}

async function retry<T>(what: string, f: () => Promise<T>, withinMs = 60_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The tutorial inside the tier's network namespace (the load reaches the client Service's cluster IP). */
async function tutorial(o: Options, kubectl: Kubectl, kubeconfig: string): Promise<number> {
  const t0 = Date.now();
  const step = (m: string) => say(`[demo ${`${((Date.now() - t0) / 1000).toFixed(0)}s`.padStart(5)}] ${m}`);
  step("kubectl apply -f crds/ -f manifests/   (the operator runs as a 2-replica Deployment, leader-elected)");
  const operator = await installOperator(kubectl);
  step(`operator ready; kubectl apply -f ${o.sample.replace(`${REPO_ROOT}/`, "")}`);
  const applied = await kubectl(["apply", "-f", o.sample, "-o", "jsonpath={.metadata.namespace}/{.metadata.name}"]);
  const [ns, name] = applied.split("/") as [string, string];
  const tApply = Date.now();
  const metrics = harnessMetrics();
  const stopMetrics = await serveRunMetrics(metrics.registry, o.metricsPort);
  try {
    const ready = await waitForReady(kubectl, ns, name, { timeoutS: o.timeoutS, onProgress: step });
    if (!ready.ok || !ready.fc) {
      step(`NOT Ready after ${o.timeoutS} s; see kubectl -n fauna-operator-system logs deploy/fauna-operator, .work/localtier/logs/`);
      return 1;
    }
    step(`Ready ${((Date.now() - tApply) / 1000).toFixed(0)} s after apply`);
    const target = { kubectl, namespace: ns, cluster: name, operator, backend: localBackend() };
    const rootKey = await readRootKey(target);
    const fc: FaunaCluster = ready.fc;
    const first = fc.status?.nodes?.find((n) => n.status === "up" && n.address);
    out(`\n${await kubectl(["-n", ns, "get", "faunacluster", name])}\n\n$ faunadb-admin status   (kubectl fauna admin ${name} status)`);
    const adminTls = await targetAdminTls(target);
    out(await retry("faunadb-admin status", () => runAdmin(first!.address!, rootKey, "status", [], { tls: adminTls })));

    const endpoint = await clientServiceEndpoint(target);
    step(`schema step: database ${SCHEMA.database}, collection ${SCHEMA.collection}, index ${SCHEMA.index}, a server key scoped to ${SCHEMA.database} (as fauna create-database / run-queries / create-key)`);
    const key = await retry("the schema step", () => schemaStep(endpoint, rootKey));
    step(`schema ready; the load runs in ${SCHEMA.database} with that key (kept in memory) through Service ${ns}/${name} (${endpoint.tls ? "https" : "http"}://${endpoint.domain}:${endpoint.port}${endpoint.tls ? `, verified as ${endpoint.tls.serverName}` : ""}), ${o.rate} ops/s, up to ${o.concurrency} in flight`);

    const results = await runScenarios(TUTORIAL_SCENARIOS, target, {
      secret: key, rate: o.rate, concurrency: o.concurrency, faultLoadMs: 20_000, steadyMs: 6_000, readyTimeoutMs: o.timeoutS * 1000,
      progress: step, ...liveOptions(metrics),
    });
    const report: HarnessReport = {
      startedAt: new Date(t0).toISOString(), durationS: (Date.now() - t0) / 1000, cluster: `${ns}/${name}`,
      topology: (fc.spec.replicas ?? []).map((r) => `${r.name}: ${r.nodes} × ${r.type ?? "data+log"}`).join(", "),
      load: `${o.rate} ops/s open loop, at most ${o.concurrency} in flight, in database ${SCHEMA.database} with a server key, through the client Service`,
      scenarios: results, notRun: [],
    };
    const clocks = clockVerdict(results.find((r) => r.name === "kill-replica-then-skew"));
    const files = await writeReportFiles(report, join(REPO_ROOT, ".work", "demo"), [clocks.note], { clockVerdict: clocks });
    out("");
    for (const r of results) {
      const checks = (r.checks ?? []).map((c) => `${c.name} ${c.passed ? "ok" : "FAIL"}`).join(", ");
      out(`${passed(r) ? "PASS" : "FAIL"}  ${r.name}: ${r.writesAcknowledged} writes acknowledged, ${r.lost} lost; checks ${checks || "-"}; p50/p99 ${r.latency ? `${r.latency.p50Ms.toFixed(0)}/${r.latency.p99Ms.toFixed(0)} ms` : "-"}; Ready again ${r.readyAgainS === null ? "never" : `${r.readyAgainS.toFixed(1)} s`}${passed(r) ? "" : ` — ${failures(r).join("; ")}`}`);
    }
    out(clocks.line);
    out(`report: ${files.html.replace(`${REPO_ROOT}/`, "")} (+ report.json, junit.xml${files.png ? ", report.png" : ""})`);
    const ok = results.length > 0 && results.every(passed) && clocks.pass;
    if (o.keep) {
      say(`[demo] left running: kubectl --kubeconfig ${kubeconfig} -n ${ns} get faunacluster,pods`);
      say(`[demo] status: KUBECONFIG=${kubeconfig} PATH=$PATH:${join(REPO_ROOT, "bin")} kubectl fauna status ${name} -n ${ns}; stop: npm run local:down`);
    } else {
      step("tearing down");
      await kubectl(["-n", ns, "delete", "faunacluster", name, "--wait=true", "--timeout=60s"]).catch(() => undefined);
      await kubectl(["-n", operatorNames().namespace, "delete", "deployment", operatorNames().deployment, "--wait=true", "--timeout=60s"]).catch(() => undefined);
    }
    return ok ? 0 : 1;
  } finally {
    await stopMetrics();
  }
}

export async function main(argv: string[]): Promise<number> {
  let o: Options;
  try {
    o = options(argv);
  } catch (e) {
    say(`demo: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const running = readState();
  const state = running?.ready && insideTier(running) ? running : undefined;
  if (state) return tutorial(o, tierKubectl(state), state.kubeconfig);
  const { startedHere } = await ensureTier(say, "demo");
  const stopRelay = await relayRunMetrics(o.metricsPort, metricsSocket("demo"));
  if (o.metricsPort) say(`[demo] live metrics: http://127.0.0.1:${o.metricsPort}/metrics (Grafana: dashboards/fauna.json; README "Live metrics")`);
  try {
    say("[demo] continuing inside the tier's network namespace");
    return await exec([process.execPath, process.argv[1] ?? join(REPO_ROOT, "src", "cli", "main.ts"), "demo", ...argv]);
  } finally {
    await stopRelay();
    if (!o.keep && startedHere) await down();
  }
}
