// KubeClient: the one typed wrapper over the Kubernetes REST API (STYLE idiom 8). Option objects, typed errors,
// every call counted. Objects travel as the API server's JSON: timestamps are RFC 3339 strings even where the
// client-node model types say `Date`; read them with `timeOf()`.
import type { KubernetesObject } from "@kubernetes/client-node";
import { KubeError, parseStatusBody } from "./errors.ts";
import { type KubeMetrics, noKubeMetrics } from "./metrics.ts";
import { apiVersionOf, type Resource, resourceLabel, resourcePath } from "./resource.ts";
import type { HttpVerb, Transport, TransportRequest } from "./transport.ts";

export type { KubernetesObject } from "@kubernetes/client-node";

export const PatchType = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

export type ObjectRef = { namespace?: string | undefined; name: string };
export type CallOptions = { signal?: AbortSignal | undefined };
export type ListOptions = CallOptions & {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; pages are followed until the API server stops returning a continue token. */
  limit?: number | undefined;
};
export type ListResult<T> = { items: T[]; resourceVersion: string };
export type ApplyOptions = CallOptions & { dryRun?: boolean | undefined };
export type PatchOptions = CallOptions & { type?: PatchType | undefined };
export type StatusPatchOptions = CallOptions & {
  /** When set, the API server rejects the patch with a Conflict if the object changed since it was read. */
  resourceVersion?: string | undefined;
};
export type DeleteOptions = CallOptions & {
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  propagationPolicy?: "Foreground" | "Background" | "Orphan" | undefined;
  gracePeriodSeconds?: number | undefined;
};

export type KubeClientOptions = {
  transport: Transport;
  /** The server-side-apply field manager: one per operator, so ownership of fields is stable across restarts. */
  fieldManager: string;
  metrics?: KubeMetrics | undefined;
  /**
   * Called before every write (create, replace, apply, patch, delete, status): throws to refuse it. The operator
   * fences writes on holding the leader lease (issue 10); the lease store itself uses an unfenced client.
   */
  fence?: (() => void) | undefined;
};

const READ_METHODS = new Set(["GET", "HEAD"]);

export class KubeClient {
  readonly fieldManager: string;
  readonly #transport: Transport;
  readonly #metrics: KubeMetrics;
  readonly #fence: (() => void) | undefined;

  constructor(opts: KubeClientOptions) {
    this.fieldManager = opts.fieldManager;
    this.#transport = opts.transport;
    this.#metrics = opts.metrics ?? noKubeMetrics;
    this.#fence = opts.fence;
  }

  /** The same client, its writes fenced by `fence`. */
  fenced(fence: () => void): KubeClient {
    return new KubeClient({ transport: this.#transport, fieldManager: this.fieldManager, metrics: this.#metrics, fence });
  }

  async get<T extends KubernetesObject>(r: Resource, ref: ObjectRef, opts: CallOptions = {}): Promise<T> {
    return this.#call<T>("get", r, ref, { method: "GET", path: resourcePath(r, ref), signal: opts.signal });
  }

  /** Like `get`, but an absent object is `undefined` rather than an error. */
  async find<T extends KubernetesObject>(r: Resource, ref: ObjectRef, opts: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(r, ref, opts);
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }

  async list<T extends KubernetesObject>(r: Resource, opts: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = "";
    const target = { namespace: opts.namespace, name: "*" };
    do {
      const page = await this.#call<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        "list",
        r,
        target,
        {
          method: "GET",
          path: resourcePath(r, { namespace: opts.namespace }),
          query: {
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            limit: opts.limit === undefined ? undefined : String(opts.limit),
            continue: continueToken,
          },
          signal: opts.signal,
        },
      );
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  async create<T extends KubernetesObject>(r: Resource, obj: T, opts: CallOptions = {}): Promise<T> {
    const ref = refOf(obj);
    return this.#call<T>("create", r, ref, {
      method: "POST",
      path: resourcePath(r, { namespace: ref.namespace }),
      query: { fieldManager: this.fieldManager },
      body: JSON.stringify(withTypeMeta(r, obj)),
      signal: opts.signal,
    });
  }

  /** PUT: the whole object, with metadata.resourceVersion for optimistic locking (409 when stale). */
  async replace<T extends KubernetesObject>(r: Resource, obj: T, opts: CallOptions = {}): Promise<T> {
    const ref = refOf(obj);
    return this.#call<T>("update", r, ref, {
      method: "PUT",
      path: resourcePath(r, ref),
      query: { fieldManager: this.fieldManager },
      body: JSON.stringify(withTypeMeta(r, obj)),
      signal: opts.signal,
    });
  }

  /** Server-side apply under the client's field manager, forcing ownership of the fields it sets. */
  async apply<T extends KubernetesObject>(r: Resource, obj: T, opts: ApplyOptions = {}): Promise<T> {
    const ref = refOf(obj);
    return this.#call<T>("apply", r, ref, {
      method: "PATCH",
      path: resourcePath(r, ref),
      query: { fieldManager: this.fieldManager, force: "true", dryRun: opts.dryRun ? "All" : undefined },
      // JSON is YAML, and the API server accepts it under the apply-patch+yaml content type.
      body: JSON.stringify(withTypeMeta(r, obj)),
      contentType: PatchType.apply,
      signal: opts.signal,
    });
  }

  async patch<T extends KubernetesObject>(r: Resource, ref: ObjectRef, patch: unknown, opts: PatchOptions = {}) {
    return this.#call<T>("patch", r, ref, {
      method: "PATCH",
      path: resourcePath(r, ref),
      query: { fieldManager: this.fieldManager },
      body: JSON.stringify(patch),
      contentType: opts.type ?? PatchType.merge,
      signal: opts.signal,
    });
  }

  /** Merge-patches the status subresource. Pass `resourceVersion` to fail with a Conflict on a stale read. */
  async patchStatus<T extends KubernetesObject>(
    r: Resource,
    ref: ObjectRef,
    status: unknown,
    opts: StatusPatchOptions = {},
  ): Promise<T> {
    const body: Record<string, unknown> = { status };
    if (opts.resourceVersion !== undefined) body.metadata = { resourceVersion: opts.resourceVersion };
    return this.#call<T>("patch", r, ref, {
      method: "PATCH",
      path: resourcePath(r, { ...ref, subresource: "status" }),
      query: { fieldManager: this.fieldManager },
      body: JSON.stringify(body),
      contentType: PatchType.merge,
      signal: opts.signal,
    });
  }

  /**
   * Server-side apply on the status subresource: the fields this manager sets, nothing else. With `resourceVersion`
   * the API server refuses it (Conflict) if the object changed since that version was read.
   */
  async applyStatus<T extends KubernetesObject>(r: Resource, ref: ObjectRef, status: unknown, opts: StatusPatchOptions = {}) {
    const metadata = { name: ref.name, namespace: ref.namespace, ...(opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {}) };
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, metadata, status };
    return this.#call<T>("apply", r, ref, {
      method: "PATCH",
      path: resourcePath(r, { ...ref, subresource: "status" }),
      query: { fieldManager: this.fieldManager, force: "true" },
      body: JSON.stringify(body),
      contentType: PatchType.apply,
      signal: opts.signal,
    });
  }

  async delete(r: Resource, ref: ObjectRef, opts: DeleteOptions = {}): Promise<void> {
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.preconditions) body.preconditions = opts.preconditions;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    await this.#call<unknown>("delete", r, ref, {
      method: "DELETE",
      path: resourcePath(r, ref),
      body: JSON.stringify(body),
      signal: opts.signal,
    });
  }

  /** Counts a call made outside this class (watches) under the same metric. */
  observe(verb: string, r: Resource, code: number | string): void {
    this.#metrics.observe(verb, resourceLabel(r), code);
  }

  async #call<T>(
    verb: string,
    r: Resource,
    ref: ObjectRef,
    req: TransportRequest & { method: HttpVerb },
  ): Promise<T> {
    const resource = resourceLabel(r);
    const target = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    const fence = READ_METHODS.has(req.method) ? undefined : this.#fence;
    fence?.();
    let status = 0;
    try {
      const res = await this.#transport.request(fence ? { ...req, beforeSend: fence } : req);
      status = res.status;
      if (res.status >= 200 && res.status < 300) return (res.body ? JSON.parse(res.body) : undefined) as T;
      throw new KubeError({ verb, resource, target, code: res.status, status: parseStatusBody(res.body) });
    } catch (err) {
      if (err instanceof KubeError) throw err;
      if (status !== 0) throw new KubeError({ verb, resource, target, code: status, cause: err });
      throw new KubeError({ verb, resource, target, code: 0, cause: err });
    } finally {
      this.#metrics.observe(verb, resource, status);
    }
  }
}

function refOf(obj: KubernetesObject): ObjectRef {
  const name = obj.metadata?.name;
  if (!name) throw new Error(`object of kind ${obj.kind ?? "?"} has no metadata.name`);
  return { namespace: obj.metadata?.namespace, name };
}

function withTypeMeta<T extends KubernetesObject>(r: Resource, obj: T): T {
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(r), kind: obj.kind ?? r.kind };
}

/** Milliseconds since the epoch for a wire timestamp (string) or a model `Date`; undefined when absent or bad. */
export function timeOf(v: Date | string | undefined | null): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}
