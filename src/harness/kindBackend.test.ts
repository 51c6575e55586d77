import { test } from "node:test";
import assert from "node:assert/strict";
import { kindBackend, NFT_TABLE, partitionElementScript, partitionTableScript, RELAY_S } from "./kindBackend.ts";
import type { HarnessTarget, Kubectl } from "./kube.ts";

function target(kubectl: Kubectl): HarnessTarget {
  const backend = kindBackend();
  return { kubectl, namespace: "ns", cluster: "fauna", operator: { namespace: "op", lease: "l" }, backend };
}

test("the partition table drops every routed packet from or to an isolated address, in the forward hook", () => {
  const script = partitionTableScript();
  assert.match(script, new RegExp(`^flush table inet ${NFT_TABLE}$`, "m"), "made afresh when run again");
  assert.match(script, /type filter hook forward priority 0; policy accept;/);
  assert.match(script, /ip saddr @isolated drop/);
  assert.match(script, /ip daddr @isolated drop/);
  assert.equal(partitionElementScript("10.244.2.5", true), `add element inet ${NFT_TABLE} isolated { 10.244.2.5 }\n`);
  assert.equal(partitionElementScript("10.244.2.5", false), `delete element inet ${NFT_TABLE} isolated { 10.244.2.5 }\n`);
});

test("isolate and reconnect filter the pod's IP inside the kind node that hosts it (docker exec into that node)", async () => {
  const docker: { args: string[]; input?: string }[] = [];
  const kubectl: Kubectl = async (args) => {
    if (args.join(" ") === "-n ns get pod fauna-replica-2-2 -o json") return JSON.stringify({ spec: { nodeName: "fauna-operator-worker2" }, status: { podIP: "10.244.3.7" } });
    throw new Error(`unexpected kubectl ${args.join(" ")}`);
  };
  const backend = kindBackend({ docker: async (args, input) => void docker.push({ args, input }) });
  const t = { ...target(kubectl), backend };
  await backend.isolate(t, "fauna-replica-2-2");
  await backend.reconnect(t, "fauna-replica-2-2");
  assert.deepEqual(docker.map((d) => d.args), Array(3).fill(["exec", "-i", "fauna-operator-worker2", "nft", "-f", "-"]));
  assert.deepEqual(docker.map((d) => d.input), [partitionTableScript(), partitionElementScript("10.244.3.7", true), partitionElementScript("10.244.3.7", false)]);
});

test("a node's clock is read through a relay in the pod's own node (the NetworkPolicy admits 8444 from there), anew after a failed read", async () => {
  const docker: string[][] = [];
  const kubectl: Kubectl = async (args) => {
    const a = args.join(" ");
    if (a === "-n ns get pod fauna-replica-1-0 -o json") return JSON.stringify({ spec: { nodeName: "fauna-operator-worker" }, status: { podIP: "10.244.1.9" } });
    if (a.startsWith("get node fauna-operator-worker -o jsonpath=")) return "172.18.0.4";
    // No node listed yet: the read fails before any admin call.
    if (a === "-n ns get faunacluster fauna -o json") return JSON.stringify({ metadata: { name: "fauna", namespace: "ns" }, spec: { replicas: [], tls: { mode: "Disabled" } }, status: {} });
    throw new Error(`unexpected kubectl ${a}`);
  };
  const backend = kindBackend({ docker: async (args) => void docker.push(args) });
  const t = { ...target(kubectl), backend };
  assert.equal(await backend.nodeClock(t, "key", "fauna-replica-1-0"), null);
  assert.equal(await backend.nodeClock(t, "key", "fauna-replica-1-0"), null);
  assert.equal(docker.length, 2, "a failed read drops its relay");
  for (const args of docker) {
    const port = Number(/^TCP-LISTEN:(\d+),/.exec(args[6] ?? "")?.[1]);
    assert.ok(port >= 20_000 && port < 30_000, `below the NodePort range: ${port}`);
    assert.deepEqual(args, ["exec", "-d", "fauna-operator-worker", "timeout", String(RELAY_S), "socat", `TCP-LISTEN:${port},bind=172.18.0.4,reuseaddr,fork`, "TCP:10.244.1.9:8444"]);
  }
});

test("a clock skew is the pod annotation the simulator reads from its downward API file", async () => {
  const calls: string[][] = [];
  const t = target(async (args) => (calls.push(args), ""));
  await t.backend.setClockOffset(t, "fauna-replica-1-0", "+5s");
  await t.backend.setClockOffset(t, "fauna-replica-1-0", null);
  assert.deepEqual(calls, [
    ["-n", "ns", "annotate", "pod", "fauna-replica-1-0", "local.fauna-operator.io/clock-offset=+5s", "--overwrite"],
    ["-n", "ns", "annotate", "pod", "fauna-replica-1-0", "local.fauna-operator.io/clock-offset-"],
  ]);
});

const cluster = (mode: "Managed" | "Disabled") => JSON.stringify({ metadata: { name: "fauna", namespace: "ns" }, spec: { replicas: [], tls: { mode } } });

test("the load reaches the client Service's pods through a NodePort on the control plane's address", async () => {
  const applied: unknown[] = [];
  const kubectl: Kubectl = async (args, input) => {
    const line = args.join(" ");
    if (line === "-n ns get faunacluster fauna -o json") return cluster("Disabled");
    if (line === "-n ns get service fauna -o json") return JSON.stringify({ spec: { selector: { app: "fauna", ready: "yes" } } });
    if (line === "apply -f -") return void applied.push(JSON.parse(input ?? "")), "";
    if (line.startsWith("-n ns get service fauna-harness-api")) return "31234";
    if (line.startsWith("get nodes -l node-role.kubernetes.io/control-plane")) return "172.18.0.3";
    throw new Error(`unexpected kubectl ${line}`);
  };
  const t = target(kubectl);
  assert.deepEqual(await t.backend.queryEndpoint(t), { domain: "172.18.0.3", port: 31234 });
  const service = applied[0] as { spec: { type: string; selector: Record<string, string>; ports: { port: number }[] } };
  assert.equal(service.spec.type, "NodePort");
  assert.deepEqual(service.spec.selector, { app: "fauna", ready: "yes" });
  assert.equal(service.spec.ports[0]?.port, 8443);
});

test("with TLS on, the NodePort endpoint trusts the CA ConfigMap and verifies the client Service's name", async () => {
  const kubectl: Kubectl = async (args) => {
    const line = args.join(" ");
    if (line === "-n ns get faunacluster fauna -o json") return cluster("Managed");
    if (line === "-n ns get configmap fauna-ca --ignore-not-found -o json") return JSON.stringify({ data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----" } });
    if (line === "-n ns get service fauna -o json") return JSON.stringify({ spec: { selector: { app: "fauna" } } });
    if (line === "apply -f -") return "";
    if (line.startsWith("-n ns get service fauna-harness-api")) return "31234";
    if (line.startsWith("get nodes -l node-role.kubernetes.io/control-plane")) return "172.18.0.3";
    throw new Error(`unexpected kubectl ${line}`);
  };
  const t = target(kubectl);
  assert.deepEqual(await t.backend.queryEndpoint(t), {
    domain: "172.18.0.3", port: 31234, tls: { ca: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----", serverName: "fauna.ns.svc" },
  });
});
