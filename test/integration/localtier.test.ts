// The local tier behaves as a real cluster where the operator depends on it: StatefulSets with volumes, headless
// Services, pod DNS, readiness from real probes, graceful termination, garbage collection, RBAC.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { useTier, eventually, type TestTier } from "../support/localtier.ts";
import * as k8s from "@kubernetes/client-node";

let tier: TestTier;
let ns: string;
before(async () => {
  tier = await useTier();
  ns = await tier.namespace("tier", { podSecurity: "baseline" });
});
after(async () => tier && ns && tier.deleteNamespace(ns));

// A pod whose process keeps a history in its volume, serves it over HTTP on the pod IP, becomes ready only after a
// marker file appears (3 s after start), and records SIGTERM before exiting.
const script = [
  "echo \"start $POD_NAME\" >> /data/history",
  "rm -f /data/ready",
  "trap 'echo term >> /data/history; kill $SERVER; exit 0' TERM",
  "cd /data && python3 -m http.server --bind \"$POD_IP\" 8080 >/dev/null 2>&1 & SERVER=$!",
  "sleep 3; touch /data/ready",
  "while :; do sleep 0.2; done",
].join("\n");

function statefulSet(name: string, replicas: number): k8s.V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      serviceName: name,
      replicas,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { "local.fauna-operator.io/run": "process" } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: "web",
            image: "local/python",
            command: ["/bin/sh", "-c", script],
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            ],
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 1 },
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          }],
        },
      },
      volumeClaimTemplates: [{
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }],
    },
  };
}

const podReady = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

test("a StatefulSet with a volumeClaimTemplate runs 3 pods with distinct pod IPs and bound PVCs; headless Service, EndpointSlice and pod DNS agree", async () => {
  await tier.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: "web" }, spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { app: "web" }, ports: [{ name: "http", port: 8080 }] } },
  });
  await tier.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("web", 3) });
  const pods = await eventually("3 running pods with IPs", async () => {
    const list = (await tier.core.listNamespacedPod({ namespace: ns })).items;
    return list.length === 3 && list.every((p) => p.status?.phase === "Running" && p.status.podIP) ? list : undefined;
  }, 60_000);
  const ips = pods.map((p) => p.status?.podIP ?? "");
  assert.equal(new Set(ips).size, 3);
  for (const ip of ips) assert.match(ip, /^10\.244\.\d+\.\d+$/);

  const pvcs = (await tier.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
  assert.deepEqual(pvcs.map((p) => [p.metadata?.name, p.status?.phase]).sort(), [
    ["data-web-0", "Bound"], ["data-web-1", "Bound"], ["data-web-2", "Bound"],
  ]);

  const discovery = tier.kc.makeApiClient(k8s.DiscoveryV1Api);
  const sliceIps = await eventually("EndpointSlice with the 3 pod IPs", async () => {
    const slices = (await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: "kubernetes.io/service-name=web" })).items;
    const got = slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();
    return got.length === 3 ? got : undefined;
  });
  assert.deepEqual(sliceIps, [...ips].sort());

  for (const p of pods) {
    const name = `${p.metadata?.name}.web.${ns}.svc.cluster.local`;
    const resolved = await eventually(`DNS ${name}`, async () => (await lookup(name, { family: 4 })).address);
    assert.equal(resolved, p.status?.podIP);
  }
});

test("a runner-managed pod is reachable at podIP:port and turns Ready only once its readinessProbe passes", async () => {
  await tier.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: "probe" }, spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: { app: "probe" }, ports: [{ name: "http", port: 8080 }] } },
  });
  await tier.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet("probe", 1) });
  const pod = await eventually("serving, not yet ready", async () => {
    const p = await tier.core.readNamespacedPod({ name: "probe-0", namespace: ns });
    if (!p.status?.podIP) return undefined;
    const res = await fetch(`http://${p.status.podIP}:8080/history`).catch(() => undefined);
    return res?.ok ? p : undefined;
  }, 30_000, 100);
  const before = await tier.core.readNamespacedPod({ name: "probe-0", namespace: ns });
  const ready = await fetch(`http://${pod.status?.podIP}:8080/ready`);
  if (ready.status === 404) assert.equal(podReady(before), false, "pod must not be Ready before /ready answers");
  await eventually("pod Ready", async () => podReady(await tier.core.readNamespacedPod({ name: "probe-0", namespace: ns })), 20_000);
});

test("deleting a pod sends SIGTERM, the pod goes away after the process exits, and its successor reads the volume", async () => {
  const old = await eventually("web-1 ready", async () => {
    const p = await tier.core.readNamespacedPod({ name: "web-1", namespace: ns });
    return podReady(p) ? p : undefined;
  }, 30_000);
  await tier.core.deleteNamespacedPod({ name: "web-1", namespace: ns });
  const fresh = await eventually("a new web-1, ready", async () => {
    const p = await tier.core.readNamespacedPod({ name: "web-1", namespace: ns });
    return p.metadata?.uid !== old.metadata?.uid && podReady(p) ? p : undefined;
  }, 60_000);
  const history = await (await fetch(`http://${fresh.status?.podIP}:8080/history`)).text();
  assert.deepEqual(history.trim().split("\n"), ["start web-1", "term", "start web-1"]);
});

test("kubectl logs shows a runner-managed pod's output", async () => {
  const out = await tier.kubectl(["-n", ns, "logs", "web-0"]);
  assert.ok(out.length >= 0);
  await tier.core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: "talker", annotations: { "local.fauna-operator.io/run": "process" } },
      spec: { containers: [{ name: "c", image: "local/sh", command: ["/bin/sh", "-c", "echo hello from $(POD); exec sleep 60"], env: [{ name: "POD", value: "talker" }] }] },
    },
  });
  const logs = await eventually("logs", async () => {
    const text = await tier.kubectl(["-n", ns, "logs", "talker"]).catch(() => "");
    return text.includes("hello from talker") ? text : undefined;
  }, 30_000);
  assert.match(logs, /hello from talker/);
});

test("deleting an owner garbage-collects what it owns", async () => {
  const owner = await tier.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "owner" } } });
  await tier.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "owned", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid ?? "" }] } },
  });
  await tier.core.deleteNamespacedConfigMap({ name: "owner", namespace: ns });
  await eventually("owned ConfigMap collected", async () => {
    const list = (await tier.core.listNamespacedConfigMap({ namespace: ns })).items.map((c) => c.metadata?.name);
    return !list.includes("owned");
  }, 30_000);
});

test("RBAC is real: a ServiceAccount bound to a narrow Role gets 403 outside it", async () => {
  const rbac = tier.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await tier.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "narrow" } } });
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: "pods-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: "narrow" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pods-reader" }, subjects: [{ kind: "ServiceAccount", name: "narrow", namespace: ns }] },
  });
  const tr = await tier.core.createNamespacedServiceAccountToken({ name: "narrow", namespace: ns, body: { spec: { audiences: [] } } });
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...tier.kc.getCurrentCluster()!, name: "c" }],
    users: [{ name: "narrow", token: tr.status?.token ?? "" }],
    contexts: [{ name: "n", cluster: "c", user: "narrow" }],
    currentContext: "n",
  });
  const asSa = kc.makeApiClient(k8s.CoreV1Api);
  await eventually("RBAC grants pods list", async () => (await asSa.listNamespacedPod({ namespace: ns })).items !== undefined);
  await assert.rejects(asSa.listNamespacedSecret({ namespace: ns }), (err: unknown) => err instanceof k8s.ApiException && err.code === 403);
  await assert.rejects(asSa.listNamespacedPod({ namespace: "default" }), (err: unknown) => err instanceof k8s.ApiException && err.code === 403);
});
