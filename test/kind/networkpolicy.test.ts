// The FaunaCluster NetworkPolicy, enforced: FaunaDB's admin port 8444 admits the operator's pods from the operator's
// namespace only. On the kind tier's local node image (CNI podnet) kube-router enforces it (hack/kind/kube-router.yaml,
// which hack/kind/up.sh deploys); on kind's published node image kindnetd does. Without an enforcer the test fails
// and says why (a skip would hide a broken setup, as for the rest of the suite).
// - the control: a pod carrying the operator's label in the operator's namespace connects to 8444;
// - a pod carrying the same label in another namespace connects to 8443 (open to anyone), then is not let through to
//   8444 in any of several tries (kube-router rejects it with an ICMP port unreachable, so the client sees
//   ECONNREFUSED, "refused"; kindnetd drops it, "dropped"), then connects to 8443 again: the node stayed up, so
//   the refusal of 8444, which the control reached, is the policy's.
// Run: hack/kind/up.sh && node_modules/.bin/node --test test/kind/networkpolicy.test.ts
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import type { V1DaemonSet, V1Pod } from "@kubernetes/client-node";
import YAML from "yaml";
import { eventually } from "../support/localtier.ts";
import { type KindCluster, type NetworkDaemons, networkPolicyEnforcer, OPERATOR_NAMESPACE, useKind } from "./kind.ts";

/** The operator image is in kind (hack/kind/up.sh loads it) and has node: the probe needs nothing else. */
const PROBE_IMAGE = (YAML.parse(readFileSync("manifests/30-deployment.yaml", "utf8")) as { spec: { template: { spec: { containers: { image: string }[] } } } })
  .spec.template.spec.containers[0]!.image;
const SIM_IMAGE = PROBE_IMAGE.replace("/fauna-operator:", "/faunadb-simulator:");
const API_PORT = 8443;
const ADMIN_PORT = 8444;
/** Tries of the admin port from outside: each must fail (one second apart). */
const OUTSIDER_TRIES = 5;

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** One port: up to `tries` connections a second apart, stopping at the first whose outcome is `until`. */
type Step = { port: number; tries: number; until?: "connected" };
type Attempt = { port: number; outcome: string };

/**
 * Runs a pod with the operator's label in `ns` that connects to ip at each step in turn. Each attempt's outcome:
 * "connected", "refused" (ECONNREFUSED: nothing listens, or a reject), "dropped" (no answer in 5 s) or "error CODE".
 */
async function probe(kind: KindCluster, ns: string, name: string, ip: string, steps: Step[]): Promise<Attempt[]> {
  const script = `const net=require("net");const steps=${JSON.stringify(steps)};` +
    `const once=(port)=>new Promise((done)=>{const s=net.connect(port,"${ip}");s.setTimeout(5000);` +
    `const end=(o)=>{s.destroy();done(o)};s.on("connect",()=>end("connected"));s.on("timeout",()=>end("dropped"));` +
    `s.on("error",(e)=>end(e.code==="ECONNREFUSED"?"refused":"error "+e.code))});` +
    `(async()=>{for(const st of steps){for(let i=0;i<st.tries;i++){if(i>0)await new Promise((r)=>setTimeout(r,1000));` +
    `const o=await once(st.port);console.log(st.port+" "+o);if(o===st.until)break}}})();`;
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
  }, 180_000, 1000);
  const log = (await kind.kubectl(["-n", ns, "logs", name])).trim();
  return log.split("\n").filter((l) => l !== "").map((l) => {
    const [port, ...outcome] = l.split(" ");
    return { port: Number(port), outcome: outcome.join(" ") };
  });
}

async function networkDaemons(kind: KindCluster): Promise<NetworkDaemons> {
  const daemon = async (name: string) => {
    const ds = await kind.json<V1DaemonSet>(["-n", "kube-system", "get", "daemonset", name]).catch(() => undefined);
    return ds && { desired: ds.status?.desiredNumberScheduled ?? 0, ready: ds.status?.numberReady ?? 0 };
  };
  return { kindnet: await daemon("kindnet"), podnet: await daemon("podnet"), kubeRouter: await daemon("kube-router") };
}

describe("NetworkPolicy on kind: the admin port only from the operator's namespace", { timeout: 600_000 }, () => {
  it("a labelled pod in another namespace reaches 8443 but not 8444; in the operator's namespace it connects to 8444", async (t) => {
    const kind = await useKind(t);
    if (!kind) return;
    const enforcement = networkPolicyEnforcer(await networkDaemons(kind));
    if (!enforcement.enforcer) throw new Error(`no NetworkPolicy enforcer on the kind cluster: ${enforcement.reason}`);
    t.diagnostic(`NetworkPolicy enforcer: ${enforcement.enforcer}`);

    const ns = await kind.namespace("kind-np");
    const elsewhere = await kind.namespace("kind-np-x");
    cleanups.push(() => kind.deleteNamespace(ns), () => kind.deleteNamespace(elsewhere));
    const cluster = {
      apiVersion: "fauna-operator.io/v1alpha1", kind: "FaunaCluster", metadata: { name: "np", namespace: ns },
      spec: { image: SIM_IMAGE, imagePullPolicy: "IfNotPresent", replicas: [{ name: "replica-1", type: "data+log", nodes: 1, storage: { size: "1Gi" } }] },
    };
    await kind.kubectl(["apply", "-f", "-"], JSON.stringify(cluster));
    await eventually("the NetworkPolicy", () => kind.kubectl(["-n", ns, "get", "networkpolicy", "np", "-o", "name"]).then((o) => o.trim() !== ""), 60_000, 1000);
    // Ready: the query port (8443) listens too (the simulator opens it once the operator has initialised the node).
    const ip = await eventually("the FaunaDB pod Ready, with an IP", async () => {
      const p = await kind.json<V1Pod>(["-n", ns, "get", "pod", "np-replica-1-0"]).catch(() => undefined);
      const ready = p?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return ready ? p?.status?.podIP : undefined;
    }, 300_000, 2000);

    // A new probe pod is admitted once the enforcer has seen its IP: the control retries until it connects.
    const control = await probe(kind, OPERATOR_NAMESPACE, `np-probe-${ns}`, ip, [{ port: ADMIN_PORT, tries: 30, until: "connected" }]);
    t.diagnostic(`from ${OPERATOR_NAMESPACE}: ${control.map((a) => `${a.port} ${a.outcome}`).join(", ")}`);
    assert.equal(control.at(-1)?.outcome, "connected", `from the operator's namespace, the admin port answers (${JSON.stringify(control)})`);

    const outsider = await probe(kind, elsewhere, "np-probe", ip, [
      { port: API_PORT, tries: 30, until: "connected" },
      { port: ADMIN_PORT, tries: OUTSIDER_TRIES },
      { port: API_PORT, tries: 1 },
    ]);
    t.diagnostic(`from ${elsewhere}: ${outsider.map((a) => `${a.port} ${a.outcome}`).join(", ")}`);
    const seen = JSON.stringify(outsider);
    const first = outsider.findIndex((a) => a.port === ADMIN_PORT);
    const admin = outsider.filter((a) => a.port === ADMIN_PORT);
    assert.equal(outsider[first - 1]?.outcome, "connected", `from another namespace, the query port answers first (${seen})`);
    assert.equal(admin.length, OUTSIDER_TRIES, `every try of the admin port ran (${seen})`);
    for (const a of admin) {
      assert.ok(a.outcome === "refused" || a.outcome === "dropped", `a pod with the operator's label in another namespace is not let through to ${ADMIN_PORT}: ${a.outcome} (${seen})`);
    }
    assert.deepEqual(outsider.slice(first + OUTSIDER_TRIES), [{ port: API_PORT, outcome: "connected" }], `the query port still answers after the refusals: the node stayed up (${seen})`);
  });
});
