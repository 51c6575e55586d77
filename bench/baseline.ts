// The baseline: what a user without the operator deploys — the same 3 × 3 StatefulSets, Services and faunadb.yml
// (built with the operator's own pure builders, so only the bootstrapping differs), whose entrypoint starts FaunaDB
// and, beside it, runs `faunadb-admin`-like calls at boot: ordinal 0 of replica-1 initialises the cluster, waits
// until all 9 nodes are up, waits FaunaDB's settle time (30 s, as the operator does) and sets replication; every
// other pod joins through replica-1-0. No operator runs. Measured as bench/convergence.ts measures the operator:
// apply → Ready-equivalent (every pod Ready, replication set on all replicas, data movement idle) and heal (one pod
// force-deleted → its node up and its pod Ready), and printed beside the operator's figures as ratios.
// Usage (inside the tier): npm run local:exec -- node bench/baseline.ts   (after bench/convergence.ts for the ratios)
import type { V1ConfigMap, V1Container, V1Secret, V1StatefulSet } from "@kubernetes/client-node";
import YAML from "yaml";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CLUSTER_LABEL, generatedRootKeySecretName } from "../src/api/funcs.ts";
import type { FaunaCluster } from "../src/api/types.ts";
import { buildClientService } from "../src/faunacluster/build/clientService.ts";
import { buildConfigMap } from "../src/faunacluster/build/configMap.ts";
import { buildHeadlessService } from "../src/faunacluster/build/headlessService.ts";
import { generateRootKey } from "../src/faunacluster/build/rootKeySecret.ts";
import { buildStatefulSet } from "../src/faunacluster/build/statefulSet.ts";
import { startScript } from "../src/faunacluster/build/startScript.ts";
import { hashRootKey } from "../src/faunacluster/rootKeyHashes.ts";
import { useTier } from "../test/support/localtier.ts";
import { movementIdleAfter } from "./lib/phases.ts";
import { Prober } from "./lib/prober.ts";
import { deleteNamespaceAndWait } from "./lib/tier.ts";
import { readResults, saveSection, secs, sleep, table, type Row } from "./lib/report.ts";
import { ratio } from "./lib/stats.ts";

// --small: a try-out of the benchmark itself, 1 replica × 1 node.
const SMALL = parseArgs({ options: { small: { type: "boolean", default: false } } }).values.small === true;
const CLUSTER = "fauna";
const REPLICAS = SMALL ? ["replica-1"] : ["replica-1", "replica-2", "replica-3"];
const NODES = SMALL ? 1 : 3;
const HEAL_POD = SMALL ? "fauna-replica-1-0" : "fauna-replica-2-1";
const IDLE = { idleIfNeverBusyAfterMs: 3_000 };
const SETTLE_SECONDS = 30;
const say = (m: string) => console.log(`[baseline ${new Date().toISOString().slice(11, 19)}] ${m}`);

/** The boot-time bootstrap a user would script (plain HTTP to the admin API on 8444, as faunadb-admin does). */
const BOOT = String.raw`
const auth = "Basic " + Buffer.from(process.env.ROOT_KEY + ":").toString("base64");
const base = "http://" + process.env.POD_IP + ":8444";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (m) => console.log("[boot " + new Date().toISOString() + "] " + m);
async function call(method, path, body, headers = {}) {
  const r = await fetch(base + path, { method, headers: { authorization: auth, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(130000) });
  return { status: r.status, text: await r.text(), etag: r.headers.get("etag") };
}
let id;
for (;;) { try { id = await call("GET", "/admin/identity"); break; } catch { await sleep(1000); } }
if (id.status === 200) { log("already a member: nothing to do"); process.exit(0); }
const replica = process.env.REPLICA_NAME;
const ordinal = Number(process.env.POD_NAME.split("-").pop());
if (replica === process.env.FIRST_REPLICA && ordinal === 0) {
  log("init " + (await call("POST", "/admin/init", { replica_name: replica })).status);
  const expected = Number(process.env.EXPECTED_NODES);
  for (;;) {
    const s = await call("GET", "/admin/status").catch(() => undefined);
    const nodes = s && s.status === 200 ? JSON.parse(s.text).nodes : [];
    if (nodes.length >= expected && nodes.every((n) => n.status === "up" && n.state === "live")) break;
    await sleep(1000);
  }
  log("all " + expected + " nodes up; settle " + process.env.SETTLE_SECONDS + " s");
  await sleep(Number(process.env.SETTLE_SECONDS) * 1000);
  const g = await call("GET", "/admin/replication");
  const replicas = process.env.REPLICAS.split(",").map((name) => ({ name, type: "data+log" }));
  log("replication " + (await call("PUT", "/admin/replication", { replicas }, g.etag ? { "if-match": g.etag } : {})).status);
} else {
  for (;;) {
    try {
      const r = await call("POST", "/admin/join", { seed: process.env.SEED, replica_name: replica });
      log("join " + r.status);
      if (r.status === 200) break;
    } catch (e) { log("join failed: " + e.message); }
    await sleep(1000);
  }
}
`;

function baselineObjects(ns: string, rootKey: string): object[] {
  const doc = YAML.parse(readFileSync("manifests/samples/local/cluster.yaml", "utf8")) as FaunaCluster;
  doc.metadata = { name: CLUSTER, namespace: ns, uid: "00000000-0000-0000-0000-000000000000", generation: 1 };
  // No operator issues certificates here: no TLS, so the peer bus (seed :7500 below) stays cleartext too.
  doc.spec.tls = { mode: "Disabled" };
  doc.spec.replicas = doc.spec.replicas.filter((r) => REPLICAS.includes(r.name)).map((r) => ({ ...r, nodes: NODES }));
  const hash = hashRootKey(rootKey);
  const options = { rootKeyHashes: Object.fromEntries(REPLICAS.map((r) => [r, [hash]])) };
  // No owner: nothing owns these objects (a dangling owner reference would have them garbage-collected).
  const unowned = <T extends { metadata?: { ownerReferences?: unknown } }>(o: T): T => {
    delete o.metadata?.ownerReferences;
    return o;
  };
  const secret: V1Secret = { apiVersion: "v1", kind: "Secret", metadata: { name: generatedRootKeySecretName(doc), namespace: ns }, stringData: { "root-key": rootKey } };
  const boot: V1ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fauna-baseline-boot", namespace: ns }, data: { "boot.mjs": BOOT } };
  const seed = `${CLUSTER}-replica-1-0.${CLUSTER}-replica-1.${ns}.svc.cluster.local:7500`;
  const sets = REPLICAS.map((r) => {
    const sts: V1StatefulSet = unowned(buildStatefulSet(doc, r, options));
    const pod = sts.spec!.template.spec!;
    const c: V1Container = pod.containers[0]!;
    // The operator's start script, with FaunaDB in the background and the bootstrap beside it.
    const script = startScript().replace(/exec faunadb -c (\S+)/, "faunadb -c $1 &\npid=$!\ntrap 'kill -TERM $pid' TERM INT\nnode /etc/baseline/boot.mjs &\nwait $pid");
    c.command = ["/bin/sh", "-c", script];
    c.env = [
      ...(c.env ?? []),
      { name: "ROOT_KEY", valueFrom: { secretKeyRef: { name: secret.metadata!.name!, key: "root-key" } } },
      { name: "REPLICA_NAME", value: r },
      { name: "FIRST_REPLICA", value: REPLICAS[0]! },
      { name: "REPLICAS", value: REPLICAS.join(",") },
      { name: "EXPECTED_NODES", value: String(REPLICAS.length * NODES) },
      { name: "SEED", value: seed },
      { name: "SETTLE_SECONDS", value: String(SETTLE_SECONDS) },
    ];
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: "boot", mountPath: "/etc/baseline", readOnly: true }];
    pod.volumes = [...(pod.volumes ?? []), { name: "boot", configMap: { name: boot.metadata!.name! } }];
    sts.spec!.replicas = NODES;
    return sts;
  });
  return [secret, boot, unowned(buildConfigMap(doc, options)), ...REPLICAS.map((r) => unowned(buildHeadlessService(doc, r))), unowned(buildClientService(doc)), ...sets];
}

const tier = await useTier();
const ns = await tier.namespace("bench-baseline");
const rootKey = generateRootKey();
const probe = new Prober(
  {
    listPods: async () => (await tier.core.listNamespacedPod({ namespace: ns, labelSelector: `${CLUSTER_LABEL}=${CLUSTER}` })).items,
    readCluster: async () => undefined,
    rootKey: async () => rootKey,
  },
  { cluster: CLUSTER, watchReplication: true },
);
const pods = REPLICAS.flatMap((r) => Array.from({ length: NODES }, (_, i) => `${CLUSTER}-${r}-${i}`));
const want = REPLICAS.map((r) => `${r}=data+log`).join(",");
const rows: Row[] = [];
try {
  probe.start();
  const t0 = Date.now();
  say("applying the baseline: 3 StatefulSets × 3 with an init/join entrypoint, no operator");
  await tier.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: baselineObjects(ns, rootKey) }));
  const at = (f: Parameters<Prober["first"]>[0], subject?: string, from = t0) => probe.first(f, subject, from)?.at;
  const allOf = (f: Parameters<Prober["first"]>[0]) => {
    const ts = pods.map((p) => at(f, p));
    return ts.every((t) => t !== undefined) ? Math.max(...(ts as number[])) : undefined;
  };
  let readyAt: number | undefined;
  await probe.waitFor("Ready-equivalent (pods Ready, replication set, movement idle)", () => {
    const repl = probe.log.find((o) => o.fact === "replication" && o.value === want && o.at >= t0)?.at;
    const podsReady = allOf("pod-ready");
    const idle = repl === undefined ? undefined : movementIdleAfter(probe.log, repl, IDLE);
    if (repl !== undefined && podsReady !== undefined && idle !== undefined) readyAt = Math.max(podsReady, idle);
    return readyAt !== undefined;
  }, 900_000);
  const repl = probe.log.find((o) => o.fact === "replication" && o.value === want && o.at >= t0)!.at;
  const milestones = {
    allPodsRunning: allOf("pod-running")! - t0,
    firstAdminPort: (at("port", `${CLUSTER}-replica-1-0`) ?? NaN) - t0,
    allMembers: (allOf("member") ?? NaN) - t0,
    replicationSet: repl - t0,
    movementIdle: (movementIdleAfter(probe.log, repl, IDLE) ?? NaN) - t0,
    allPodsReady: (allOf("pod-ready") ?? NaN) - t0,
    ready: readyAt! - t0,
  };
  say(`apply → Ready-equivalent ${secs(milestones.ready)} s: ${JSON.stringify(Object.fromEntries(Object.entries(milestones).map(([k, v]) => [k, secs(v)])))}`);

  await sleep(5_000);
  say(`heal: force-deleting ${HEAL_POD}`);
  const old = await tier.core.readNamespacedPod({ namespace: ns, name: HEAL_POD });
  const tDel = Date.now();
  await tier.kubectl(["-n", ns, "delete", "pod", HEAL_POD, "--grace-period=0", "--force", "--wait=false"]);
  const newRun = () => probe.log.find((o) => o.fact === "pod-running" && o.subject === HEAL_POD && o.at >= tDel && o.uid !== old.metadata?.uid);
  // Its host up: seen up again after the pod runs, or, if its peers never saw it down, once it answers as a member.
  const nodeUpAt = (r: { at: number; uid?: string | undefined }) =>
    probe.first("node-up", HEAL_POD, r.at, r.uid)?.at ??
    (probe.first("node-down", HEAL_POD, tDel) === undefined ? probe.first("member", HEAL_POD, r.at, r.uid)?.at : undefined);
  await probe.waitFor("the pod back, its node up and the pod Ready", () => {
    const r = newRun();
    return r !== undefined && probe.first("pod-ready", HEAL_POD, r.at, r.uid) !== undefined && nodeUpAt(r) !== undefined;
  }, 600_000);
  const r = newRun()!;
  const heal = {
    podRunning: r.at - tDel,
    member: (probe.first("member", HEAL_POD, r.at, r.uid)?.at ?? NaN) - tDel,
    nodeUp: nodeUpAt(r)! - tDel,
    podReady: probe.first("pod-ready", HEAL_POD, r.at, r.uid)!.at - tDel,
  };
  const healTotal = Math.max(heal.nodeUp, heal.podReady);
  say(`heal ${secs(healTotal)} s: ${JSON.stringify(Object.fromEntries(Object.entries(heal).map(([k, v]) => [k, secs(v)])))}`);

  // Scale-down without an operator: the StatefulSet shrinks, nothing removes the host from FaunaDB's membership.
  let leftDown: number | null = null;
  if (!SMALL) {
    say("scale-down: fauna-replica-3 from 3 to 2 pods, no operator to remove the host");
    const tScale = Date.now();
    await tier.kubectl(["-n", ns, "scale", "statefulset", `${CLUSTER}-replica-3`, "--replicas=2"]);
    await sleep(40_000); // past FaunaDB's failure detection (~18 s)
    const gone = `${CLUSTER}-replica-3-2`;
    const down = probe.log.filter((o) => o.fact === "node-down" && o.subject === gone && o.at >= tScale);
    const upAgain = probe.log.filter((o) => o.fact === "node-up" && o.subject === gone && o.at >= (down[0]?.at ?? Infinity));
    leftDown = down.length > 0 && upAgain.length === 0 ? 1 : 0;
    say(`after 40 s: the removed pod's host is ${leftDown ? "still a member, down" : "not reported down"}`);
  }
  const op = readResults()?.sections.convergence?.rows ?? [];
  const opValue = (what: string) => op.find((x) => x.what === what)?.value ?? null;
  const opReady = opValue("3×3 apply → Ready");
  const opHeal = opValue("heal: pod force-deleted → Ready");
  rows.push(
    { what: `baseline ${SMALL ? "1×1" : "3×3"} apply → Ready-equivalent`, value: secs(milestones.ready), unit: "s", note: `pods running ${secs(milestones.allPodsRunning)}, all members ${secs(milestones.allMembers)}, replication set ${secs(milestones.replicationSet)}, movement idle ${secs(milestones.movementIdle)}, pods Ready ${secs(milestones.allPodsReady)}` },
    { what: "baseline heal: pod force-deleted → node up + pod Ready", value: secs(healTotal), unit: "s", note: `running ${secs(heal.podRunning)}, member ${secs(heal.member)}, node up ${secs(heal.nodeUp)}, pod Ready ${secs(heal.podReady)}` },
    ...(leftDown === null ? [] : [{ what: "baseline scale-down 3 → 2: hosts left in membership, down (40 s after)", value: leftDown, unit: "", goal: { equals: 0 }, note: "the operator removes the host before shrinking (test topology-scale); the baseline cannot" } satisfies Row]),
    { what: "ratio operator / baseline: apply → Ready", value: ratio(opReady, secs(milestones.ready)), unit: "×", note: opReady === null ? "run bench/convergence.ts first" : `operator ${opReady} s` },
    { what: "ratio operator / baseline: heal", value: ratio(opHeal, secs(healTotal)), unit: "×", note: opHeal === null ? "run bench/convergence.ts first" : `operator ${opHeal} s` },
  );
  console.log(`\n${table(rows)}\n`);
  saveSection("baseline", rows, { milestonesMs: milestones, healMs: heal });
} finally {
  await probe.stop();
  await deleteNamespaceAndWait(tier, ns);
}
