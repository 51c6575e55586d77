// The CA replaced under a running cluster whose peer bus is encrypted with the node certificates (the default): a node
// restarted with a certificate of the new CA could not talk to the rest (mutual TLS trusting the old CA), so the
// operator keeps every running certificate, rolls nothing, and reports Degraded/TlsProblem with an Event. The
// simulator at FaunaDB's real timings.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-ca-change.test.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout } from "node:timers/promises";
import type { V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import type { FaunaCluster } from "../../src/api/types.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const suite = operatorSuite({ namespacePrefix: "opca", healthPort: 18144 });
const NAME = "fauna-3x1";

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await suite.tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const condition = (c: FaunaCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);
const isReady = (c: FaunaCluster) => condition(c, "Ready")?.status === "True" && condition(c, "Ready")?.observedGeneration === c.metadata.generation;
const tlsVolumes = async () =>
  (await getJson<{ items: V1StatefulSet[] }>(["-n", suite.ns, "get", "statefulsets"])).items.map((s) => s.spec?.template.spec?.volumes?.find((v) => v.name === "tls")?.secret?.secretName).sort();
const podUids = async () => (await getJson<{ items: V1Pod[] }>(["-n", suite.ns, "get", "pods"])).items.map((p) => p.metadata?.uid).sort();
const caCert = async () => (await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "secret", `${NAME}-ca`])).data["tls.crt"];

describe("operator: the CA replaced while the node certificates encrypt the peer bus", { timeout: 900_000 }, () => {
  it("keeps the running certificates, restarts no pod, and reports TlsProblem", async () => {
    await suite.tier.kubectl(["apply", "-f", "-"], JSON.stringify(sample("cluster-3x1.yaml", suite.ns)));
    await eventually("Ready", async () => (isReady(await fc()) ? true : undefined), 480_000, 1000).catch(suite.failWithLogTail);
    const volumes = await tlsVolumes();
    const uids = await podUids();
    const oldCa = await caCert();
    assert.equal(volumes.length, 3);

    await suite.tier.kubectl(["-n", suite.ns, "delete", "secret", `${NAME}-ca`]);
    const degraded = await eventually("Degraded with TlsProblem", async () => {
      const c = condition(await fc(), "Degraded");
      return c?.status === "True" && c.reason === "TlsProblem" ? c : undefined;
    }, 120_000, 1000).catch(suite.failWithLogTail);
    assert.match(degraded.message ?? "", /issued by another CA/);
    assert.notEqual(await caCert(), oldCa, "the operator made a new CA");

    // Long enough for several passes (the hold retries every 30 s) and a roll to have begun.
    await setTimeout(45_000);
    assert.deepEqual(await tlsVolumes(), volumes, "no StatefulSet names a certificate of the new CA");
    assert.deepEqual(await podUids(), uids, "no pod was restarted");
    const events = await suite.tier.kubectl(["-n", suite.ns, "get", "events", "--field-selector", `involvedObject.name=${NAME},reason=TlsProblem`, "-o", "name"]);
    assert.notEqual(events.trim(), "", "a Warning Event says why");
  });
});
