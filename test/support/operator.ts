// Runs `fauna-operator run` as a child process inside the tier's network namespace, authenticated with a token of
// the ServiceAccount from manifests/ (so the tests prove that RBAC is enough), and reads its /metrics.
// operatorSuite() is the usual setup of an integration file: tier, CRD + RBAC, a namespace, the operator, teardown.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import YAML from "yaml";
import { type TestTier, useTier } from "./localtier.ts";

export const OPERATOR_NAMESPACE = "fauna-operator-system";

/** crds/ and the RBAC part of manifests/ (not the Deployment: the operator under test is our child process). */
export async function installCrdAndRbac(tier: TestTier): Promise<void> {
  // Files run concurrently: two `kubectl apply` creating the same object race (AlreadyExists); the second apply wins.
  const apply = (file: string) => tier.kubectl(["apply", "-f", file]).catch((err: unknown) => {
    if (!/AlreadyExists|Conflict|the object has been modified/.test(String(err))) throw err;
    return tier.kubectl(["apply", "-f", file]);
  });
  await apply("crds/faunaclusters.fauna-operator.io.yaml");
  for (const f of ["00-namespace.yaml", "10-serviceaccount.yaml", "20-rbac.yaml", "25-secret-policy.yaml"]) await apply(`manifests/${f}`);
  await tier.kubectl(["wait", "--for=condition=Established", "crd/faunaclusters.fauna-operator.io", "--timeout=30s"]);
}

export type ServiceAccountRef = { namespace: string; name: string };
export const OPERATOR_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: OPERATOR_NAMESPACE, name: "fauna-operator" };

/** A kubeconfig whose user is the operator's ServiceAccount, or `sa` (TokenRequest, 2 h). */
export async function serviceAccountKubeconfig(tier: TestTier, dir: string, sa = OPERATOR_SERVICE_ACCOUNT): Promise<string> {
  const token = (await tier.kubectl(["create", "token", sa.name, "-n", sa.namespace, "--duration", "2h"])).trim();
  const admin = YAML.parse(readFileSync(tier.kubeconfig, "utf8")) as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  const cluster = admin.clusters[0];
  if (!cluster) throw new Error("tier kubeconfig has no cluster");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "tier", cluster: cluster.cluster }],
    users: [{ name: "fauna-operator", user: { token } }],
    contexts: [{ name: "sa", context: { cluster: "tier", user: "fauna-operator" } }],
    "current-context": "sa",
  };
  const path = join(dir, "operator.kubeconfig");
  writeFileSync(path, YAML.stringify(config), { mode: 0o600 });
  return path;
}

export interface RunningOperator {
  proc: ChildProcess;
  healthPort: number;
  logFile: string;
  metrics(): Promise<string>;
  objectWrites(): Promise<number>;
  stop(): Promise<void>;
}

export async function startOperator(
  tier: TestTier,
  opts: {
    namespace: string; healthPort: number; leaseName: string; extraArgs?: string[];
    /** Another ServiceAccount than manifests/' (its Lease then lives in its namespace). */
    serviceAccount?: ServiceAccountRef;
    /** The CLI to run: src/cli/main.ts (default, type stripping) or dist/cli/main.js (compiled, as the image runs it). */
    entry?: string;
  },
): Promise<RunningOperator> {
  const dir = mkdtempSync(join(tmpdir(), "fauna-operator-test-"));
  const sa = opts.serviceAccount ?? OPERATOR_SERVICE_ACCOUNT;
  const kubeconfig = await serviceAccountKubeconfig(tier, dir, sa);
  const logFile = join(dir, "operator.log");
  const out = createWriteStream(logFile);
  const proc = spawn(
    process.execPath,
    [
      opts.entry ?? "src/cli/main.ts", "run", "--kubeconfig", kubeconfig, "--namespace", opts.namespace,
      "--leader-election-namespace", sa.namespace, "--leader-election-name", opts.leaseName,
      "--health-port", String(opts.healthPort), ...(opts.extraArgs ?? []),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "" } },
  );
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const exited = new Promise<void>((r) => proc.on("exit", () => r()));
  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${opts.healthPort}/metrics`);
    return res.text();
  };
  return {
    proc,
    healthPort: opts.healthPort,
    logFile,
    metrics,
    async objectWrites() {
      const text = await metrics();
      let sum = 0;
      for (const line of text.split("\n")) {
        if (line.startsWith("kube_api_object_writes_total{")) sum += Number(line.split(" ").pop());
      }
      return sum;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** Issue 3's quiet rule: after convergence the operator makes no object write for `quietMs` (and did write before). */
export async function assertNoWritesFor(op: RunningOperator, quietMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 3000)); // let the last status write's own watch event pass
  const before = await op.objectWrites();
  await new Promise((r) => setTimeout(r, quietMs));
  const afterWrites = await op.objectWrites();
  assert.equal(afterWrites, before, `object writes went from ${before} to ${afterWrites}`);
  assert.ok(before > 0, "the operator did write while converging");
}

/** A sample from manifests/samples/local/ moved into `namespace`, with spec overrides. */
export function sample(file: string, namespace: string, patch: (spec: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const doc = YAML.parse(readFileSync(`manifests/samples/local/${file}`, "utf8")) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  doc.metadata.namespace = namespace;
  patch(doc.spec);
  return doc as unknown as Record<string, unknown>;
}

export interface OperatorSuiteOptions {
  /** The test namespace's name starts with this (a random suffix follows). */
  namespacePrefix: string;
  healthPort: number;
  extraArgs?: string[];
  /** false: `before` starts no operator, the test calls `suite.startOperator()` itself (default true). */
  startInBefore?: boolean;
  /** Runs first in `after`, while the operator still runs: stop what the test started (load, pollers). */
  teardownFirst?: () => unknown;
}

export interface OperatorSuite {
  readonly tier: TestTier;
  /** The test namespace the operator watches. */
  readonly ns: string;
  /** The operator started last, if any. */
  readonly op: RunningOperator | undefined;
  /** Starts an operator on the suite's namespace and Lease (`lease-<ns>`); it becomes `op`, and `after` stops it. */
  startOperator(): Promise<RunningOperator>;
  /** The last 40 lines of `op`'s log ("" without one). */
  logTail(): string;
  /** Rethrows `err` with `op`'s log tail appended, for `.catch(suite.failWithLogTail)`. */
  failWithLogTail(err: unknown): never;
}

/**
 * Registers the file's `before` (tier, CRD + RBAC, a fresh namespace, the operator) and `after` (operator stopped,
 * namespace deleted unless KEEP_NS=1) hooks; the returned handles are usable once `before` has run.
 */
export function operatorSuite(options: OperatorSuiteOptions): OperatorSuite {
  let tier: TestTier | undefined;
  let ns: string | undefined;
  let op: RunningOperator | undefined;
  const notYet = (what: string): never => {
    throw new Error(`operatorSuite: ${what} is set by the suite's before hook, which has not run`);
  };
  const suite: OperatorSuite = {
    get tier() {
      return tier ?? notYet("tier");
    },
    get ns() {
      return ns ?? notYet("ns");
    },
    get op() {
      return op;
    },
    async startOperator() {
      op = await startOperator(suite.tier, {
        namespace: suite.ns, healthPort: options.healthPort, leaseName: `lease-${suite.ns}`, extraArgs: options.extraArgs,
      });
      return op;
    },
    logTail: () => logTail(op?.logFile),
    failWithLogTail: (err) => {
      throw new Error(`${String(err)}\noperator log tail:\n${suite.logTail()}`);
    },
  };
  before(async () => {
    tier = await useTier();
    await installCrdAndRbac(tier);
    ns = await tier.namespace(options.namespacePrefix);
    if (options.startInBefore !== false) await suite.startOperator();
  });
  after(async () => {
    await options.teardownFirst?.();
    await op?.stop();
    if (process.env.KEEP_NS !== "1" && ns !== undefined) await tier?.deleteNamespace(ns);
  });
  return suite;
}

/** The last `lines` lines of an operator log ("" if there is none yet). */
export function logTail(file: string | undefined, lines = 40): string {
  if (!file) return "";
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The identity an instance logged at start (`<hostname>_<uuid>`), as it writes it into the Lease and its User-Agent. */
export function identityOf(op: RunningOperator): string {
  for (const line of readFileSync(op.logFile, "utf8").split("\n")) {
    const m = /"msg":"runtime configured"/.test(line) ? /"identity":"([^"]+)"/.exec(line) : null;
    if (m?.[1]) return m[1];
  }
  throw new Error(`no identity in ${op.logFile}`);
}
