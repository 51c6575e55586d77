// Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok inside the tier's namespace, with the
// flags and traps of shared/localtier/NOTES.md §2 (advertise address on a host with no default route, no endpoint
// reconciler, no leader election so restarts are quick).
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bin, SERVICE_CIDR, type TierFiles } from "./paths.ts";
import type { Pki } from "./pki.ts";
import { spawnLogged, waitFor, type ManagedProcess } from "./processes.ts";
import { httpGet } from "./http.ts";
import { kwokConfigYaml } from "./kwokStages.ts";
import { kubeconfigYaml } from "./kubeconfig.ts";

export const KWOK_PORT = 10250;

export interface ControlPlane {
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

export async function startControlPlane(files: TierFiles, pki: Pki, apiPort: number, log: (m: string) => void): Promise<ControlPlane> {
  await mkdir(files.logs, { recursive: true });
  await mkdir(files.etcdData, { recursive: true, mode: 0o700 });
  const server = `https://127.0.0.1:${apiPort}`;
  await writeFile(files.kubeconfig, kubeconfigYaml(server, pki.caCert, pki.adminToken), { mode: 0o600 });
  await writeFile(files.kwokConfig, kwokConfigYaml());
  await writeFile(files.auditPolicy, AUDIT_POLICY);
  const ca = readFileSync(pki.caCert);
  const processes: ManagedProcess[] = [];
  const start = (name: string, args: string[]) => {
    const p = spawnLogged(name, bin(name as Parameters<typeof bin>[0]), args, { logFile: join(files.logs, `${name}.log`) });
    processes.push(p);
    void p.exited.then((code) => log(`${name} exited (${code})`));
    return p;
  };
  const stop = async () => {
    for (const p of [...processes].reverse()) await p.stop(5000);
  };
  try {
    log("starting etcd");
    start("etcd", [
      "--name=n0", `--data-dir=${files.etcdData}`,
      "--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
      "--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
      "--initial-cluster=n0=http://127.0.0.1:2380", "--unsafe-no-fsync=true", "--quota-backend-bytes=2147483648",
      "--log-level=warn",
    ]);
    await waitFor("etcd /health", async () => (await httpGet("http://127.0.0.1:2379/health")).status === 200, 20_000,
      `see ${files.logs}/etcd.log`);

    log("starting kube-apiserver");
    start("kube-apiserver", [
      "--etcd-servers=http://127.0.0.1:2379", "--bind-address=127.0.0.1", `--secure-port=${apiPort}`,
      "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`, `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${pki.tokensCsv}`, "--authorization-mode=RBAC", "--allow-privileged=true",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
      "--kubelet-preferred-address-types=InternalIP",
      // Evict pods from a dead fake node in 30 s, not 5 min, so node-loss scenarios finish in test time.
      "--default-not-ready-toleration-seconds=30", "--default-unreachable-toleration-seconds=30",
      "--profiling=false",
      // Writes by ServiceAccounts (the operator under test) are audited: who wrote what, when, from which client.
      `--audit-policy-file=${files.auditPolicy}`, `--audit-log-path=${files.auditLog}`, "--audit-log-maxsize=200", "--audit-log-maxbackup=1",
    ]);
    await waitFor("kube-apiserver /readyz",
      async () => (await httpGet(`${server}/readyz`, { ca, token: pki.adminToken })).status === 200, 60_000,
      `see ${files.logs}/kube-apiserver.log`);

    log("starting kube-controller-manager, kube-scheduler, kwok");
    start("kube-controller-manager", [
      `--kubeconfig=${files.kubeconfig}`, "--bind-address=127.0.0.1", "--secure-port=10257", "--leader-elect=false",
      `--root-ca-file=${pki.caCert}`, `--service-account-private-key-file=${pki.saKey}`,
      "--controllers=*", "--profiling=false",
    ]);
    start("kube-scheduler", [
      `--kubeconfig=${files.kubeconfig}`, "--bind-address=127.0.0.1", "--secure-port=10259", "--leader-elect=false",
      "--profiling=false",
    ]);
    start("kwok", [
      `--kubeconfig=${files.kubeconfig}`, "--manage-all-nodes=true", `--config=${files.kwokConfig}`,
      "--node-ip=127.0.0.1", `--node-port=${KWOK_PORT}`, `--server-address=127.0.0.1:${KWOK_PORT}`,
      "--node-lease-duration-seconds=40", "--enable-crds=Logs",
    ]);
    for (const [name, port] of [["kube-controller-manager", 10257], ["kube-scheduler", 10259]] as const) {
      await waitFor(`${name} /healthz`,
        async () => (await httpGet(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200, 60_000,
        `see ${files.logs}/${name}.log`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { processes, stop };
}

/** Metadata of every write a ServiceAccount makes; nothing else (the tier's own components write a lot). */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;
