// Test doubles for the controller runtime (no API server needed).
import type { KubernetesObject } from "../kube/client.ts";
import type { ListWatchCache } from "../kube/watch.ts";

type Cb = (arg?: unknown) => void;

/** A ListWatch double: `start` lists (or fails like client-node does: by calling the error handlers). */
export class FakeListWatch {
  readonly handlers: Record<string, Cb[]> = { add: [], update: [], delete: [], error: [], connect: [] };
  starts = 0;
  stops = 0;
  failNextStarts = 0;
  items: KubernetesObject[] = [];
  on(verb: string, cb: Cb) {
    this.handlers[verb]?.push(cb);
  }
  off() {}
  async start() {
    this.starts++;
    if (this.failNextStarts > 0) {
      this.failNextStarts--;
      for (const h of this.handlers.error ?? []) h(new Error("list failed: connection refused"));
      return;
    }
    for (const o of this.items) for (const h of this.handlers.add ?? []) h(o);
  }
  async stop() {
    this.stops++;
  }
  get() {
    return undefined;
  }
  list() {
    return this.items;
  }
  failWatch() {
    for (const h of this.handlers.error ?? []) h(new Error("watch: 500 Internal Server Error"));
  }

  /** Delivers a watch event to the registered handlers, as client-node does. */
  emit(verb: "add" | "update" | "delete", obj: KubernetesObject) {
    for (const h of this.handlers[verb] ?? []) h(obj);
  }

  asCache(): ListWatchCache<KubernetesObject> {
    return this as unknown as ListWatchCache<KubernetesObject>;
  }
}
