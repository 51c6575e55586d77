import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { KubeClient } from "./client.ts";
import { isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound, isTransient, KubeError } from "./errors.ts";
import { kubeMetrics } from "./metrics.ts";
import { Resources } from "./resource.ts";
import type { Transport, TransportRequest, TransportResponse } from "./transport.ts";

function fakeTransport(answer: (req: TransportRequest) => TransportResponse | Error) {
  const seen: TransportRequest[] = [];
  const transport: Transport = {
    async request(req) {
      seen.push(req);
      const a = answer(req);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { transport, seen };
}

const status = (code: number, reason: string, message: string) => ({
  status: code,
  body: JSON.stringify({ kind: "Status", status: "Failure", code, reason, message }),
});

function client(answer: (req: TransportRequest) => TransportResponse | Error) {
  const { transport, seen } = fakeTransport(answer);
  const registry = new Registry();
  return { c: new KubeClient({ transport, fieldManager: "fauna-operator", metrics: kubeMetrics(registry) }), seen, registry };
}

describe("KubeClient", () => {
  it("a fenced client refuses writes (and sends nothing) while reads go through", async () => {
    const { c, seen } = client((req) => ({ status: 200, body: req.method === "GET" ? '{"items":[],"metadata":{}}' : "{}" }));
    let leading = true;
    const fenced = c.fenced(() => {
      if (!leading) throw new Error("not leader");
    });
    await fenced.delete(Resources.pods, { namespace: "ns", name: "p" });
    leading = false;
    await assert.rejects(fenced.delete(Resources.pods, { namespace: "ns", name: "p" }), /not leader/);
    await assert.rejects(fenced.apply(Resources.statefulSets, { metadata: { name: "s", namespace: "ns" } }), /not leader/);
    await fenced.list(Resources.pods, { namespace: "ns" });
    assert.deepEqual(seen.map((r) => r.method), ["DELETE", "GET"]);
  });

  it("a write whose fence closes while the transport is still preparing it is not sent", async () => {
    let leading = true;
    const sent: string[] = [];
    const transport: Transport = {
      async request(req) {
        await new Promise((r) => setTimeout(r, 5)); // authentication, connection: the process may freeze here
        req.beforeSend?.();
        sent.push(req.method);
        return { status: 200, body: "{}" };
      },
    };
    const c = new KubeClient({ transport, fieldManager: "fauna-operator", metrics: kubeMetrics(new Registry()) }).fenced(() => {
      if (!leading) throw new Error("not leader");
    });
    const write = c.delete(Resources.pods, { namespace: "ns", name: "p" });
    leading = false;
    await assert.rejects(write, /not leader/);
    assert.deepEqual(sent, []);
  });

  it("makes status applies conditional on a resourceVersion when given one", async () => {
    const { c, seen } = client((req) => ({ status: 200, body: req.body ?? "" }));
    await c.applyStatus(Resources.services, { namespace: "ns", name: "x" }, { ready: 1 }, { resourceVersion: "42" });
    await c.applyStatus(Resources.services, { namespace: "ns", name: "x" }, { ready: 2 });
    assert.deepEqual(JSON.parse(seen[0]!.body!).metadata, { name: "x", namespace: "ns", resourceVersion: "42" });
    assert.deepEqual(JSON.parse(seen[1]!.body!).metadata, { name: "x", namespace: "ns" });
  });

  it("applies with server-side apply, one field manager and force", async () => {
    const { c, seen } = client((req) => ({ status: 200, body: req.body ?? "" }));
    await c.apply(Resources.statefulSets, { metadata: { name: "db-a", namespace: "prod" } });
    const req = seen[0]!;
    assert.equal(req.method, "PATCH");
    assert.equal(req.path, "/apis/apps/v1/namespaces/prod/statefulsets/db-a");
    assert.equal(req.contentType, "application/apply-patch+yaml");
    assert.deepEqual(req.query, { fieldManager: "fauna-operator", force: "true", dryRun: undefined });
    const body = JSON.parse(req.body!);
    assert.equal(body.apiVersion, "apps/v1");
    assert.equal(body.kind, "StatefulSet");
  });

  it("patches status through the subresource with the resourceVersion for optimistic locking", async () => {
    const { c, seen } = client(() => ({ status: 200, body: "{}" }));
    await c.patchStatus(Resources.services, { namespace: "ns", name: "x" }, { ready: 1 }, { resourceVersion: "42" });
    assert.equal(seen[0]!.path, "/api/v1/namespaces/ns/services/x/status");
    assert.equal(seen[0]!.contentType, "application/merge-patch+json");
    assert.deepEqual(JSON.parse(seen[0]!.body!), { status: { ready: 1 }, metadata: { resourceVersion: "42" } });
  });

  it("sends delete preconditions and propagation policy", async () => {
    const { c, seen } = client(() => ({ status: 200, body: "{}" }));
    await c.delete(
      Resources.persistentVolumeClaims,
      { namespace: "ns", name: "data-0" },
      { preconditions: { uid: "u1" }, propagationPolicy: "Foreground" },
    );
    const body = JSON.parse(seen[0]!.body!);
    assert.deepEqual(body.preconditions, { uid: "u1" });
    assert.equal(body.propagationPolicy, "Foreground");
  });

  it("maps API failures to typed errors carrying the server's message", async () => {
    const cases = [
      [status(404, "NotFound", 'pods "p" not found'), isNotFound],
      [status(409, "Conflict", "the object has been modified"), isConflict],
      [status(409, "AlreadyExists", "already exists"), isAlreadyExists],
      [status(403, "Forbidden", "cannot get secrets"), isForbidden],
      [status(422, "Invalid", "spec.replicas[0].name: Invalid value"), isInvalid],
      [status(503, "ServiceUnavailable", "etcd"), isTransient],
    ] as const;
    for (const [answer, is] of cases) {
      const { c } = client(() => answer);
      const err = await c.get(Resources.pods, { namespace: "ns", name: "p" }).catch((e: unknown) => e);
      assert.ok(err instanceof KubeError);
      assert.ok(is(err), `${answer.status} should satisfy ${is.name}`);
      assert.equal(err.serverMessage, JSON.parse(answer.body).message);
      assert.match(err.message, /get pods ns\/p/);
    }
    const { c } = client(() => status(409, "AlreadyExists", "x"));
    const err = await c.create(Resources.pods, { metadata: { name: "p", namespace: "n" } }).catch((e: unknown) => e);
    assert.equal(isConflict(err), false, "AlreadyExists is not an optimistic-lock conflict");
  });

  it("turns a missing answer into a transient KubeError with code 0", async () => {
    const { c } = client(() => new Error("connect ECONNREFUSED 127.0.0.1:6443"));
    const err = await c.get(Resources.pods, { namespace: "ns", name: "p" }).catch((e: unknown) => e);
    assert.ok(err instanceof KubeError);
    assert.equal(err.code, 0);
    assert.ok(isTransient(err));
    assert.match(err.message, /ECONNREFUSED/);
  });

  it("find returns undefined for an absent object", async () => {
    const { c } = client(() => status(404, "NotFound", "nope"));
    assert.equal(await c.find(Resources.pods, { namespace: "ns", name: "p" }), undefined);
  });

  it("follows list pages", async () => {
    const { c, seen } = client((req) =>
      req.query?.continue === "t1"
        ? { status: 200, body: JSON.stringify({ metadata: { resourceVersion: "9" }, items: [{ metadata: { name: "b" } }] }) }
        : {
            status: 200,
            body: JSON.stringify({ metadata: { resourceVersion: "8", continue: "t1" }, items: [{ metadata: { name: "a" } }] }),
          },
    );
    const res = await c.list(Resources.pods, { namespace: "ns", labelSelector: "app=x", limit: 1 });
    assert.deepEqual(res.items.map((i) => i.metadata?.name), ["a", "b"]);
    assert.equal(res.resourceVersion, "9");
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.query?.labelSelector, "app=x");
  });

  it("counts every call by verb, resource and code, and object writes apart from leases", async () => {
    const { c, registry } = client((req) =>
      req.method === "GET" ? status(404, "NotFound", "x") : { status: 201, body: "{}" },
    );
    await c.find(Resources.pods, { namespace: "ns", name: "p" });
    await c.apply(Resources.statefulSets, { metadata: { name: "s", namespace: "ns" } });
    await c.replace(Resources.leases, { metadata: { name: "l", namespace: "ns" } });
    const text = await registry.metrics();
    assert.match(text, /kube_api_requests_total\{verb="get",resource="pods",code="404"\} 1/);
    assert.match(text, /kube_api_requests_total\{verb="apply",resource="statefulsets.apps",code="201"\} 1/);
    assert.match(text, /kube_api_requests_total\{verb="update",resource="leases.coordination.k8s.io",code="201"\} 1/);
    assert.match(text, /kube_api_object_writes_total\{verb="apply",resource="statefulsets.apps"\} 1/);
    assert.doesNotMatch(text, /kube_api_object_writes_total\{[^}]*leases/);
  });
});
