// Runs `fauna-operator run` as a child process inside the tier's network namespace, authenticated with a token of
// the ServiceAccount from manifests/ (so the tests prove that RBAC is enough), and reads its /metrics.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import type { TestTier } from "./localtier.ts";

export const OPERATOR_NAMESPACE = "fauna-operator-system";

/** crds/ and the RBAC part of manifests/ (not the Deployment: the operator under test is our child process). */
export async function installCrdAndRbac(tier: TestTier): Promise<void> {
  await tier.kubectl(["apply", "-f", "crds/faunaclusters.fauna-operator.io.yaml"]);
  for (const f of ["00-namespace.yaml", "10-serviceaccount.yaml", "20-rbac.yaml"]) await tier.kubectl(["apply", "-f", `manifests/${f}`]);
  await tier.kubectl(["wait", "--for=condition=Established", "crd/faunaclusters.fauna-operator.io", "--timeout=30s"]);
}

/** A kubeconfig whose user is the operator's ServiceAccount (TokenRequest, 2 h). */
export async function serviceAccountKubeconfig(tier: TestTier, dir: string): Promise<string> {
  const token = (await tier.kubectl(["create", "token", "fauna-operator", "-n", OPERATOR_NAMESPACE, "--duration", "2h"])).trim();
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
  opts: { namespace: string; healthPort: number; leaseName: string; extraArgs?: string[] },
): Promise<RunningOperator> {
  const dir = mkdtempSync(join(tmpdir(), "fauna-operator-test-"));
  const kubeconfig = await serviceAccountKubeconfig(tier, dir);
  const logFile = join(dir, "operator.log");
  const out = createWriteStream(logFile);
  const proc = spawn(
    process.execPath,
    [
      "src/cli/main.ts", "run", "--kubeconfig", kubeconfig, "--namespace", opts.namespace,
      "--leader-election-namespace", OPERATOR_NAMESPACE, "--leader-election-name", opts.leaseName,
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

/** A sample from manifests/samples/local/ moved into `namespace`, with spec overrides. */
export function sample(file: string, namespace: string, patch: (spec: Record<string, unknown>) => void = () => {}): Record<string, unknown> {
  const doc = YAML.parse(readFileSync(`manifests/samples/local/${file}`, "utf8")) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  doc.metadata.namespace = namespace;
  patch(doc.spec);
  return doc as unknown as Record<string, unknown>;
}
