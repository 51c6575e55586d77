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
import { type Resource, resourcePath } from "./resource.ts";

export type { Informer, ObjectCache } from "@kubernetes/client-node";
export type ListWatchCache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export type ListWatchOptions = {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  delayFn?: ((ms: number) => Promise<void>) | undefined;
};

class CountingWatch extends Watch {
  readonly #onWatch: () => void;
  constructor(kc: KubeConfig, onWatch: () => void) {
    super(kc);
    this.#onWatch = onWatch;
  }
  override watch(...args: Parameters<Watch["watch"]>): ReturnType<Watch["watch"]> {
    this.#onWatch();
    return super.watch(...args);
  }
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
  const watch = new CountingWatch(kc, () => client.observe("watch", r, "open"));
  const path = resourcePath(r, { namespace: opts.namespace });
  return new ListWatch<T>(path, watch, listFn, false, opts.labelSelector, opts.fieldSelector, {
    ...(opts.delayFn ? { delayFn: opts.delayFn } : {}),
  });
}
