// The FaunaCluster NetworkPolicy where a CNI enforces it (kind's kindnetd does; the local tier and the kind tier's
// locally built node image, whose CNI is podnet, enforce none: the test skips there):
// FaunaDB's admin port 8444 admits the operator's pods from the operator's namespace only. A pod carrying the
// operator's label in another namespace is dropped; the same pod in the operator's namespace connects (the control).
// A fresh simulator node opens 8444 at process start (FACTS §2), so a one-node cluster need not become Ready.
// Run: hack/kind/up.sh && node_modules/.bin/node --test test/kind/networkpolicy.test.ts
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import YAML from "yaml";
import { eventually } from "../support/localtier.ts";
import { type KindCluster, OPERATOR_NAMESPACE, useKind } from "./kind.ts";

/** The operator image is in kind (hack/kind/up.sh loads it) and has node: the probe needs nothing else. */
const PROBE_IMAGE = (YAML.parse(readFileSync("manifests/30-deployment.yaml", "utf8")) as { spec: { template: { spec: { containers: { image: string }[] } } } })
  .spec.template.spec.containers[0]!.image;
const SIM_IMAGE = PROBE_IMAGE.replace("/fauna-operator:", "/faunadb-simulator:");

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Runs a pod with the operator's label in `ns` that connects to ip:port: "connected", "refused" or "dropped". */
async function probe(kind: KindCluster, ns: string, name: string, ip: string, port: number): Promise<string> {
  const script = `const s=require("net").connect(${port},"${ip}");s.setTimeout(5000);` +
    `s.on("connect",()=>{console.log("connected");process.exit(0)});` +
    `s.on("timeout",()=>{console.log("dropped");process.exit(0)});` +
    `s.on("error",(e)=>{console.log(e.code==="ECONNREFUSED"?"refused":"error "+e.code);process.exit(0)});`;
  const pod: V1Pod = {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: ns, labels: { "app.kubernetes.io/name": "fauna-operator" } },
    spec: {
      restartPolicy: "Never",
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{
        name: "probe", image: PROBE_IMAGE, imagePullPolicy: "IfNotPresent", command: ["node", "-e", script],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      }],
    },
  };
  await kind.kubectl(["apply", "-f", "-"], JSON.stringify(pod));
  cleanups.push(() => kind.kubectl(["-n", ns, "delete", "pod", name, "--wait=false"]));
  await eventually(`probe ${ns}/${name} to finish`, async () => {
    const p = await kind.json<V1Pod>(["-n", ns, "get", "pod", name]);
    return p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
  }, 120_000, 1000);
  return (await kind.kubectl(["-n", ns, "logs", name])).trim();
}

describe("NetworkPolicy on kind: the admin port only from the operator's namespace", { timeout: 600_000 }, () => {
  it("a labelled pod in another namespace is dropped; in the operator's namespace it connects", async (t) => {
    const kind = await useKind(t);
    if (!kind) return;
    // The node image hack/kind/images.sh builds routes pods with podnet (kindnetd is not on the Go module proxy),
    // which enforces no NetworkPolicy: there this test has nothing to observe. Kind's own node image (kindnetd) does.
    const podnet = await kind.kubectl(["-n", "kube-system", "get", "daemonset", "podnet", "-o", "name"]).catch(() => "");
    if (podnet.trim() !== "") {
      t.skip("the kind tier's CNI is podnet, which enforces no NetworkPolicy (KIND_NODE_IMAGE=kindest/node:... uses kindnetd, which does)");
      return;
    }
    const ns = await kind.namespace("kind-np");
    const elsewhere = await kind.namespace("kind-np-x");
    cleanups.push(() => kind.deleteNamespace(ns), () => kind.deleteNamespace(elsewhere));
    const cluster = {
      apiVersion: "fauna-operator.io/v1alpha1", kind: "FaunaCluster", metadata: { name: "np", namespace: ns },
      spec: { image: SIM_IMAGE, imagePullPolicy: "IfNotPresent", replicas: [{ name: "replica-1", type: "data+log", nodes: 1, storage: { size: "1Gi" } }] },
    };
    await kind.kubectl(["apply", "-f", "-"], JSON.stringify(cluster));
    const ip = await eventually("the FaunaDB pod running with an IP", async () => {
      const p = await kind.json<V1Pod>(["-n", ns, "get", "pod", "np-replica-1-0"]).catch(() => undefined);
      return p?.status?.phase === "Running" ? p.status.podIP : undefined;
    }, 300_000, 2000);
    await eventually("the NetworkPolicy", () => kind.kubectl(["-n", ns, "get", "networkpolicy", "np", "-o", "name"]).then((o) => o.trim() !== ""), 60_000, 1000);

    const control = await probe(kind, OPERATOR_NAMESPACE, `np-probe-${ns}`, ip, 8444);
    assert.equal(control, "connected", "from the operator's namespace, the admin port answers");
    const outsider = await probe(kind, elsewhere, "np-probe", ip, 8444);
    assert.equal(outsider, "dropped", "a pod with the operator's label in another namespace is not let through");
  });
});
