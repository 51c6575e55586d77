// Where the local tier keeps its binaries (built by hack/build-localtier.sh) and its run-time state.
import { homedir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const K8S_VERSION = process.env.K8S_VERSION ?? "1.34.4";
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function binDir(): string {
  return process.env.FAUNA_TIER_CACHE ?? join(homedir(), ".cache", "fauna-operator", `k8s-v${K8S_VERSION}`);
}

export function workDir(): string {
  return resolve(process.env.FAUNA_TIER_WORKDIR ?? join(REPO_ROOT, ".work", "localtier"));
}

export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok"] as const;
export type Binary = (typeof BINARIES)[number];

export function bin(name: Binary): string {
  return join(binDir(), name);
}

/** Files of one tier instance, all under its work dir. */
export function tierFiles(dir: string) {
  return {
    dir,
    state: join(dir, "state.json"),
    kubeconfig: join(dir, "kubeconfig"),
    pki: join(dir, "pki"),
    logs: join(dir, "logs"),
    etcdData: join(dir, "etcd"),
    hosts: join(dir, "hosts"),
    pods: join(dir, "pods"),
    volumes: join(dir, "volumes"),
    kwokConfig: join(dir, "kwok.yaml"),
    tokens: join(dir, "pki", "tokens.csv"),
    apiSocket: join(dir, "apiserver.sock"),
    shimBin: join(dir, "bin"),
    daemonLog: join(dir, "logs", "daemon.log"),
    auditPolicy: join(dir, "audit-policy.yaml"),
    /** kube-apiserver's audit log: writes by ServiceAccounts (see controlPlane.ts). */
    auditLog: join(dir, "logs", "audit.log"),
  };
}
export type TierFiles = ReturnType<typeof tierFiles>;

/** The pod network: every address in it is made local inside the tier's network namespace. */
export const POD_CIDR = "10.244.0.0/16";
/** The Service network: also made local, so the tier's userspace proxy can bind cluster IPs. */
export const SERVICE_CIDR = "10.96.0.0/16";
export const NODE_COUNT = 3;
