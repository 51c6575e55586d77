// TLS turned on for a running cluster (issue 13): a 3x1 cluster created with `spec.tls.mode: Disabled` speaks
// cleartext; switched to Managed, the operator creates the CA, issues each replica's certificate and the pods roll
// one replica at a time (never two StatefulSets rolling together), the operator reaching each pod as its own template
// says meanwhile; the cluster ends Ready with every pod on mutual TLS. The simulator at FaunaDB's real timings.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-tls.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1StatefulSet } from "@kubernetes/client-node";
import type { FaunaCluster } from "../../src/api/types.ts";
import { adminFetch, adminTls } from "../support/clusterAccess.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const suite = operatorSuite({ namespacePrefix: "optls", healthPort: 18098 });
const NAME = "fauna-3x1";

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;
const statefulSets = async () => (await getJson<{ items: V1StatefulSet[] }>(["-n", suite.ns, "get", "statefulsets"])).items;
const rolling = (s: V1StatefulSet) => s.status?.currentRevision !== s.status?.updateRevision || (s.status?.updatedReplicas ?? 0) < (s.spec?.replicas ?? 0);
const tlsVolume = (s: V1StatefulSet) => s.spec?.template.spec?.volumes?.find((v) => v.name === "tls")?.secret?.secretName;

async function rootKey(): Promise<string> {
  const s = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", `${NAME}-root-key`]);
  return Buffer.from(s.data["root-key"] ?? "", "base64").toString();
}

async function identities(tls: Awaited<ReturnType<typeof adminTls>>): Promise<number[]> {
  const authorization = `Basic ${Buffer.from(`${await rootKey()}:`).toString("base64")}`;
  return Promise.all([1, 2, 3].map((r) =>
    adminFetch(tls, `${NAME}-replica-${r}-0.${NAME}-replica-${r}.${suite.ns}.svc.cluster.local`, "/admin/identity", { headers: { authorization }, signal: AbortSignal.timeout(5000) })
      .then((res) => res.status, () => 0)));
}

describe("operator: TLS turned on for a running cluster", { timeout: 1_500_000 }, () => {
  it("with mode Disabled, the cluster is Ready in cleartext and has no CA", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns, (s) => (s.tls = { mode: "Disabled" }))));
    await eventually("Ready", async () => (isReady(await fc()) ? true : undefined), 480_000, 1000).catch(suite.failWithLogTail);
    for (const s of await statefulSets()) {
      assert.equal(tlsVolume(s), undefined);
      assert.equal(s.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.scheme, "HTTP");
    }
    assert.equal((await suite.tier.kubectl(["-n", suite.ns, "get", "secret", `${NAME}-ca`, "--ignore-not-found", "-o", "name"])).trim(), "");
    assert.deepEqual(await identities(undefined), [200, 200, 200]);
  });

  it("switched to Managed, the pods roll to mutual TLS one replica at a time and the cluster is Ready again", async () => {
    // With the peer level unset it would follow tls.mode from none to all, and nodes at different levels cannot talk:
    // the API server refuses that, naming the field; the peer bus is kept in cleartext explicitly.
    const refused = await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=merge", "-p", JSON.stringify({ spec: { tls: { mode: "Managed" } } })]).then(() => "accepted", (e: unknown) => String(e));
    assert.match(refused, /spec\.peerEncryption\.level/);
    await suite.tier.kubectl(["-n", suite.ns, "patch", "faunacluster", NAME, "--type=merge", "-p", JSON.stringify({ spec: { tls: { mode: "Managed" }, peerEncryption: { level: "none" } } })]);
    let mostRolling = 0;
    const rolled = await eventually("every StatefulSet on TLS, rolled out, and the cluster Ready", async () => {
      const sets = await statefulSets();
      mostRolling = Math.max(mostRolling, sets.filter(rolling).length);
      const c = await fc();
      return sets.every((s) => tlsVolume(s) !== undefined && !rolling(s)) && isReady(c) ? sets : undefined;
    }, 900_000, 1000).catch(suite.failWithLogTail);
    assert.equal(mostRolling, 1, "never two replicas rolling at once");
    for (const s of rolled) {
      assert.match(tlsVolume(s) ?? "", new RegExp(`^${s.metadata?.name}-tls-[0-9a-f]{10}$`));
      assert.equal(s.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.scheme, "HTTPS");
    }
    const tls = await adminTls(suite.tier.kubectl, suite.ns, NAME);
    assert.ok(tls, "TLS is on");
    assert.deepEqual(await identities(tls), [200, 200, 200], "mutual TLS with a certificate from the cluster's CA");
    assert.deepEqual(await identities(undefined), [0, 0, 0], "no cleartext admin API any more");
    const events = await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${NAME}`, "-o", "json"]);
    const reasons = (JSON.parse(events) as { items: { reason: string }[] }).items.map((e) => e.reason);
    assert.ok(reasons.includes("TlsCaCreated") && reasons.filter((r) => r === "TlsCertificateIssued").length >= 1, JSON.stringify(reasons));
    const nodes = (await fc()).status?.nodes ?? [];
    assert.equal(nodes.filter((n) => n.state === "live" && n.status === "up").length, 3, JSON.stringify(nodes));
  });
});
