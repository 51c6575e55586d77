import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { expandVars, resolveEnv, fieldPathValue, parseQuantity, PodConfigError } from "./env.ts";

const pod: V1Pod = {
  metadata: { name: "db-0", namespace: "ns1", uid: "u1", labels: { app: "x" } },
  spec: { containers: [], nodeName: "kwok-node-0" },
  status: { podIP: "10.244.1.5" },
};
const lookup = {
  secret: async (_ns: string, name: string) => (name === "root" ? { key: "s3cret" } : undefined),
  configMap: async (_ns: string, name: string) => (name === "cm" ? { A: "1", B: "2" } : undefined),
};

test("expandVars follows Kubernetes rules", () => {
  assert.equal(expandVars("$(A)-$(B)-$(C)", { A: "1", B: "2" }), "1-2-$(C)");
  assert.equal(expandVars("$$(A)", { A: "1" }), "$(A)");
});

test("resolveEnv resolves downward API, secrets, config maps and expansion in order", async () => {
  const env = await resolveEnv(pod, {
    name: "c",
    envFrom: [{ configMapRef: { name: "cm" }, prefix: "CM_" }],
    env: [
      { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "ADDR", value: "$(POD).svc:$(CM_A)" },
      { name: "KEY", valueFrom: { secretKeyRef: { name: "root", key: "key" } } },
      { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    ],
    resources: { limits: { memory: "2Gi" } },
  }, lookup);
  assert.deepEqual(env, { CM_A: "1", CM_B: "2", POD: "db-0", IP: "10.244.1.5", ADDR: "db-0.svc:1", KEY: "s3cret", MEM: "2048" });
});

test("a missing secret is an error unless optional", async () => {
  const c = { name: "c", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] };
  await assert.rejects(resolveEnv(pod, c, lookup), PodConfigError);
  const opt = { name: "c", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } }] };
  assert.deepEqual(await resolveEnv(pod, opt, lookup), {});
});

test("fieldPathValue supports labels and rejects unknown paths", () => {
  assert.equal(fieldPathValue(pod, "metadata.labels['app']"), "x");
  assert.throws(() => fieldPathValue(pod, "spec.bogus"), PodConfigError);
  assert.equal(parseQuantity("512Mi"), 512 * 2 ** 20);
});

test("fieldPathValue gives whole label and annotation maps in kubelet's downward API file format", () => {
  const annotated: V1Pod = { metadata: { annotations: { "z.io/b": "2", "a.io/x": 'say "hi"' }, labels: { app: "x" } } };
  assert.equal(fieldPathValue(annotated, "metadata.annotations"), 'a.io/x="say \\"hi\\""\nz.io/b="2"');
  assert.equal(fieldPathValue(annotated, "metadata.labels"), 'app="x"');
  assert.equal(fieldPathValue({ metadata: {} }, "metadata.annotations"), "");
});
