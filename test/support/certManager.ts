// The real cert-manager controller on the local tier, for tests of the operator's cert-manager integration: its CRDs
// and the controller's RBAC (both rendered from cert-manager's own module by hack/build-certmanager.sh), and the
// controller (upstream's cmd/controller, built from the Go module proxy) as a child process inside the tier's network
// namespace, authenticated as the ServiceAccount its Helm chart installs. No webhook and no cainjector run: the
// controller issues without them, but nothing validates cert-manager objects beyond their CRD schemas (see README,
// "cert-manager on the tier").
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO_ROOT } from "../../src/localtier/paths.ts";
import { type TestTier, eventually } from "./localtier.ts";
import { serviceAccountKubeconfig } from "./operator.ts";

export const CERT_MANAGER_VERSION = process.env.CERT_MANAGER_VERSION ?? "1.11.5";
/** Where the chart installs cert-manager, its ServiceAccount and (as `--cluster-resource-namespace`) ClusterIssuer Secrets. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
const SERVICE_ACCOUNT = { namespace: CERT_MANAGER_NAMESPACE, name: "cert-manager" };
const CRDS = ["certificates", "certificaterequests", "issuers", "clusterissuers", "orders", "challenges"] as const;
const BUILD_HINT = "run `npm run local:build` (or `bash hack/build-certmanager.sh`; ~4-6 min cold, cached after)";

/** hack/build-certmanager.sh's output directory. */
export function certManagerDir(): string {
  return process.env.FAUNA_CERT_MANAGER_CACHE ?? join(homedir(), ".cache", "fauna-operator", `cert-manager-v${CERT_MANAGER_VERSION}`);
}

export const certManagerFiles = () => {
  const dir = certManagerDir();
  return {
    controller: join(dir, "cert-manager-controller"),
    crds: CRDS.map((c) => join(dir, "crds", `${c}.yaml`)),
    rbac: join(dir, "rbac.yaml"),
  };
};

/** What of hack/build-certmanager.sh's output is missing ([] when all is there). */
export function missingCertManager(): string[] {
  const f = certManagerFiles();
  return [f.controller, ...f.crds, f.rbac].filter((p) => !existsSync(p));
}

/** Applies `file` server-side; concurrent test files applying the same object race on its creation, so once more. */
async function applyServerSide(tier: TestTier, file: string): Promise<void> {
  const args = ["apply", "--server-side", "--force-conflicts", "--field-manager", "cert-manager-tests", "-f", file];
  await tier.kubectl(args).catch((err: unknown) => {
    if (!/AlreadyExists|Conflict|the object has been modified/.test(String(err))) throw err;
    return tier.kubectl(args);
  });
}

/** cert-manager's six CRDs (cert-manager.io and acme.cert-manager.io), Established. Idempotent. */
export async function installCertManagerCrds(tier: TestTier): Promise<void> {
  for (const file of certManagerFiles().crds) await applyServerSide(tier, file);
  const names = CRDS.map((c) => `crd/${c}.${c === "orders" || c === "challenges" ? "acme." : ""}cert-manager.io`);
  await tier.kubectl(["wait", "--for=condition=Established", ...names, "--timeout=60s"]);
}

/** The namespace `cert-manager`, the controller's ServiceAccount and its Roles/ClusterRoles/bindings from the chart. Idempotent. */
export async function installCertManagerRbac(tier: TestTier): Promise<void> {
  await tier.kubectl(["create", "namespace", CERT_MANAGER_NAMESPACE]).catch((err: unknown) => {
    if (!/AlreadyExists/.test(String(err))) throw err;
  });
  await applyServerSide(tier, certManagerFiles().rbac);
}

export interface StartCertManagerOptions {
  /** `--namespace`: watch this namespace only (ClusterIssuers are then off). Without it the controller is cluster-wide. */
  namespace?: string;
  /** More controller flags, e.g. `--v=4` or `--controllers=...`. */
  extraArgs?: string[];
  /** How long to wait for the controller's metrics endpoint to answer (default 60 s). */
  startTimeoutMs?: number;
}

export interface RunningCertManager {
  proc: ChildProcess;
  /** The controller's log (klog text), under .work/cert-manager/. */
  logFile: string;
  /** host:port of its Prometheus endpoint (`/metrics`). */
  metricsAddress: string;
  /** The exact command line it was started with. */
  args: string[];
  metrics(): Promise<string>;
  /** Resident memory of the controller process now, in bytes (0 once it exited). */
  rssBytes(): number;
  /** The last `lines` lines of its log. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Installs the CRDs and RBAC (idempotent) and starts the cert-manager controller as a child process of this test
 * (so inside the tier's network namespace) with a token of the chart's ServiceAccount, `--leader-elect=false`, and
 * its metrics on a free loopback port. Resolves once /metrics answers, i.e. the controller has built its clients and
 * is starting its control loops; rejects (with the log tail) if it exits first.
 *
 * Two controllers that watch the same namespace both act on its Certificates: a test file that runs one beside other
 * files (the suite runs three at a time) passes `namespace`.
 */
export async function startCertManager(tier: TestTier, opts: StartCertManagerOptions = {}): Promise<RunningCertManager> {
  const missing = missingCertManager();
  if (missing.length) throw new Error(`cert-manager is not built (${missing.join(", ")}): ${BUILD_HINT}`);
  await installCertManagerCrds(tier);
  await installCertManagerRbac(tier);
  const files = certManagerFiles();
  const logDir = join(REPO_ROOT, ".work", "cert-manager");
  mkdirSync(logDir, { recursive: true });
  const kubeconfig = await serviceAccountKubeconfig(tier, mkdtempSync(join(logDir, "kubeconfig-")), SERVICE_ACCOUNT);
  const logFile = join(logDir, `controller-${opts.namespace ?? "cluster"}-${new Date().toISOString().replace(/[:.]/g, "")}.log`);
  const args = [
    `--kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    // As the chart's Deployment: ClusterIssuer Secrets in the install namespace, log level 2.
    `--cluster-resource-namespace=${CERT_MANAGER_NAMESPACE}`,
    "--v=2",
    // net.Listen picks the port; the controller logs it ("starting metrics server").
    "--metrics-listen-address=127.0.0.1:0",
    ...(opts.namespace ? [`--namespace=${opts.namespace}`] : []),
    ...(opts.extraArgs ?? []),
  ];
  const out = createWriteStream(logFile);
  const proc = spawn(files.controller, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "" } });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  // If this test process ends without stop() (a crash, a cancelled run), the controller must not outlive it.
  const reap = () => void proc.kill("SIGKILL");
  process.once("exit", reap);
  const exited = new Promise<void>((r) => proc.once("exit", () => (process.off("exit", reap), r())));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  const stop = async () => {
    if (!gone()) {
      proc.kill("SIGTERM");
      const killed = sleep(10_000).then(() => (gone() ? undefined : proc.kill("SIGKILL")));
      await Promise.race([exited, killed]);
    }
    await exited;
  };

  let metricsAddress: string;
  try {
    metricsAddress = await eventually("the cert-manager controller's metrics address in its log", async () => {
      if (gone()) throw new Error(`cert-manager controller exited (${proc.exitCode ?? proc.signalCode})`);
      // klog's logr line: "msg"="starting metrics server" "address"={"IP":"127.0.0.1","Port":40319,"Zone":""}
      const m = /starting metrics server.*"IP":"([^"]+)","Port":(\d+)/.exec(readFileSync(logFile, "utf8"));
      return m ? `${m[1]}:${m[2]}` : undefined;
    }, opts.startTimeoutMs ?? 60_000);
    await eventually("the cert-manager controller's /metrics", async () => {
      if (gone()) throw new Error(`cert-manager controller exited (${proc.exitCode ?? proc.signalCode})`);
      return (await fetch(`http://${metricsAddress}/metrics`)).ok;
    }, 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\ncert-manager log (${logFile}):\n${logTail()}`, { cause: err });
  }

  return {
    proc,
    logFile,
    metricsAddress,
    args,
    metrics: async () => (await fetch(`http://${metricsAddress}/metrics`)).text(),
    rssBytes: () => {
      if (gone() || proc.pid === undefined) return 0;
      try {
        const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1];
        return kb ? Number(kb) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    logTail,
    stop,
  };
}
