// A userspace kube-proxy: for every Service with a cluster IP it listens on clusterIP:port inside the tier's
// namespace (10.96.0.0/16 is local there) and sends each TCP connection to a ready endpoint of the Service's
// EndpointSlices, round-robin, as kube-proxy's userspace mode did.
import { splice } from "./splice.ts";
import { createServer, connect, type Server } from "node:net";
import type { V1Service, V1EndpointSlice } from "@kubernetes/client-node";
import { k8s, watchAll, serialLoop } from "./kube.ts";

interface Target {
  ip: string;
  port: number;
}

export function backendsFor(svc: V1Service, portName: string | undefined, slices: readonly V1EndpointSlice[]): Target[] {
  const ns = svc.metadata?.namespace;
  const out: Target[] = [];
  for (const s of slices) {
    if (s.metadata?.namespace !== ns || s.metadata?.labels?.["kubernetes.io/service-name"] !== svc.metadata?.name) continue;
    const port = s.ports?.find((p) => (p.name ?? "") === (portName ?? ""))?.port;
    if (port === undefined) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses) out.push({ ip, port });
    }
  }
  return out.sort((a, b) => `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`));
}

export function startServiceProxy(kc: k8s.KubeConfig, log: (m: string) => void) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  const listeners = new Map<string, { server: Server; pick: () => Target | undefined }>();
  const svcs = watchAll<V1Service>(kc, "/api/v1/services", () => core.listServiceForAllNamespaces(), () => loop.kick(), log);
  const slices = watchAll<V1EndpointSlice>(kc, "/apis/discovery.k8s.io/v1/endpointslices",
    () => discovery.listEndpointSliceForAllNamespaces(), () => loop.kick(), log);

  const listen = (key: string, ip: string, port: number, svcKey: string, portName: string | undefined) => {
    let next = 0;
    const pick = () => {
      const [ns, name] = svcKey.split("/");
      const svc = svcs.cache.get(name ?? "", ns);
      if (!svc) return undefined;
      const backends = backendsFor(svc, portName, slices.cache.list());
      if (backends.length === 0) return undefined;
      return backends[next++ % backends.length];
    };
    const server = createServer((client) => {
      const target = listeners.get(key)?.pick();
      if (!target) {
        client.destroy();
        return;
      }
      splice(client, connect(target.port, target.ip));
    });
    server.on("error", (err) => log(`service proxy ${key}: ${err.message}`));
    server.listen(port, ip);
    listeners.set(key, { server, pick });
  };

  const sync = async () => {
    const wanted = new Set<string>();
    for (const svc of svcs.cache.list()) {
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === "None") continue;
      for (const p of svc.spec?.ports ?? []) {
        if ((p.protocol ?? "TCP") !== "TCP") continue;
        const key = `${ip}:${p.port}`;
        wanted.add(key);
        if (!listeners.has(key)) listen(key, ip, p.port, `${svc.metadata?.namespace}/${svc.metadata?.name}`, p.name);
      }
    }
    for (const [key, l] of listeners) {
      if (!wanted.has(key)) {
        l.server.close();
        listeners.delete(key);
      }
    }
  };
  const loop = serialLoop("service proxy", sync, log, 5000);
  return {
    ready: Promise.all([svcs.ready, slices.ready]).then(() => undefined),
    async stop() {
      loop.close();
      for (const l of listeners.values()) l.server.close();
      await Promise.all([svcs.stop(), slices.stop()]);
    },
  };
}
