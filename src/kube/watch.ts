// List+watch caches built on client-node's ListWatch, listing through KubeClient so lists are counted like any
// other call. ListWatch relists on 410 Gone but stops for good on any other error: controller/informer.ts restarts it.
import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  type ObjectCache,
  Watch,
} from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { KubeError } from "./errors.ts";
import { type Resource, resourceLabel, resourcePath } from "./resource.ts";

export type { Informer, ObjectCache } from "@kubernetes/client-node";
export type ListWatchCache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export type ListWatchOptions = {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  delayFn?: ((ms: number) => Promise<void>) | undefined;
};

/** Counts watches, and names the watch a refusal was for: client-node reports only the status text ("Forbidden"). */
class CountingWatch extends Watch {
  readonly #onWatch: () => void;
  readonly #describe: (err: unknown) => unknown;
  constructor(kc: KubeConfig, onWatch: () => void, describe: (err: unknown) => unknown) {
    super(kc);
    this.#onWatch = onWatch;
    this.#describe = describe;
  }
  override watch(...args: Parameters<Watch["watch"]>): ReturnType<Watch["watch"]> {
    const [path, query, callback, done] = args;
    this.#onWatch();
    return super.watch(path, query, callback, (err) => done(this.#describe(err)));
  }
}

/** An HTTP refusal of a watch as a KubeError; 410 Gone (ListWatch relists on it) and transport errors pass as they are. */
export function describeWatchError(err: unknown, r: Resource, namespace: string | undefined): unknown {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof code !== "number" || code === 410 || !(err instanceof Error)) return err;
  return new KubeError({
    verb: "watch", resource: resourceLabel(r), target: `${namespace ?? ""}/*`.replace(/^\//, ""), code,
    status: { reason: err.message, message: "" }, cause: err,
  });
}

export function makeListWatch<T extends KubernetesObject>(
  client: KubeClient,
  kc: KubeConfig,
  r: Resource,
  opts: ListWatchOptions = {},
): ListWatchCache<T> {
  const listFn = async (): Promise<KubernetesListObject<T>> => {
    const { items, resourceVersion } = await client.list<T>(r, {
      namespace: opts.namespace,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: 500,
    });
    return { items, metadata: { resourceVersion } };
  };
  // A watch's status code is not visible from here: count it as "open"; failures reach the error handlers.
  const watch = new CountingWatch(kc, () => client.observe("watch", r, "open"), (err) => describeWatchError(err, r, opts.namespace));
  const path = resourcePath(r, { namespace: opts.namespace });
  return new ListWatch<T>(path, watch, listFn, false, opts.labelSelector, opts.fieldSelector, {
    ...(opts.delayFn ? { delayFn: opts.delayFn } : {}),
  });
}
