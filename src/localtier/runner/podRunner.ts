// The tier's kubelet: watches pods on the kwok nodes. Pods annotated `local.fauna-operator.io/run: process` get a
// PodWorker (a real process bound to the pod IP); other pods are only marked Ready and, when deleted, removed at once.
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { k8s, ignoreStatus, watchAll, serialLoop } from "../kube.ts";
import { NetworkIsolation, runNft } from "./networkIsolation.ts";
import { PodWorker, type WorkerDeps } from "./podWorker.ts";
import { statusPatch, isPodReady, type ContainerView } from "./podStatus.ts";

export const RUN_ANNOTATION = "local.fauna-operator.io/run";
export const RUN_VALUE = "process";

export interface RunnerOptions {
  podsDir: string;
  basePath: string;
  caCertFile: string;
  apiServer: { host: string; port: number };
  log: (m: string) => void;
}

function decode(data: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!data) return undefined;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

export function startPodRunner(kc: k8s.KubeConfig, opts: RunnerOptions) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const workers = new Map<string, PodWorker>();
  const log = opts.log;
  const smp = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch);

  const deps: WorkerDeps = {
    network: new NetworkIsolation(runNft, log),
    podsDir: opts.podsDir,
    basePath: opts.basePath,
    apiServer: opts.apiServer,
    log,
    lookup: {
      secret: async (namespace, name) => decode((await ignoreStatus(core.readNamespacedSecret({ name, namespace }), 404))?.data),
      configMap: async (namespace, name) => (await ignoreStatus(core.readNamespacedConfigMap({ name, namespace }), 404))?.data,
      pvcHostPath: async (namespace, name) => {
        const pvc = await ignoreStatus(core.readNamespacedPersistentVolumeClaim({ name, namespace }), 404);
        if (pvc?.status?.phase !== "Bound" || !pvc.spec?.volumeName) return undefined;
        const pv = await core.readPersistentVolume({ name: pvc.spec.volumeName });
        return pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
      },
      serviceAccountToken: async (namespace, name, audiences, seconds) => {
        const tr = await core.createNamespacedServiceAccountToken({
          name, namespace, body: { spec: { audiences: audiences ?? [], expirationSeconds: seconds } },
        });
        return tr.status?.token ?? "";
      },
      caCert: () => readFile(opts.caCertFile, "utf8"),
    },
    reportStatus: async (pod: V1Pod, containers: ContainerView[]) => {
      await core.patchNamespacedPodStatus(
        { name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "", body: statusPatch(pod, containers, new Date()) },
        smp,
      );
    },
    removePod: async (pod: V1Pod) => {
      // The grace period goes in the body: with a DeleteOptions body the apiserver ignores the query parameters, and
      // a terminating pod would then linger until kwok's back-stop at the end of its grace period.
      await ignoreStatus(core.deleteNamespacedPod({
        name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "",
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } },
      }), 404, 409);
    },
  };

  const registerLogs = async (w: PodWorker) => {
    const pod = w.pod;
    const c = pod.spec?.containers[0]?.name ?? "";
    await ignoreStatus(custom.createNamespacedCustomObject({
      group: "kwok.x-k8s.io", version: "v1alpha1", plural: "logs", namespace: pod.metadata?.namespace ?? "",
      body: {
        apiVersion: "kwok.x-k8s.io/v1alpha1", kind: "Logs",
        metadata: {
          name: pod.metadata?.name, namespace: pod.metadata?.namespace,
          ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" }],
        },
        spec: { logs: [{ containers: [c], logsFile: w.logFile(), previousLogsFile: `${w.logFile()}.previous`, follow: true }] },
      },
    }), 409).catch((err: unknown) => log(`${w.key}: Logs resource: ${String(err)}`));
  };

  const pods = watchAll<V1Pod>(kc, "/api/v1/pods", () => core.listPodForAllNamespaces(), () => loop.kick(), log);

  const sync = async () => {
    const seen = new Set<string>();
    for (const pod of pods.cache.list()) {
      const uid = pod.metadata?.uid ?? "";
      const started = pod.status?.phase === "Running" && !!pod.status.podIP;
      if (!pod.spec?.nodeName || !started) continue;
      seen.add(uid);
      const existing = workers.get(uid);
      if (existing) {
        existing.update(pod);
        continue;
      }
      const optedIn = pod.metadata?.annotations?.[RUN_ANNOTATION] === RUN_VALUE;
      if (pod.metadata?.deletionTimestamp) {
        if (!optedIn || !workers.has(uid)) await deps.removePod(pod);
        continue;
      }
      if (optedIn) {
        const w = new PodWorker(pod, deps);
        workers.set(uid, w);
        log(`${w.key}: starting process (pod IP ${pod.status?.podIP})`);
        void registerLogs(w);
        void w.done.then(() => workers.delete(uid));
      } else if (!isPodReady(pod)) {
        const views = (pod.spec.containers ?? []).map((c) => ({
          name: c.name, image: c.image ?? "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: new Date() } },
        }));
        await deps.reportStatus(pod, views);
      }
    }
    for (const [uid, w] of workers) {
      if (!seen.has(uid)) w.kill();
    }
  };
  const loop = serialLoop("pod runner", sync, log, 2000);

  return {
    ready: pods.ready,
    workers,
    async stop(): Promise<void> {
      loop.close();
      await pods.stop();
      for (const w of workers.values()) w.kill();
      await Promise.all([...workers.values()].map((w) => w.done));
    },
    logDir: (pod: V1Pod) => join(opts.podsDir, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`),
  };
}
