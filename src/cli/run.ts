// `fauna-operator run`: the operator. Informers for FaunaClusters and what they own, one controller, Lease leader
// election, /healthz /readyz /metrics. Usage:
//   fauna-operator run [--kubeconfig P] [--namespace N]... [--leader-elect=true|false] [--health-port 8081]
//                      [--leader-election-namespace N] [--leader-election-name L] [--admin-address dns|pod-ip] [--log-level L]
//                      [--operator-namespace N] [--max-concurrent-reconciles 10]
import { parseArgs } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { CLUSTER_LABEL } from "../api/funcs.ts";
import { OperatorCertificates } from "../faunacluster/tls/operatorCert.ts";
import { API_GROUP, KIND, type FaunaCluster } from "../api/types.ts";
import { Controller } from "../controller/controller.ts";
import { keyOf } from "../controller/keys.ts";
import { abortOnSignals } from "../controller/manager.ts";
import { createRuntime } from "../controller/runtime.ts";
import { createHttpFaunaAdmin } from "../fauna/client.ts";
import { adminMetrics } from "../fauna/metrics.ts";
import { Resources } from "../kube/resource.ts";
import { byDnsName, byPodIp } from "../faunacluster/observe.ts";
import { createReconciler } from "../faunacluster/reconciler.ts";
import { FaunaClusterResource } from "../faunacluster/resource.ts";

const MANAGED = "app.kubernetes.io/managed-by=fauna-operator";

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: "string" },
      // Repeat it (or give a comma-separated list) to watch several namespaces; absent: every namespace.
      namespace: { type: "string", multiple: true },
      "leader-elect": { type: "string", default: "true" },
      "leader-election-namespace": { type: "string" },
      "leader-election-name": { type: "string", default: "fauna-operator-leader" },
      "health-port": { type: "string", default: "8081" },
      // The pod IP when known (the Deployment passes POD_IP): replicas sharing a network namespace then never clash.
      "health-bind-address": { type: "string", default: process.env.POD_IP ?? "0.0.0.0" },
      "admin-address": { type: "string", default: "dns" },
      "force-remove-grace-seconds": { type: "string", default: "300" },
      "log-level": { type: "string" },
      // Where the operator's pods run (the Deployment passes POD_NAMESPACE): FaunaDB's admin port admits them from there.
      "operator-namespace": { type: "string" },
      // Passes of different FaunaClusters in parallel (one key never runs twice at once). A pass waits on FaunaDB's
      // own time when it initialises (~3 s) or joins a node (~5 s): with 2 workers, the inits of 100 new clusters run
      // two at a time, 150 s in all (issue 14, the scale run); the calls are I/O, so more workers cost little.
      "max-concurrent-reconciles": { type: "string", default: "10" },
    },
    strict: true,
  });
  const leaderElect = values["leader-elect"] !== "false";
  const operatorNamespace = values["operator-namespace"] ?? process.env.POD_NAMESPACE ?? "fauna-operator-system";
  const leaseNamespace = values["leader-election-namespace"] ?? operatorNamespace;
  const healthPort = Number(values["health-port"]);
  const rt = createRuntime({
    kubeconfig: values.kubeconfig,
    component: "fauna-operator",
    leaderElection: leaderElect ? { namespace: leaseNamespace, name: values["leader-election-name"] } : undefined,
    healthPort: Number.isFinite(healthPort) && healthPort > 0 ? healthPort : undefined,
    healthHost: values["health-bind-address"],
    logLevel: values["log-level"],
  });
  const namespaces = watchedNamespaces(values.namespace);
  const adminCalls = adminMetrics(rt.metrics.registry);
  const operatorCerts = new OperatorCertificates({ commonName: "fauna-operator", now: () => rt.clock.now() });
  const reconcile = createReconciler({
    client: rt.client,
    recorder: rt.recorder,
    redactor: rt.redactor,
    clock: rt.clock,
    makeAdmin: (rootKey, signal, tls) => createHttpFaunaAdmin({ rootKey, signal, tls, fence: rt.fence, userAgent: rt.userAgent, timeoutMs: { default: 5_000 }, retry: { attempts: 2 }, metrics: adminCalls }),
    operatorTls: (ca) => operatorCerts.for(ca),
    adminAddress: values["admin-address"] === "pod-ip" ? byPodIp : byDnsName,
    forceRemoveGraceSeconds: Number(values["force-remove-grace-seconds"]),
    operatorNamespace,
  });
  const workers = Number(values["max-concurrent-reconciles"]);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--max-concurrent-reconciles must be a whole number ≥ 1, not ${values["max-concurrent-reconciles"]}`);
  const c = new Controller({ name: "faunacluster", reconcile, clock: rt.clock, log: rt.log, metrics: rt.metrics, workers });
  // Pods are owned by their StatefulSet, not by us: map them to their cluster through its label.
  const podToCluster = (p: V1Pod) => {
    const cluster = p.metadata?.labels?.[CLUSTER_LABEL];
    if (cluster) c.queue.add(keyOf({ namespace: p.metadata?.namespace, name: cluster }));
  };
  // One set of informers per namespace: a namespaced install may list and watch only inside its own Roles.
  for (const namespace of namespaces) {
    const scope = { namespace };
    c.watchPrimary(rt.informer<FaunaCluster>(FaunaClusterResource, scope));
    c.watchOwned(rt.informer(Resources.statefulSets, { ...scope, labelSelector: MANAGED }), {
      group: API_GROUP, kind: KIND, managedBy: { label: "app.kubernetes.io/managed-by", value: "fauna-operator" },
    });
    rt.informer<V1Pod>(Resources.pods, { ...scope, labelSelector: MANAGED }).on({ add: podToCluster, update: podToCluster, delete: podToCluster });
  }
  rt.addController(c);
  const ac = new AbortController();
  abortOnSignals(ac, rt.log);
  return (await rt.manager.run(ac.signal)) === "stopped" ? 0 : 1;
}

/** `--namespace a --namespace b,c` → [a, b, c]; none → [undefined] (every namespace). */
export function watchedNamespaces(flags: string[] | undefined): (string | undefined)[] {
  const names = [...new Set((flags ?? []).flatMap((f) => f.split(",")).map((n) => n.trim()).filter((n) => n !== ""))];
  return names.length === 0 ? [undefined] : names;
}
