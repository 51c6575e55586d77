// The tier's own small Kubernetes access (it plays kubelet, provisioner, DNS and kube-proxy, which the operator's
// kube/ wrapper is not meant for). Watches are level-triggered: any change schedules a full, idempotent sync.
import * as k8s from "@kubernetes/client-node";
import type { KubernetesObject } from "@kubernetes/client-node";

export { k8s };

export function loadKubeConfig(file: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

export function statusCode(err: unknown): number | undefined {
  if (err instanceof k8s.ApiException) return err.code;
  return undefined;
}

export async function ignoreStatus<T>(p: Promise<T>, ...codes: number[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (codes.includes(statusCode(err) ?? -1)) return undefined;
    throw err;
  }
}

/** An informer that restarts itself after errors (client-node informers stop on any error other than 410). */
export function watchAll<T extends KubernetesObject>(
  kc: k8s.KubeConfig,
  path: string,
  list: () => Promise<k8s.KubernetesListObject<T>>,
  onChange: () => void,
  log: (m: string) => void,
): { cache: k8s.ObjectCache<T>; ready: Promise<void>; stop: () => Promise<void> } {
  const informer = k8s.makeInformer<T>(kc, path, list);
  let stopped = false;
  for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) informer.on(verb, () => onChange());
  informer.on(k8s.ERROR, (err) => {
    if (stopped) return;
    log(`watch ${path} failed (${err instanceof Error ? err.message : String(err)}); restarting in 1 s`);
    setTimeout(() => {
      if (!stopped) informer.start().then(onChange, () => undefined);
    }, 1000);
  });
  const ready = informer.start().then(onChange);
  return {
    cache: informer,
    ready,
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}

/** Runs `fn` whenever kicked, never twice at once; kicks during a run cause exactly one more run. */
export function serialLoop(name: string, fn: () => Promise<void>, log: (m: string) => void, periodMs = 5000) {
  let running = false;
  let again = false;
  let closed = false;
  const run = async () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await fn().catch((err: unknown) => log(`${name}: ${err instanceof Error ? err.message : String(err)}`));
      } while (again && !closed);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), periodMs);
  return {
    kick: () => void run(),
    close: () => {
      closed = true;
      clearInterval(timer);
    },
  };
}
