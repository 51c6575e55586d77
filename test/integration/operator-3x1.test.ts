// End to end on the local tier with the simulator: the operator (a child process using the manifests/ ServiceAccount
// token) turns the 3x1 local sample into a Ready cluster, follows a spec change, goes quiet after convergence, and
// the garbage collector removes what it owned when the FaunaCluster is deleted (PVCs kept: whenDeleted Retain).
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-3x1.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubernetesObject, V1Pod, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import https from "node:https";
import tls from "node:tls";
import { issueCa, issueCert } from "../../src/faunacluster/tls/pki.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { tcpProbe, tlsHandshake } from "../support/portProbe.ts";
import { assertNoWritesFor, operatorSuite, sample } from "../support/operator.ts";

/** The write-quiet window after convergence: 20 s here; issue 3's full 60 s is checked in operator-lifecycle.test.ts. */
const QUIET_MS = 20_000;

const suite = operatorSuite({ namespacePrefix: "op3x1", healthPort: 18081 });

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", "fauna-3x1"]);
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;

describe("operator: 3x1 sample on the simulator", { timeout: 1_200_000 }, () => {
  it("reaches Ready with every node a live member", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns)));
    const t0 = Date.now();
    const ready = await eventually("FaunaCluster Ready", async () => {
      const c = await fc();
      return isReady(c) ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    console.log(`3x1 Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const nodes = ready.status?.nodes ?? [];
    assert.equal(nodes.length, 3);
    for (const n of nodes) {
      assert.equal(n.state, "live", JSON.stringify(n));
      assert.equal(n.status, "up");
      assert.match(n.hostId ?? "", /./);
    }
    assert.deepEqual(ready.status?.replicas?.map((r) => [r.name, r.ready, r.members, r.currentType]), [
      ["replica-1", 1, 1, "data+log"],
      ["replica-2", 1, 1, "data+log"],
      ["replica-3", 1, 1, "data+log"],
    ]);
    assert.equal(ready.status?.phase, "Running");
    assert.equal(ready.status?.readyNodes, 3);
    assert.equal(ready.status?.rootKeySecretName, "fauna-3x1-root-key");
  });

  it("owns its objects with controller references, standard labels and FaunaDB probes", async () => {
    const c = await fc();
    const owned = (o: KubernetesObject) =>
      o.metadata?.ownerReferences?.some((r) => r.uid === c.metadata.uid && r.controller === true && r.kind === "FaunaCluster") ?? false;
    const sets = (await getJson<{ items: V1StatefulSet[] }>(["-n", suite.ns, "get", "statefulsets"])).items;
    assert.deepEqual(sets.map((s) => s.metadata?.name).sort(), ["fauna-3x1-replica-1", "fauna-3x1-replica-2", "fauna-3x1-replica-3"]);
    for (const s of sets) {
      assert.ok(owned(s), `${s.metadata?.name} owner reference`);
      assert.equal(s.metadata?.labels?.["app.kubernetes.io/managed-by"], "fauna-operator");
      assert.equal(s.spec?.podManagementPolicy, "Parallel");
      const container = s.spec?.template.spec?.containers[0];
      assert.equal(container?.readinessProbe?.httpGet?.path, "/ping?scope=node");
      assert.equal(container?.livenessProbe, undefined, "no liveness probe: a restarted member keeps its ports closed until its peers answer");
    }
    for (const [kind, name] of [["service", "fauna-3x1"], ["service", "fauna-3x1-replica-1"], ["configmap", "fauna-3x1-config"], ["configmap", "fauna-3x1-ca"], ["secret", "fauna-3x1-root-key"], ["secret", "fauna-3x1-ca"], ["pdb", "fauna-3x1-replica-1"], ["networkpolicy", "fauna-3x1"]] as const) {
      const o = await getJson<KubernetesObject>(["-n", suite.ns, "get", kind, name]);
      assert.ok(owned(o), `${kind}/${name} owner reference`);
      assert.equal(o.metadata?.labels?.["app.kubernetes.io/part-of"], "fauna-operator", `${kind}/${name} labels`);
    }
    // The root key never sits in the ConfigMap.
    const secret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", "fauna-3x1-root-key"]);
    const key = Buffer.from(secret.data["root-key"] ?? "", "base64").toString();
    assert.ok(key.length >= 16);
    assert.ok(!(await suite.tier.kubectl(["-n", suite.ns, "get", "configmap", "fauna-3x1-config", "-o", "yaml"])).includes(key));
    assert.ok(!(await suite.tier.kubectl(["-n", suite.ns, "get", "faunacluster", "fauna-3x1", "-o", "yaml"])).includes(key));
    assert.ok(!readFileSync(suite.op?.logFile ?? "", "utf8").includes(key), "the root key is not in the operator log");
    // The client Service selects every FaunaDB pod (no compute replica): its endpoints are the three pod IPs.
    const svc = await getJson<V1Service>(["-n", suite.ns, "get", "service", "fauna-3x1"]);
    const pods = (await getJson<{ items: V1Pod[] }>(["-n", suite.ns, "get", "pods", "-l", Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(",")])).items;
    assert.equal(pods.length, 3);
    const slices = await getJson<{ items: { endpoints?: { addresses: string[] }[] }[] }>(["-n", suite.ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=fauna-3x1"]);
    const addresses = slices.items.flatMap((s) => s.endpoints ?? []).flatMap((e) => e.addresses).sort();
    assert.deepEqual(addresses, pods.map((p) => p.status?.podIP ?? "").sort());
  });

  it("TLS by default: the admin API answers only over mutual TLS with the cluster's CA, the query API only over TLS", async () => {
    const caCert = (await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "configmap", "fauna-3x1-ca"])).data["ca.crt"] ?? "";
    const caSecret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", "fauna-3x1-ca"]);
    const ca = { cert: Buffer.from(caSecret.data["tls.crt"] ?? "", "base64").toString(), key: Buffer.from(caSecret.data["tls.key"] ?? "", "base64").toString() };
    assert.equal(ca.cert.trim(), caCert.trim(), "the ConfigMap holds the CA's certificate");
    const sts = await getJson<V1StatefulSet>(["-n", suite.ns, "get", "statefulset", "fauna-3x1-replica-1"]);
    assert.equal(sts.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.scheme, "HTTPS");
    const pod = await getJson<V1Pod>(["-n", suite.ns, "get", "pod", "fauna-3x1-replica-1-0"]);
    const ip = pod.status?.podIP ?? "";
    const rootKey = Buffer.from((await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", "fauna-3x1-root-key"])).data["root-key"] ?? "", "base64").toString();
    const client = issueCert(ca, { commonName: "test-client", usage: "client", now: new Date(), days: 1 });
    const stranger = issueCa({ commonName: "stranger", now: new Date(), days: 1 });
    const strangerClient = issueCert(stranger, { commonName: "stranger-client", usage: "client", now: new Date(), days: 1 });
    const auth = { authorization: `Basic ${Buffer.from(`${rootKey}:`).toString("base64")}` };
    const podName = "fauna-3x1-replica-1-0.fauna-3x1-replica-1." + suite.ns + ".svc.cluster.local";
    const get = (port: number, o: https.RequestOptions) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request({ host: ip, port, path: port === 8444 ? "/admin/identity" : "/ping", headers: auth, ca: caCert, servername: podName, timeout: 5000, ...o }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.end();
      });
    const member = await get(8444, { cert: client.cert, key: client.key, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(podName, cert) });
    assert.equal(member.status, 200, member.body);
    assert.match(member.body, /identity/);
    await assert.rejects(get(8444, {}), "no client certificate: refused");
    await assert.rejects(get(8444, { cert: strangerClient.cert, key: strangerClient.key }), "a certificate from another CA: refused");
    await assert.rejects(get(8444, { ca: stranger.cert }), "the node's certificate is not trusted under another CA");
    const plain = await fetch(`http://${ip}:8444/admin/identity`, { headers: auth, signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => "refused");
    assert.notEqual(plain, 200, "no admin answer in cleartext");
    const ping = await get(8443, { checkServerIdentity: (_h, cert) => tls.checkServerIdentity("fauna-3x1." + suite.ns + ".svc", cert) });
    assert.equal(ping.status, 200, "the query API over TLS, verified as the client Service's name");
    const plainApi = await fetch(`http://${ip}:8443/ping`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => "refused");
    assert.notEqual(plainApi, 200, "no query answer in cleartext");
  });

  it("TLS by default on the peer bus too: only 7501, mutual TLS with the cluster's CA, announced to FaunaDB", async () => {
    const template = (await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "configmap", "fauna-3x1-config"])).data["replica-1.yml"] ?? "";
    assert.match(template, /^peer_encryption_level: all$/m);
    assert.match(template, /^peer_encryption_trust_file: \/etc\/faunadb\/tls\/ca\.crt$/m);
    const caSecret = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", "fauna-3x1-ca"]);
    const ca = { cert: Buffer.from(caSecret.data["tls.crt"] ?? "", "base64").toString(), key: Buffer.from(caSecret.data["tls.key"] ?? "", "base64").toString() };
    const member = issueCert(ca, { commonName: "test-peer", usage: "peer", now: new Date(), days: 1 });
    const stranger = issueCa({ commonName: "stranger", now: new Date(), days: 1 });
    const strangerPeer = issueCert(stranger, { commonName: "stranger-peer", usage: "peer", now: new Date(), days: 1 });
    for (const r of [1, 2, 3]) {
      const ip = (await getJson<V1Pod>(["-n", suite.ns, "get", "pod", `fauna-3x1-replica-${r}-0`])).status?.podIP ?? "";
      assert.equal(await tcpProbe(ip, 7500), "refused", `replica-${r}: no cleartext bus`);
      assert.equal(await tlsHandshake(ip, 7501, { ca: ca.cert, cert: member.cert, key: member.key }), "accepted", `replica-${r}: a peer with the CA's certificate`);
      assert.notEqual(await tlsHandshake(ip, 7501, { ca: ca.cert }), "accepted", `replica-${r}: no client certificate`);
      assert.notEqual(await tlsHandshake(ip, 7501, { ca: ca.cert, cert: strangerPeer.cert, key: strangerPeer.key }), "accepted", `replica-${r}: another CA's certificate`);
    }
    // Every member is up, so they reached each other over that bus.
    const nodes = (await fc()).status?.nodes ?? [];
    assert.equal(nodes.filter((n) => n.state === "live" && n.status === "up").length, 3, JSON.stringify(nodes));
  });

  it(`makes no object writes for ${QUIET_MS / 1000} s after convergence`, async () => {
    const op = suite.op;
    assert.ok(op);
    await assertNoWritesFor(op, QUIET_MS);
  });

  it("follows a spec change: replica-1 from 1 to 2 nodes", async () => {
    await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", "fauna-3x1", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: 2 }])]);
    const c = await eventually("Ready with 4 live nodes", async () => {
      const c = await fc();
      return isReady(c) && (c.status?.nodes ?? []).filter((n) => n.state === "live").length === 4 ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    assert.equal(c.status?.replicas?.[0]?.members, 2);
    const sts = await getJson<V1StatefulSet>(["-n", suite.ns, "get", "statefulset", "fauna-3x1-replica-1"]);
    assert.equal(sts.spec?.replicas, 2);
  });

  it("scales replica-1 back from 2 to 1: the host leaves first, then the StatefulSet shrinks and its PVC is released", async () => {
    const hostOf1 = (await fc()).status?.nodes?.find((n) => n.pod === "fauna-3x1-replica-1-1")?.hostId;
    assert.ok(hostOf1);
    await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", "fauna-3x1", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: 1 }])]);
    const c = await eventually("Ready with 3 live nodes and the PVC of ordinal 1 gone", async () => {
      const c = await fc();
      const pvcs = await suite.tier.kubectl(["-n", suite.ns, "get", "pvc", "-o", "name"]);
      return isReady(c) && (c.status?.nodes ?? []).length === 3 && !pvcs.includes("data-fauna-3x1-replica-1-1") ? c : undefined;
    }, 480_000, 1000).catch(suite.failWithLogTail);
    assert.ok(!(c.status?.nodes ?? []).some((n) => n.hostId === hostOf1), "the removed host left membership");
    const events = await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", "involvedObject.name=fauna-3x1", "-o", "json"]);
    const reasons = (JSON.parse(events) as { items: { reason: string; firstTimestamp: string; message: string }[] }).items;
    const removing = reasons.find((e) => e.reason === "RemovingNode" && e.message.includes(hostOf1));
    const releasing = reasons.find((e) => e.reason === "DeletingVolume");
    assert.ok(removing && releasing, JSON.stringify(reasons.map((e) => e.reason)));
    assert.ok(removing.firstTimestamp <= releasing.firstTimestamp, "the host was removed before its volume was released");
  });

  it("deleting the FaunaCluster removes what it owns; node PVCs are retained (whenDeleted: Retain)", async () => {
    await suite.tier.kubectl(["-n", suite.ns, "delete", "faunacluster", "fauna-3x1", "--wait=true"]);
    await eventually("owned objects garbage-collected", async () => {
      const left = await suite.tier.kubectl(["-n", suite.ns, "get", "statefulsets,services,configmaps,pdb,networkpolicies,secrets", "-l", "fauna-operator.io/cluster=fauna-3x1", "-o", "name"]);
      return left.trim() === "" ? true : undefined;
    }, 60_000, 1000);
    const pvcs = await suite.tier.kubectl(["-n", suite.ns, "get", "pvc", "-o", "name"]);
    assert.equal(pvcs.trim().split("\n").length, 3, `PVCs kept: ${pvcs}`);
  });
});
