// Fencing (issue 10): the leader is SIGSTOPped past its Lease in the middle of a scale-down, a standby takes over and
// finishes it, then the old leader is resumed. From the moment the new leader holds the Lease, the old one makes no
// Kubernetes write (kube-apiserver's audit log, by User-Agent) and no FaunaDB admin write (the simulator logs every
// admin write with the caller's User-Agent), and the scale-down completes with the host out of membership.
// Run: npm run local:up && npm run local:exec -- node --test test/integration/operator-fencing.test.ts
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FaunaCluster } from "../../src/api/types.ts";
import { tierFiles } from "../../src/localtier/paths.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";
import { identityOf, installCrdAndRbac, logTail, OPERATOR_NAMESPACE, type RunningOperator, sample, startOperator } from "../support/operator.ts";

const NAME = "fence";

let tier: TestTier;
let ns: string;
let lease: string;
let old: RunningOperator | undefined;
let standby: RunningOperator | undefined;

const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await tier.kubectl([...args, "-o", "json"])) as T;
const fc = () => getJson<FaunaCluster>(["-n", ns, "get", "faunacluster", NAME]);
const holder = async () => (await getJson<{ spec?: { holderIdentity?: string } }>(["-n", OPERATOR_NAMESPACE, "get", "lease", lease])).spec?.holderIdentity;
const readyAt = (c: FaunaCluster) => c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation);

interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { resource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** Write requests the API server audited from this User-Agent at or after `since` (ms), whatever their answer. */
function auditedRequests(identity: string, since: number): AuditEvent[] {
  const log = tierFiles(dirname(tier.kubeconfig)).auditLog;
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.includes(identity))
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => Date.parse(e.requestReceivedTimestamp) >= since);
}

/**
 * The writes among them that took effect. A request the old leader had already passed its fence for when it froze
 * may still arrive; its status apply carries the resourceVersion it read, so the API server refuses it (409).
 */
function auditedWrites(identity: string, since: number): AuditEvent[] {
  return auditedRequests(identity, since).filter(tookEffect);
}

const tookEffect = (e: AuditEvent) => (e.responseStatus?.code ?? 0) >= 200 && (e.responseStatus?.code ?? 0) < 300;

/** Admin writes the simulator nodes logged from this operator identity at or after `since` (ms). */
async function adminWrites(identity: string, since: number): Promise<string[]> {
  const pods = (await tier.kubectl(["-n", ns, "get", "pods", "-o", "name"])).split("\n").filter(Boolean);
  const lines: string[] = [];
  for (const pod of pods) {
    const log = await tier.kubectl(["-n", ns, "logs", pod]).catch(() => "");
    for (const line of log.split("\n")) {
      if (!line.includes(" admin ") || !line.includes(identity)) continue;
      const at = Date.parse(line.split(" ")[0] ?? "");
      if (at >= since) lines.push(`${pod}: ${line}`);
    }
  }
  return lines;
}

before(async () => {
  tier = await useTier();
  await installCrdAndRbac(tier);
  ns = await tier.namespace("opfence");
  lease = `lease-${ns}`;
  const first = await startOperator(tier, { namespace: ns, healthPort: 18141, leaseName: lease });
  old = first;
  await eventually("the first instance leads", async () => (await holder().catch(() => undefined)) === identityOf(first) || undefined, 30_000, 250);
  const second = await startOperator(tier, { namespace: ns, healthPort: 18142, leaseName: lease });
  standby = second;
  await eventually("the standby logged its identity", async () => identityOf(second), 30_000, 250);
});
after(async () => {
  old?.proc.kill("SIGCONT");
  await old?.stop();
  await standby?.stop();
  await tier?.kubectl(["-n", OPERATOR_NAMESPACE, "delete", "lease", lease, "--ignore-not-found"]).catch(() => undefined);
  if (process.env.KEEP_NS !== "1") await tier?.deleteNamespace(ns);
});

describe("operator: a leader frozen past its Lease is fenced", { timeout: 900_000 }, () => {
  it("after the standby takes over, the resumed old leader writes nothing to Kubernetes or FaunaDB", async () => {
    assert.ok(old && standby);
    const oldId = identityOf(old);
    const newId = identityOf(standby);
    const doc = sample("cluster-3x1.yaml", ns, (spec) => {
      const replicas = spec["replicas"] as Record<string, unknown>[];
      spec["replicas"] = [{ ...replicas[0], name: "r1", nodes: 3 }];
    });
    (doc["metadata"] as Record<string, unknown>)["name"] = NAME;
    await tier.kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    await eventually("the 1 x 3 cluster is Ready", async () => readyAt(await fc()), 420_000, 2000).catch((e) => {
      throw new Error(`${String(e)}\n${logTail(old?.logFile)}`);
    });

    await tier.kubectl(["-n", ns, "patch", "faunacluster", NAME, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: 2 }])]);
    await eventually("the removal is under way", async () => {
      const t = (await fc()).status?.topology;
      return (t?.operation === "remove" && (t.step === "cleaning" || t.step === "leaving")) || undefined;
    }, 120_000, 100);
    old.proc.kill("SIGSTOP");
    const stoppedAt = Date.now();
    assert.ok(auditedWrites(oldId, 0).length > 0, "the audit log shows the old leader's writes before the freeze (the evidence works)");

    const takeoverAt = await eventually("the standby holds the Lease", async () => ((await holder()) === newId ? Date.now() : undefined), 40_000, 200);
    console.log(`standby took the Lease ${((takeoverAt - stoppedAt) / 1000).toFixed(1)} s after the freeze`);
    await new Promise((r) => setTimeout(r, 5_000));
    const exited = new Promise<number | null>((r) => old?.proc.once("exit", (code) => r(code)));
    old.proc.kill("SIGCONT");
    const code = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 60_000))]);

    await eventually("the new leader finished the scale-down", async () => {
      const c = await fc();
      const nodes = (c.status?.nodes ?? []).filter((n) => n.replica === "r1");
      return (readyAt(c) && nodes.length === 2) || undefined;
    }, 420_000, 2000);

    const refused = auditedRequests(oldId, takeoverAt).filter((e) => !tookEffect(e));
    if (refused.length) console.log(`refused requests of the old leader after the takeover: ${refused.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name} → ${e.responseStatus?.code}`).join(", ")}`);
    const k8sWrites = auditedWrites(oldId, takeoverAt);
    assert.deepEqual(k8sWrites.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name}`), [], "Kubernetes writes by the old leader after the takeover");
    const faunaWrites = await adminWrites(oldId, takeoverAt);
    assert.deepEqual(faunaWrites, [], "FaunaDB admin writes by the old leader after the takeover");
    assert.ok(auditedWrites(newId, takeoverAt).length > 0, "the new leader's writes are in the audit log");
    assert.ok((await adminWrites(newId, takeoverAt)).length > 0, "the new leader's admin writes are in the nodes' logs");
    const oldLog = readFileSync(old.logFile, "utf8");
    assert.match(oldLog, /leader lease lost|fenced/, "the old leader says why it stopped");
    console.log(`old leader after resume: ${code === "running" ? "still running" : `exited with ${code}`}`);
  });
});
