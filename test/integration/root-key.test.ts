// The root key never reaches a pod, and rotates under load (issue 13), end to end on the local tier with the
// simulator (which checks BCrypt hashes as FaunaDB does). On a running 3x1 cluster (ROOT_KEY_SAMPLE=cluster.yaml: the
// 3x3 sample), the cleartext key is in no pod
// spec, StatefulSet, ConfigMap, event, status, rendered faunadb.yml (nor any file of the pods), process environment or
// argument, nor in the operator's debug log; the pods carry its BCrypt hash. Then the Secret gets a new key (and the
// FaunaCluster the rotate annotation): the hash of the new key is added beside the old one, pods roll one at a time,
// the operator switches to the new key, the old hash goes, RootKeyRotating shows progress throughout; under load no
// acknowledged write is lost, the old key is refused afterwards and the new one accepted.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/root-key.test.ts
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import YAML from "yaml";
import type { FaunaCluster } from "../../src/api/types.ts";
import { basicAuth } from "../../src/fauna/transport.ts";
import { tierFiles, workDir } from "../../src/localtier/paths.ts";
import { adminFetch, adminTls, serviceEndpoint } from "../support/clusterAccess.ts";
import { ensureCollection, findLost, startLoad, type AckedWrite, type Endpoint, type RunningLoad } from "../support/load.ts";
import { eventually } from "../support/localtier.ts";
import { operatorSuite, sample } from "../support/operator.ts";

const SAMPLE = process.env.ROOT_KEY_SAMPLE ?? "cluster-3x1.yaml";
const SAMPLE_DOC = YAML.parse(readFileSync(`manifests/samples/local/${SAMPLE}`, "utf8")) as FaunaCluster;
const NAME = SAMPLE_DOC.metadata.name ?? "";
const NODES = SAMPLE_DOC.spec.replicas.reduce((n, r) => n + r.nodes, 0);
const SECRET = `${NAME}-key`;
const OLD_KEY = "foOldKey0123456789abcdefABCDEFGHIJKLMNOPQRSTUV";
const NEW_KEY = "foNewKey0123456789abcdefABCDEFGHIJKLMNOPQRSTUV";
const COLLECTION = "rotation";

const loads: RunningLoad[] = [];
const suite = operatorSuite({
  namespacePrefix: "rootkey", healthPort: 18130, extraArgs: ["--log-level", "debug"], startInBefore: false,
  teardownFirst: () => Promise.all(loads.map((l) => l.stop())),
});

type Json = Record<string, unknown>;
const kubectl = (args: string[], input?: string) => suite.tier.kubectl(args, input);
const getJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", suite.ns, "get", "faunacluster", NAME]);
const condition = (c: FaunaCluster, type: string) => c.status?.conditions?.find((x) => x.type === type);
const isReady = (c: FaunaCluster) => condition(c, "Ready")?.status === "True" && condition(c, "Ready")?.observedGeneration === c.metadata.generation;
const pods = () => SAMPLE_DOC.spec.replicas.flatMap((r) => Array.from({ length: r.nodes }, (_, i) => `${NAME}-${r.name}-${i}`));
const podDns = (pod: string) => `${pod}.${pod.replace(/-\d+$/, "")}.${suite.ns}.svc.cluster.local`;

function secretDoc(key: string): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: { name: SECRET, namespace: suite.ns, labels: { "fauna-operator.io/root-key": "true" } },
    stringData: { "root-key": key },
  });
}

/** Every file under `dir` (bounded), as text. */
function filesUnder(dir: string, out: { path: string; text: string }[] = [], depth = 0): { path: string; text: string }[] {
  if (depth > 8) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) filesUnder(path, out, depth + 1);
    else if (st.isFile() && st.size < 16 * 1024 * 1024) out.push({ path, text: readFileSync(path, "latin1") });
  }
  return out;
}

/** Environment and arguments of every process run for a pod of the namespace (the runner sets POD_NAMESPACE). */
function podProcesses(ns: string): { pid: string; environ: string; cmdline: string }[] {
  const found: { pid: string; environ: string; cmdline: string }[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "latin1");
      if (!environ.split("\0").includes(`POD_NAMESPACE=${ns}`)) continue;
      found.push({ pid, environ, cmdline: readFileSync(`/proc/${pid}/cmdline`, "latin1") });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function adminStatusWith(key: string, pod: string): Promise<number> {
  const tls = await adminTls(kubectl, suite.ns, NAME);
  const res = await adminFetch(tls, podDns(pod), "/admin/identity", { headers: { authorization: basicAuth(key) }, signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

describe("root key: hashes only in pods, rotation under load", { timeout: 900_000 }, () => {
  let service: Endpoint;

  it(`the ${SAMPLE} sample on a user Secret reaches Ready`, async () => {
    await kubectl(["apply", "-f", "-"], secretDoc(OLD_KEY));
    await suite.startOperator();
    await kubectl(["apply", "-f", "-"], JSON.stringify(sample(SAMPLE, suite.ns, (spec) => (spec.rootKeySecretRef = { name: SECRET, key: "root-key" }))));
    const t0 = Date.now();
    await eventually("Ready", async () => isReady(await fc()), 300_000, 1000).catch(suite.failWithLogTail);
    console.log(`${SAMPLE} Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    service = await serviceEndpoint(kubectl, suite.ns, NAME);
  });

  it("the cleartext key is nowhere but the Secret: objects, files, processes, the operator's debug log", async () => {
    const needles = [OLD_KEY, Buffer.from(OLD_KEY).toString("base64"), Buffer.from(`${OLD_KEY}:`).toString("base64")];
    const holds = (text: string) => needles.some((n) => text.includes(n));
    const objects = await kubectl(["-n", suite.ns, "get", "pods,statefulsets,configmaps,services,events,faunaclusters,networkpolicies,poddisruptionbudgets", "-o", "json"]);
    assert.ok(!holds(objects), "an object of the namespace holds the key");
    const cm = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "configmap", `${NAME}-config`]);
    for (const [k, text] of Object.entries(cm.data)) assert.match(text, /^auth_root_key_hashes: \["\$2a\$10\$/m, `${k} carries the key's BCrypt hash`);

    const podDirs = readdirSync(tierFiles(workDir()).pods).filter((d) => d.startsWith(`${suite.ns}_`));
    assert.equal(podDirs.length, NODES, `the pods' directories: ${podDirs.join(", ")}`);
    const files = podDirs.flatMap((d) => filesUnder(join(tierFiles(workDir()).pods, d)));
    const rendered = files.filter((f) => f.path.endsWith("/volumes/run/faunadb.yml"));
    assert.equal(rendered.length, NODES, "each pod rendered its faunadb.yml");
    for (const f of rendered) assert.match(f.text, /^auth_root_key_hashes: /m);
    assert.deepEqual(files.filter((f) => holds(f.text)).map((f) => f.path), [], "pod files holding the key");

    const procs = podProcesses(suite.ns);
    assert.ok(procs.length >= NODES, `the pods' processes (found ${procs.length})`);
    assert.deepEqual(procs.filter((p) => holds(p.environ) || holds(p.cmdline)).map((p) => p.pid), [], "processes with the key in their environment or arguments");

    const log = readFileSync(suite.op?.logFile ?? "", "utf8");
    assert.ok(log.includes('"level":20'), "the operator logs at debug level");
    assert.ok(!holds(log), "the operator's debug log holds the key");
    // The key works (positive control: it is the key these pods check).
    for (const pod of pods()) assert.equal(await adminStatusWith(OLD_KEY, pod), 200, pod);
  });

  it("rotates to a new key in the Secret, one replica at a time, with no acknowledged write lost", async () => {
    await ensureCollection(service, OLD_KEY, COLLECTION);
    const oldLoad = startLoad({ endpoint: () => service, secret: OLD_KEY, collection: COLLECTION, workers: 2, pauseMs: 200 });
    loads.push(oldLoad);
    await sleep(3000);
    assert.ok(oldLoad.report().writesAcknowledged > 0, "writes acknowledged before the rotation");

    const t0 = Date.now();
    await kubectl(["apply", "-f", "-"], secretDoc(NEW_KEY));
    await kubectl(["-n", suite.ns, "annotate", "faunacluster", NAME, `fauna-operator.io/rotate-root-key=${t0}`, "--overwrite"]);
    const messages: string[] = [];
    let newLoad: RunningLoad | undefined;
    let maxRolling = 0;
    await eventually("the rotation to finish", async () => {
      const c = await fc();
      const rotating = condition(c, "RootKeyRotating");
      if (rotating?.status === "True" && messages.at(-1) !== rotating.message) messages.push(rotating.message);
      const sts = await getJson<{ items: { status: { updatedReplicas?: number; replicas?: number; currentRevision?: string; updateRevision?: string } }[] }>(
        ["-n", suite.ns, "get", "statefulsets"]);
      maxRolling = Math.max(maxRolling, sts.items.filter((s) => s.status.currentRevision !== s.status.updateRevision).length);
      // Once the old hash is being removed, the operator uses the new key: so do the clients.
      if (!newLoad && rotating?.message.startsWith("removing")) {
        newLoad = startLoad({ endpoint: () => service, secret: NEW_KEY, collection: COLLECTION, workers: 2, pauseMs: 200 });
        loads.push(newLoad);
      }
      return messages.length > 0 && rotating?.status === "False" && isReady(c);
    }, 600_000, 500).catch(suite.failWithLogTail);
    console.log(`rotation done in ${((Date.now() - t0) / 1000).toFixed(1)} s; progress: ${messages.join(" | ")}`);
    assert.ok(messages.some((m) => m.startsWith("adding")) && messages.some((m) => m.startsWith("removing")), messages.join("\n"));
    assert.ok(maxRolling <= 1, `StatefulSets rolling at once: at most 1, saw ${maxRolling}`);
    assert.ok(newLoad, "the new key was put in use during the rotation");
    await sleep(3000);

    const reports = await Promise.all(loads.map((l) => l.stop()));
    const acked: AckedWrite[] = loads.flatMap((l) => [...l.acked]);
    const check = await findLost(() => service, NEW_KEY, COLLECTION, acked);
    console.log(`loads: ${JSON.stringify(reports.map((r) => [r.writesAttempted, r.writesAcknowledged, r.writesFailed]))}; read back ${check.checked}: ${check.lost.length} lost`);
    assert.ok(reports[1] && reports[1].writesAcknowledged > 0, "writes acknowledged with the new key");
    assert.deepEqual(check.lost, [], "acknowledged writes lost");
    assert.deepEqual(check.unreadable, [], "acknowledged writes unreadable");
    for (const r of reports) assert.equal(r.readsMissing, 0, "no read missed an acknowledged write");
  });

  it("afterwards the old key is refused by every pod and the new one accepted; pods carry one hash", async () => {
    for (const pod of pods()) {
      assert.equal(await adminStatusWith(OLD_KEY, pod), 401, `${pod} refuses the old key`);
      assert.equal(await adminStatusWith(NEW_KEY, pod), 200, `${pod} accepts the new key`);
    }
    const cm = await getJson<{ data: Record<string, string> }>(["-n", suite.ns, "get", "configmap", `${NAME}-config`]);
    for (const text of Object.values(cm.data)) {
      const line = text.split("\n").find((l) => l.startsWith("auth_root_key_hashes:")) ?? "";
      assert.equal((JSON.parse(line.slice("auth_root_key_hashes:".length)) as string[]).length, 1, line);
    }
    const log = readFileSync(suite.op?.logFile ?? "", "utf8");
    assert.ok(!log.includes(NEW_KEY) && !log.includes(OLD_KEY), "neither key in the operator's debug log");
  });
});
