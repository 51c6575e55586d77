// Cluster DNS for the tier, as a namespace-private /etc/hosts kept in sync with pods and Services (the records
// CoreDNS would serve): <hostname>.<subdomain>.<ns>.svc.cluster.local for pods behind a headless Service (ready, or
// any when publishNotReadyAddresses), <svc>.<ns>.svc.cluster.local → cluster IP, or → pod IPs when headless.
import { open } from "node:fs/promises";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { k8s, watchAll, serialLoop } from "./kube.ts";
import { isPodReady } from "./runner/podStatus.ts";

export const CLUSTER_DOMAIN = "cluster.local";
const BASE = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

function names(...parts: string[]): string[] {
  const fq = [...parts, "svc", CLUSTER_DOMAIN].join(".");
  return [fq, [...parts, "svc"].join(".")];
}

function selects(svc: V1Service, pod: V1Pod): boolean {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => pod.metadata?.labels?.[k] === v);
}

export function hostsFile(pods: readonly V1Pod[], services: readonly V1Service[]): string {
  const lines: string[] = [];
  const live = pods.filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp);
  for (const svc of services) {
    const ns = svc.metadata?.namespace ?? "default";
    const name = svc.metadata?.name ?? "";
    const headless = svc.spec?.clusterIP === "None";
    const members = live.filter((p) => p.metadata?.namespace === ns && selects(svc, p))
      .filter((p) => svc.spec?.publishNotReadyAddresses || isPodReady(p));
    if (!headless && svc.spec?.clusterIP) lines.push(`${svc.spec.clusterIP}\t${names(name, ns).join(" ")}`);
    if (headless) {
      for (const p of members) {
        lines.push(`${p.status?.podIP}\t${names(name, ns).join(" ")}`);
        if (p.spec?.hostname && p.spec.subdomain === name) {
          lines.push(`${p.status?.podIP}\t${names(p.spec.hostname, name, ns).join(" ")}`);
        }
      }
    }
  }
  return BASE + lines.sort().join("\n") + "\n";
}

/** Rewrites the hosts file in place: it is bind-mounted over /etc/hosts, so its inode must stay the same. */
async function writeInPlace(path: string, content: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    // Write, then cut the tail: a concurrent reader never sees an empty file.
    const bytes = Buffer.from(content, "utf8");
    await fh.write(bytes, 0, bytes.length, 0);
    await fh.truncate(bytes.length);
  } finally {
    await fh.close();
  }
}

export function startDns(kc: k8s.KubeConfig, hostsPath: string, log: (m: string) => void) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let last = "";
  const pods = watchAll<V1Pod>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces(), () => loop.kick(), log);
  const svcs = watchAll<V1Service>(kc, "/api/v1/services", () => core.listServiceForAllNamespaces(), () => loop.kick(), log);
  const loop = serialLoop("dns", async () => {
    const content = hostsFile(pods.cache.list(), svcs.cache.list());
    if (content === last) return;
    await writeInPlace(hostsPath, content);
    last = content;
  }, log, 5000);
  return {
    ready: Promise.all([pods.ready, svcs.ready]).then(() => undefined),
    async stop() {
      loop.close();
      await Promise.all([pods.stop(), svcs.stop()]);
    },
  };
}

export const BASE_HOSTS = BASE;
