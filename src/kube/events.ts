// EventRecorder: core/v1 Events for what a person should see (STYLE idiom 12). A repeat of the same
// (object, type, reason, message) bumps `count`/`lastTimestamp` on the existing Event instead of creating another,
// as client-go's EventCorrelator does. Recording is best effort: it never throws into a reconcile.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient } from "./client.ts";
import { isNotFound } from "./errors.ts";
import type { Redactor } from "./redact.ts";
import { Resources } from "./resource.ts";

export type EventType = "Normal" | "Warning";
export type EventInput = { type: EventType; reason: string; message: string; action?: string | undefined };

export interface EventRecorder {
  record(obj: KubernetesObject, event: EventInput): Promise<void>;
}

export type KubeEventRecorderOptions = {
  client: KubeClient;
  /** `source.component` / `reportingComponent`, e.g. `fauna-operator`. */
  component: string;
  /** `reportingInstance`: the pod name, so two replicas' events can be told apart. */
  instance: string;
  redactor: Redactor;
  now: () => number;
  onError?: ((err: unknown, event: EventInput) => void) | undefined;
  /** Repeats older than this start a new Event (client-go aggregates within 10 minutes). */
  aggregateWindowMs?: number | undefined;
  maxTracked?: number | undefined;
};

type Tracked = { namespace: string; name: string; count: number; firstMs: number; lastMs: number };

const MAX_MESSAGE = 1024;

export class KubeEventRecorder implements EventRecorder {
  readonly #o: KubeEventRecorderOptions;
  readonly #tracked = new Map<string, Tracked>();
  #seq = 0;

  constructor(opts: KubeEventRecorderOptions) {
    this.#o = opts;
  }

  async record(obj: KubernetesObject, input: EventInput): Promise<void> {
    const event = { ...input, message: this.#o.redactor.redact(input.message).slice(0, MAX_MESSAGE) };
    try {
      await this.#record(obj, event);
    } catch (err) {
      this.#o.onError?.(err, event);
    }
  }

  async #record(obj: KubernetesObject, e: EventInput): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || "default";
    const key = [meta.uid ?? `${namespace}/${meta.name}`, e.type, e.reason, e.message].join("\u0000");
    const now = this.#o.now();
    const window = this.#o.aggregateWindowMs ?? 10 * 60_000;
    const seen = this.#tracked.get(key);
    if (seen && now - seen.lastMs < window) {
      const next = { ...seen, count: seen.count + 1, lastMs: now };
      try {
        await this.#o.client.patch(
          Resources.events,
          { namespace: seen.namespace, name: seen.name },
          { count: next.count, lastTimestamp: iso(now) },
        );
        this.#remember(key, next);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The API server garbage-collected it (events have a TTL): start a fresh one below.
      }
    }
    const name = `${meta.name ?? "object"}.${now.toString(16)}${(this.#seq++ % 4096).toString(16).padStart(3, "0")}`;
    await this.#o.client.create(Resources.events, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type: e.type,
      reason: e.reason,
      message: e.message,
      action: e.action ?? e.reason,
      count: 1,
      firstTimestamp: iso(now),
      lastTimestamp: iso(now),
      source: { component: this.#o.component },
      reportingComponent: this.#o.component,
      reportingInstance: this.#o.instance,
    } as KubernetesObject);
    this.#remember(key, { namespace, name, count: 1, firstMs: now, lastMs: now });
  }

  #remember(key: string, t: Tracked): void {
    this.#tracked.delete(key);
    this.#tracked.set(key, t);
    const max = this.#o.maxTracked ?? 4096;
    while (this.#tracked.size > max) {
      const oldest = this.#tracked.keys().next().value;
      if (oldest === undefined) break;
      this.#tracked.delete(oldest);
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** For tests and dry runs: remembers what would have been recorded. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: (EventInput & { object: string })[] = [];
  async record(obj: KubernetesObject, event: EventInput): Promise<void> {
    this.events.push({ ...event, object: `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}` });
  }
}
