// Wiring for `fauna-operator run`: one KubeClient, one metrics registry, one logger, the event recorder, informers
// registered as every-replica runnables and controllers as leader-only runnables. Knows nothing about Fauna.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient, type KubernetesObject } from "../kube/client.ts";
import { loadKubeConfig, type KubeConfigSource } from "../kube/config.ts";
import { type EventRecorder, KubeEventRecorder } from "../kube/events.ts";
import { kubeMetrics } from "../kube/metrics.ts";
import { Redactor } from "../kube/redact.ts";
import { type Resource, resourceLabel } from "../kube/resource.ts";
import { kubeConfigTransport } from "../kube/transport.ts";
import { type ListWatchOptions, makeListWatch } from "../kube/watch.ts";
import { type Clock, realClock } from "./clock.ts";
import type { Controller } from "./controller.ts";
import { ResilientInformer } from "./informer.ts";
import { LeaderElector, NotLeaderError } from "./leader.ts";
import { kubeLeaseStore } from "./leaseStore.ts";
import { createLogger, type Logger } from "./log.ts";
import { Manager } from "./manager.ts";
import { ControllerMetrics } from "./metrics.ts";

export type RuntimeOptions = {
  /** `--kubeconfig`; otherwise KUBECONFIG, in-cluster, ~/.kube/config. */
  kubeconfig?: string | undefined;
  /** The server-side-apply field manager and event source, e.g. `fauna-operator`. */
  component: string;
  leaderElection?: { namespace: string; name: string } | undefined;
  /** Defaults to POD_NAME, else `<hostname>_<uuid>` as client-go does. */
  identity?: string | undefined;
  healthPort?: number | undefined;
  healthHost?: string | undefined;
  logLevel?: string | undefined;
  clock?: Clock | undefined;
};

export type Runtime = {
  kubeConfig: KubeConfig;
  kubeConfigSource: KubeConfigSource;
  client: KubeClient;
  metrics: ControllerMetrics;
  log: Logger;
  redactor: Redactor;
  recorder: EventRecorder;
  manager: Manager;
  identity: string;
  /** `<component> (<identity>)`, sent as User-Agent to the API server and to FaunaDB's admin API. */
  userAgent: string;
  clock: Clock;
  /** Throws NotLeaderError when this replica may not write (leader election on, lease not surely held). */
  fence: () => void;
  /** A restarting cache for `r`, run on every replica and counted in /readyz until synced. */
  informer<T extends KubernetesObject>(r: Resource, opts?: ListWatchOptions): ResilientInformer<T>;
  /** Runs `c` on the leader only. */
  addController(c: Controller): void;
};

export function createRuntime(o: RuntimeOptions): Runtime {
  const clock = o.clock ?? realClock;
  const redactor = new Redactor();
  const log = createLogger({ level: o.logLevel, redactor });
  const { kubeConfig, source } = loadKubeConfig(o.kubeconfig);
  const metrics = new ControllerMetrics(undefined, { processMetrics: true });
  const identity = o.identity ?? process.env.POD_NAME ?? `${hostname()}_${randomUUID()}`;
  const userAgent = `${o.component} (${identity})`;
  // The lease store writes with this unfenced client; everything else writes through the fenced one below.
  const leaseClient = new KubeClient({
    transport: kubeConfigTransport(kubeConfig, { userAgent }),
    fieldManager: o.component,
    metrics: kubeMetrics(metrics.registry),
  });
  let elector: LeaderElector | undefined;
  const fence = () => {
    if (elector && !elector.mayWrite()) throw new NotLeaderError();
  };
  const client = leaseClient.fenced(fence);
  const recorder = new KubeEventRecorder({
    client,
    component: o.component,
    instance: identity,
    redactor,
    now: () => clock.now(),
    onError: (err, event) => log.warn({ err, reason: event.reason }, "could not record event"),
  });
  if (o.leaderElection) {
    elector = new LeaderElector({
      identity,
      clock,
      store: kubeLeaseStore({ client: leaseClient, namespace: o.leaderElection.namespace, name: o.leaderElection.name }),
    });
  }
  const election = o.leaderElection && elector ? { name: o.leaderElection.name, elector } : undefined;
  const manager = new Manager({
    clock,
    log,
    metrics,
    election,
    health: o.healthPort === undefined ? undefined : { port: o.healthPort, host: o.healthHost },
  });
  log.info({ kubeconfig: source.kind, identity, leaderElection: o.leaderElection ?? false }, "runtime configured");

  return {
    kubeConfig,
    kubeConfigSource: source,
    client,
    metrics,
    log,
    redactor,
    recorder,
    manager,
    identity,
    userAgent,
    clock,
    fence,
    informer<T extends KubernetesObject>(r: Resource, opts: ListWatchOptions = {}) {
      const name = resourceLabel(r) + (opts.namespace ? `@${opts.namespace}` : "");
      const informer = new ResilientInformer<T>({
        name,
        cache: makeListWatch<T>(client, kubeConfig, r, { delayFn: (ms) => clock.sleep(ms), ...opts }),
        clock,
        onRestart: (err, delayMs) => {
          metrics.informerRestarted(name);
          log.warn({ err, informer: name, delayMs }, "informer failed: restarting");
        },
      });
      manager.add({ name: `informer ${name}`, needsLeader: false, run: (s) => informer.run(s) });
      manager.addReadyCheck({ name: `cache ${name} synced`, check: () => informer.hasSynced });
      return informer;
    },
    addController(c) {
      manager.add({ name: `controller ${c.name}`, needsLeader: true, run: (s) => c.run(s) });
    },
  };
}
