import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "./client.ts";
import { KubeEventRecorder } from "./events.ts";
import { Redactor } from "./redact.ts";
import type { TransportRequest } from "./transport.ts";

function setup(opts: { failPatchWith404?: boolean } = {}) {
  const seen: TransportRequest[] = [];
  let now = 1_700_000_000_000;
  const client = new KubeClient({
    fieldManager: "fauna-operator",
    transport: {
      async request(req) {
        seen.push(req);
        if (req.method === "PATCH" && opts.failPatchWith404) {
          return { status: 404, body: JSON.stringify({ kind: "Status", code: 404, reason: "NotFound" }) };
        }
        return { status: 201, body: "{}" };
      },
    },
  });
  const redactor = new Redactor();
  redactor.add("s3cr3t-root-key");
  const errors: unknown[] = [];
  const recorder = new KubeEventRecorder({
    client,
    component: "fauna-operator",
    instance: "op-0",
    redactor,
    now: () => now,
    onError: (e) => errors.push(e),
  });
  return { recorder, seen, errors, tick: (ms: number) => (now += ms) };
}

const cluster = { apiVersion: "x.io/v1", kind: "FaunaCluster", metadata: { name: "prod", namespace: "db", uid: "u1" } };

describe("KubeEventRecorder", () => {
  it("creates one Event and bumps its count on repeats", async () => {
    const { recorder, seen, tick } = setup();
    await recorder.record(cluster, { type: "Warning", reason: "NodeUnreachable", message: "node db-a-0 unreachable" });
    tick(1000);
    await recorder.record(cluster, { type: "Warning", reason: "NodeUnreachable", message: "node db-a-0 unreachable" });
    tick(1000);
    await recorder.record(cluster, { type: "Warning", reason: "NodeUnreachable", message: "node db-a-0 unreachable" });
    assert.deepEqual(seen.map((r) => r.method), ["POST", "PATCH", "PATCH"]);
    const created = JSON.parse(seen[0]!.body!);
    assert.equal(created.involvedObject.uid, "u1");
    assert.equal(created.metadata.namespace, "db");
    assert.equal(created.count, 1);
    assert.equal(JSON.parse(seen[2]!.body!).count, 3);
    assert.equal(seen[2]!.path, `/api/v1/namespaces/db/events/${created.metadata.name}`);
  });

  it("a different message or an expired window starts a new Event", async () => {
    const { recorder, seen, tick } = setup();
    await recorder.record(cluster, { type: "Normal", reason: "Scaled", message: "a" });
    await recorder.record(cluster, { type: "Normal", reason: "Scaled", message: "b" });
    tick(11 * 60_000);
    await recorder.record(cluster, { type: "Normal", reason: "Scaled", message: "b" });
    assert.deepEqual(seen.map((r) => r.method), ["POST", "POST", "POST"]);
    assert.equal(new Set(seen.map((r) => JSON.parse(r.body!).metadata.name)).size, 3);
  });

  it("recreates an Event the API server already expired", async () => {
    const { recorder, seen } = setup({ failPatchWith404: true });
    await recorder.record(cluster, { type: "Normal", reason: "R", message: "m" });
    await recorder.record(cluster, { type: "Normal", reason: "R", message: "m" });
    assert.deepEqual(seen.map((r) => r.method), ["POST", "PATCH", "POST"]);
  });

  it("never sends a registered secret or an auth header", async () => {
    const { recorder, seen } = setup();
    await recorder.record(cluster, {
      type: "Warning",
      reason: "AdminCallFailed",
      message: "curl -H 'Authorization: Basic czNjcjN0Og==' failed with key s3cr3t-root-key",
    });
    const body = seen[0]!.body!;
    assert.doesNotMatch(body, /s3cr3t-root-key|czNjcjN0Og/);
    assert.match(body, /\[REDACTED\]/);
  });

  it("swallows API failures into onError", async () => {
    const recorder = new KubeEventRecorder({
      client: new KubeClient({ fieldManager: "f", transport: { request: async () => Promise.reject(new Error("down")) } }),
      component: "c",
      instance: "i",
      redactor: new Redactor(),
      now: () => 0,
      onError: (e) => errs.push(e),
    });
    const errs: unknown[] = [];
    await recorder.record(cluster, { type: "Normal", reason: "R", message: "m" });
    assert.equal(errs.length, 1);
  });
});
