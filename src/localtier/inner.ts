// The tier's supervisor inside its private network + mount namespace (started by daemon.ts through `unshare -Urnm`).
// Makes 10.244.0.0/16 (pods) and 10.96.0.0/16 (Services) local, mounts the tier's hosts file over /etc/hosts, starts
// the control plane, then plays kubelet, volume provisioner, DNS and kube-proxy. Relays the apiserver to a unix
// socket so the host-side daemon can forward a host port to it.
import { splice } from "./splice.ts";
import { createServer, connect } from "node:net";
import { writeFile, mkdir, rm, chmod } from "node:fs/promises";
import { execa } from "execa";
import { basename } from "node:path";
import { tierFiles, POD_CIDR, SERVICE_CIDR } from "./paths.ts";
import { ensurePki } from "./pki.ts";
import { startControlPlane } from "./controlPlane.ts";
import { loadKubeConfig } from "./kube.ts";
import { bootstrapCluster } from "./bootstrap.ts";
import { startPodRunner } from "./runner/podRunner.ts";
import { startProvisioner } from "./provisioner.ts";
import { startDns, BASE_HOSTS } from "./dns.ts";
import { startServiceProxy } from "./serviceProxy.ts";

const [dir, portArg] = process.argv.slice(2);
if (!dir || !portArg) throw new Error("usage: inner.ts <workdir> <apiPort>");
const apiPort = Number(portArg);
const files = tierFiles(dir);
const log = (m: string) => process.stdout.write(`[tier ${new Date().toISOString().slice(11, 23)}] ${m}\n`);

async function setupNamespace(): Promise<void> {
  await execa("ip", ["link", "set", "lo", "up"]);
  await execa("ip", ["route", "add", "local", POD_CIDR, "dev", "lo"]);
  await execa("ip", ["route", "add", "local", SERVICE_CIDR, "dev", "lo"]);
  await writeFile(files.hosts, BASE_HOSTS);
  await execa("mount", ["--bind", files.hosts, "/etc/hosts"]);
}

async function writeShim(): Promise<void> {
  // Pods' commands find `fauna-operator` and `faunadb` (the simulator behind FaunaDB's launcher arguments) on PATH,
  // as in the project's container image.
  await mkdir(files.shimBin, { recursive: true });
  // Pods see the project, these shims and node under $FAUNA_LOCALTIER_ROOT (bind-mounted by the runner before the
  // pod's own volumes). The compiled CLI when present (tier up keeps it fresh): a simulator node then needs ~60 MB
  // instead of ~95 MB, since type stripping is not loaded.
  const node = `"$S/node/${basename(process.execPath)}"`;
  for (const [name, entry] of [["fauna-operator", "main"], ["faunadb", "faunadb"]] as const) {
    const shim = `${files.shimBin}/${name}`;
    await writeFile(shim, [
      "#!/bin/sh",
      'S="${FAUNA_LOCALTIER_ROOT:?the local tier sets FAUNA_LOCALTIER_ROOT for pod processes}"',
      `if [ -f "$S/repo/dist/cli/${entry}.js" ]; then exec ${node} "$S/repo/dist/cli/${entry}.js" "$@"; fi`,
      `exec ${node} "$S/repo/src/cli/${entry}.ts" "$@"`,
      "",
    ].join("\n"));
    await chmod(shim, 0o755);
  }
}

function relayApiserver() {
  return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer((client) => {
      splice(client, connect(apiPort, "127.0.0.1"));
    });
    void rm(files.apiSocket, { force: true }).then(() => server.listen(files.apiSocket, () => resolve(server)));
    server.on("error", reject);
  });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await setupNamespace();
  await writeShim();
  const pki = await ensurePki(files.pki);
  const relay = await relayApiserver();
  const cp = await startControlPlane(files, pki, apiPort, log);
  const kc = loadKubeConfig(files.kubeconfig);
  await bootstrapCluster(kc);
  const runner = startPodRunner(kc, { podsDir: files.pods, basePath: files.shimBin, caCertFile: pki.caCert,
    // Pods share the tier's network namespace, where the apiserver listens on loopback (its cert names 127.0.0.1).
    apiServer: { host: "127.0.0.1", port: apiPort }, log });
  const provisioner = startProvisioner(kc, files.volumes, log);
  const dns = startDns(kc, files.hosts, log);
  const proxy = startServiceProxy(kc, log);
  await Promise.all([runner.ready, provisioner.ready, dns.ready, proxy.ready]);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.send?.({ ready: true });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping");
    await runner.stop();
    await Promise.all([provisioner.stop(), dns.stop(), proxy.stop()]);
    await cp.stop();
    relay.close();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  for (const p of cp.processes) {
    void p.exited.then(() => {
      if (!stopping) log(`${p.name} died: the tier is broken; run local:down and local:up`);
    });
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
