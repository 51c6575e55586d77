// Every grant of manifests/20-rbac.yaml is necessary (issue 13): for each single grant (one verb on one resource)
// the operator runs on a ServiceAccount holding all the others, is driven to the work that grant is for, and fails:
// it reports the API server's RBAC refusal of exactly that call (a warn/error log line) and the work is not done.
// Each scenario's work is first shown done with every grant (baseline), so each check can fail both ways; a grant
// added to the manifest without a scenario here fails the test.
// Run: npm run local:up && npm run local:exec -- node_modules/.bin/node --test test/integration/operator-rbac-necessity.test.ts
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { execa } from "execa";
import { bin } from "../../src/localtier/paths.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { formatSimEnv, SIM_ENV_ANNOTATION } from "../../src/localtier/runner/simEnv.ts";
import { eventually, type TestTier, useTier } from "../support/localtier.ts";
import { installCrdAndRbac, type RunningOperator, sample, type ServiceAccountRef, startOperator } from "../support/operator.ts";
import {
  applyServiceAccountRbac, deleteServiceAccountRbac, type Grant, grantId, grantsOf, manifestRules, type RbacMode, refusalPattern, without,
} from "../support/rbac.ts";

const HEALTH_PORT = 18120;
const FULL = manifestRules();
const GRANTS = grantsOf(FULL);

let tier: TestTier;
let ns: string;
let sa: ServiceAccountRef;
let op: RunningOperator | undefined;
let leases = 0;
let mode: RbacMode = "cluster";

type Json = Record<string, unknown>;
const kubectl = (args: string[], input?: string) => tier.kubectl(args, input);
const getJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-o", "json"])) as T;
const exists = async (kind: string, name: string) => (await kubectl(["-n", ns, "get", kind, name, "--ignore-not-found", "-o", "name"])).trim() !== "";
const fc = (name: string) => getJson<FaunaCluster>(["-n", ns, "get", "faunacluster", name]);
const isReady = (c: FaunaCluster) =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;

/** A one-replica simulator cluster named `name` with `nodes` nodes (cluster-3x1 sample, first replica only). */
function cluster(name: string, nodes = 1, patch: (spec: Json) => void = () => {}): string {
  const doc = sample("cluster-3x1.yaml", ns, (spec) => {
    const replicas = spec.replicas as Json[];
    spec.replicas = [{ ...replicas[0], nodes }];
    patch(spec);
  });
  (doc.metadata as Json).name = name;
  return JSON.stringify(doc);
}

async function startOp(rules = FULL, extraArgs: string[] = []): Promise<RunningOperator> {
  await op?.stop();
  await applyServiceAccountRbac(tier, sa, rules, mode);
  op = await startOperator(tier, { namespace: ns, healthPort: HEALTH_PORT, leaseName: `lease-${++leases}`, serviceAccount: sa, extraArgs });
  return op;
}

/** Waits until RBAC answers `allowed` for `g` as the test ServiceAccount (the authorizer's cache follows in ~1 s). */
async function rbacSays(g: Grant, allowed: boolean): Promise<void> {
  const [plural, subresource] = g.resource.split("/");
  const resource = [`${plural}${g.group ? `.${g.group}` : ""}`, ...(subresource ? [`--subresource=${subresource}`] : [])];
  await eventually(`RBAC to ${allowed ? "allow" : "refuse"} ${grantId(g)}`, async () => {
    const r = await execa(bin("kubectl"), ["--kubeconfig", tier.kubeconfig, "auth", "can-i", g.verb, ...resource, "-n", ns,
      `--as=system:serviceaccount:${sa.namespace}:${sa.name}`], { reject: false });
    return r.stdout.trim() === (allowed ? "yes" : "no");
  }, 10_000, 200);
}

type LogLine = { level?: number; msg?: string };
function refusalsIn(logFile: string, g: Grant): string[] {
  const pattern = refusalPattern(g);
  return readFileSync(logFile, "utf8").split("\n").filter((line) => {
    if (!pattern.test(line)) return false;
    try {
      return ((JSON.parse(line) as LogLine).level ?? 0) >= 40;
    } catch {
      return false;
    }
  });
}

async function informerRestarts(o: RunningOperator): Promise<number> {
  const text = await o.metrics().catch(() => "");
  return text.split("\n").filter((l) => l.startsWith("informer_restarts_total{")).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/**
 * What the grant is for: `trigger` asks the operator for that work (after it started), `done` says whether the work
 * happened. `settleMs`: how long after the refusal `done` must still be false.
 */
type Scenario = {
  trigger: (i: number) => Promise<Json>;
  done: (ctx: Json, o: RunningOperator) => Promise<boolean>;
  settleMs?: number;
  /** Deletes what the trigger made when the next scenario does not need it (the garbage collector takes the rest). */
  cleanup?: (ctx: Json) => Promise<unknown>;
  /**
   * Does the refused work by hand once the grant is back, where the operator does not retry it by itself (then the
   * scenario shows the refusal only).
   */
  recover?: (ctx: Json) => Promise<unknown>;
  /** How long the refusal, and the work once the grant is back, may take (default 180 s on the Ready cluster). */
  timeoutMs?: number;
};

const deleteCluster = (ctx: Json) => kubectl(["-n", ns, "delete", "faunacluster", String(ctx.name), "--wait=false", "--ignore-not-found"]);

/** A new FaunaCluster: status written, every owned object, the generated Secret and an Event. */
const freshCluster: Scenario = {
  async trigger(i) {
    const name = `fresh-${i}`;
    await kubectl(["apply", "-f", "-"], cluster(name));
    return { name };
  },
  async done(ctx) {
    const name = String(ctx.name);
    const c = await fc(name);
    if (!c.status?.conditions?.length) return false;
    const owned = [["configmap", `${name}-config`], ["service", `${name}-replica-1`], ["statefulset", `${name}-replica-1`],
      ["poddisruptionbudget", `${name}-replica-1`], ["networkpolicy", name], ["secret", `${name}-root-key`]];
    for (const [kind, n] of owned) if (!(await exists(kind!, n!))) return false;
    const events = await getJson<{ items: unknown[] }>(["-n", ns, "get", "events", "--field-selector", `involvedObject.name=${name}`]);
    return events.items.length > 0;
  },
  cleanup: deleteCluster,
};

/** A fresh cluster converges with the watches open (no informer restart). */
const watchStaysOpen: Scenario = {
  trigger: freshCluster.trigger,
  async done(ctx, o) {
    return (await informerRestarts(o)) === 0 && (await freshCluster.done(ctx, o));
  },
  cleanup: deleteCluster,
};

/** Leader election against a Lease someone else held and let expire: taking it over is an update. */
const takeOverExpiredLease: Scenario = {
  async trigger(i) {
    const lease = `lease-${leases}`;
    await kubectl(["-n", ns, "delete", "lease", lease, "--ignore-not-found"]);
    await kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: lease, namespace: ns },
      spec: { holderIdentity: "gone", leaseDurationSeconds: 1, renewTime: "2020-01-01T00:00:00.000000Z", acquireTime: "2020-01-01T00:00:00.000000Z", leaseTransitions: 0 },
    }));
    return freshCluster.trigger(i);
  },
  done: freshCluster.done,
  cleanup: deleteCluster,
};

/** The same Event twice: the second is a patch of the first (count 2). The root key Secret is missing: retried every 15 s. */
const repeatedEvent: Scenario = {
  async trigger(i) {
    const name = `keyless-${i}`;
    await kubectl(["apply", "-f", "-"], cluster(name, 1, (spec) => (spec.rootKeySecretRef = { name: "absent", key: "root-key" })));
    return { name };
  },
  async done(ctx) {
    const events = await getJson<{ items: { reason: string; count?: number }[] }>(["-n", ns, "get", "events", "--field-selector", `involvedObject.name=${String(ctx.name)}`]);
    return events.items.some((e) => e.reason === "RootKeyMissing" && (e.count ?? 1) >= 2);
  },
  settleMs: 20_000,
  cleanup: deleteCluster,
};

/** spec.podDisruptionBudget.enabled false on a cluster that has one: the budget is deleted. */
const disabledBudget: Scenario = {
  async trigger(i) {
    const name = `nopdb-${i}`;
    await kubectl(["apply", "-f", "-"], cluster(name));
    await eventually(`${name}'s budget`, () => exists("poddisruptionbudget", `${name}-replica-1`), 30_000, 500);
    await kubectl(["-n", ns, "patch", "faunacluster", name, "--type=merge", "-p", JSON.stringify({ spec: { podDisruptionBudget: { enabled: false } } })]);
    return { name };
  },
  async done(ctx) {
    return !(await exists("poddisruptionbudget", `${String(ctx.name)}-replica-1`));
  },
  cleanup: deleteCluster,
};

const READY = "ready";

/**
 * The state a replica removal ends in (its hosts gone, the StatefulSet at 0, no pod), left for DeleteRemovedReplicas:
 * a StatefulSet and headless Service of replica `gone` owned by the Ready cluster.
 */
async function removedReplica(): Promise<Json> {
  const c = await fc(READY);
  const name = `${READY}-gone`;
  const labels = {
    "fauna-operator.io/cluster": READY, "fauna-operator.io/replica": "gone", "app.kubernetes.io/component": "replica",
    "app.kubernetes.io/managed-by": "fauna-operator", "app.kubernetes.io/part-of": "fauna-operator", "app.kubernetes.io/name": "faunadb",
    "app.kubernetes.io/instance": READY,
  };
  const ownerReferences = [{ apiVersion: c.apiVersion, kind: c.kind, name: READY, uid: c.metadata.uid, controller: true, blockOwnerDeletion: true }];
  const metadata = { name, namespace: ns, labels, ownerReferences };
  await kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "Service", metadata, spec: { clusterIP: "None", selector: labels, ports: [{ name: "peer", port: 7500 }] } },
      {
        apiVersion: "apps/v1", kind: "StatefulSet", metadata, spec: {
          replicas: 0, serviceName: name, selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: "faunadb", image: "registry.example/none:1" }] } },
        },
      },
    ],
  }));
  return { name };
}

const deleteRemovedStatefulSet: Scenario = {
  trigger: removedReplica,
  done: async (ctx) => !(await exists("statefulset", String(ctx.name))),
};
const deleteRemovedService: Scenario = {
  trigger: removedReplica,
  done: async (ctx) => !(await exists("service", String(ctx.name))),
};

/** Replica-1 of the Ready cluster from 3 nodes to 2: the departed node's volume is released. */
const scaleDown: Scenario = {
  async trigger() {
    await kubectl(["-n", ns, "patch", "faunacluster", READY, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/replicas/0/nodes", value: 2 }])]);
    return { pvc: `data-${READY}-replica-1-2` };
  },
  done: async (ctx) => !(await exists("pvc", String(ctx.pvc))),
  settleMs: 5_000,
  // The release is the removal's last action, planned together with clearing the in-flight record; the pass
  // persists the cleared record even when the delete fails (steps/topology.ts), so the PVC is not retried.
  recover: (ctx) => kubectl(["-n", ns, "delete", "pvc", String(ctx.pvc), "--wait=false"]),
};

/**
 * A log segment left without a leader is repaired by restarting one of its nodes, i.e. deleting its pod (FACTS §7.3,
 * plan/segments.ts): a 3x1 cluster with settleSeconds 0 gets one (topology-stuck-segment shows it), and is never
 * Ready until the restart. The operator retries the restart while the segment stays stuck.
 */
const restartStuckSegment: Scenario = {
  async trigger() {
    // A 60 s settle window (an explicit simulator setting, as topology-stuck-segment) makes the trap certain; at
    // FaunaDB's ~3 s window a slow or fast pass may miss it, and then no restart is ever asked for.
    const doc = sample("cluster-3x1.yaml", ns, (spec) => {
      spec.settleSeconds = 0;
      (spec.podMetadata as { annotations: Record<string, string> }).annotations[SIM_ENV_ANNOTATION] = formatSimEnv({ FAUNA_SIM_SETTLE_MS: "60000" });
    });
    (doc.metadata as Json).name = "stuck";
    await kubectl(["apply", "-f", "-"], JSON.stringify(doc));
    return { name: "stuck" };
  },
  done: async (ctx) => isReady(await fc(String(ctx.name))),
  timeoutMs: 420_000,
  cleanup: deleteCluster,
};

/** Scenario per grant id; the Ready-cluster ones run last, in this order. */
const FRESH: Record<string, Scenario> = {
  "get faunaclusters.fauna-operator.io": freshCluster,
  "list faunaclusters.fauna-operator.io": freshCluster,
  "watch faunaclusters.fauna-operator.io": watchStaysOpen,
  "patch faunaclusters/status.fauna-operator.io": freshCluster,
  "list statefulsets.apps": freshCluster,
  "watch statefulsets.apps": watchStaysOpen,
  "create statefulsets.apps": freshCluster,
  "patch statefulsets.apps": freshCluster,
  "list services": freshCluster,
  "create services": freshCluster,
  "patch services": freshCluster,
  "list configmaps": freshCluster,
  "create configmaps": freshCluster,
  "patch configmaps": freshCluster,
  "list poddisruptionbudgets.policy": freshCluster,
  "create poddisruptionbudgets.policy": freshCluster,
  "patch poddisruptionbudgets.policy": freshCluster,
  "delete poddisruptionbudgets.policy": disabledBudget,
  "list networkpolicies.networking.k8s.io": freshCluster,
  "create networkpolicies.networking.k8s.io": freshCluster,
  "patch networkpolicies.networking.k8s.io": freshCluster,
  "list pods": freshCluster,
  "watch pods": watchStaysOpen,
  "list persistentvolumeclaims": freshCluster,
  "get secrets": freshCluster,
  "create secrets": freshCluster,
  "create events": freshCluster,
  "patch events": repeatedEvent,
  "get leases.coordination.k8s.io": freshCluster,
  "create leases.coordination.k8s.io": freshCluster,
  "update leases.coordination.k8s.io": takeOverExpiredLease,
};
const ON_READY: Record<string, Scenario> = {
  "delete statefulsets.apps": deleteRemovedStatefulSet,
  "delete services": deleteRemovedService,
  "delete pods": restartStuckSegment,
  "delete persistentvolumeclaims": scaleDown,
};
/** The force-remove grace for the Ready-cluster operator: a cut-off node is replaced 5 s after it is seen down. */
const READY_ARGS = ["--force-remove-grace-seconds", "5"];

/** The Ready cluster at `nodes` live members. */
async function readyWith(nodes: number): Promise<void> {
  await eventually(`${READY} Ready with ${nodes} live nodes`, async () => {
    const c = await fc(READY);
    return isReady(c) && (c.status?.nodes ?? []).filter((n) => n.state === "live").length === nodes;
  }, 480_000, 1000).catch(failWithLog);
}

let scenarioNo = 0;
/** With every grant, the scenario's work gets done (the positive control). */
async function baseline(s: Scenario, timeoutMs: number, extraArgs: string[] = []): Promise<void> {
  const o = await startOp(FULL, extraArgs);
  const ctx = await s.trigger(++scenarioNo);
  await eventually("the work done with every grant", () => s.done(ctx, o), timeoutMs, 500).catch(failWithLog);
  await s.cleanup?.(ctx);
}

/** Without `g`: the refusal is logged, the work stays undone; with `g` back (restore), it gets done. */
async function withoutGrant(g: Grant, s: Scenario, o: { restore: boolean; extraArgs?: string[]; timeoutMs?: number }): Promise<void> {
  const rules = { ...FULL, [g.role]: without(FULL[g.role], g) };
  await applyServiceAccountRbac(tier, sa, rules, mode);
  await rbacSays(g, false);
  const running = await startOp(rules, o.extraArgs);
  const ctx = await s.trigger(++scenarioNo);
  const refusal = await eventually(`the operator to report the refusal of ${grantId(g)}`, async () => refusalsIn(running.logFile, g)[0],
    o.timeoutMs ?? 45_000, 500).catch(failWithLog);
  assert.ok(refusal);
  await new Promise((r) => setTimeout(r, s.settleMs ?? 3_000));
  assert.equal(await s.done(ctx, running), false, `without ${grantId(g)} the work got done anyway`);
  if (o.restore) {
    await startOp(FULL, o.extraArgs);
    await s.recover?.(ctx);
    await eventually(`the work done once ${grantId(g)} is back`, () => s.done(ctx, running), o.timeoutMs ?? 120_000, 500).catch(failWithLog);
  }
  await s.cleanup?.(ctx);
}

function failWithLog(err: unknown): never {
  const tail = op ? readFileSync(op.logFile, "utf8").split("\n").slice(-30).join("\n") : "";
  throw new Error(`${String(err)}\noperator log tail:\n${tail}`);
}

/**
 * Both install modes: `cluster` binds the rules cluster-wide (ClusterRole + ClusterRoleBinding), `namespaced` only in
 * the watched namespace (Role + RoleBinding). RBAC_MODES=cluster (or namespaced) runs one (each takes ~6 min).
 */
const MODES = (process.env.RBAC_MODES ?? "cluster,namespaced").split(",").filter((m): m is RbacMode => m === "cluster" || m === "namespaced");

for (const m of MODES) {
  describe(`every grant of manifests/20-rbac.yaml is necessary (${m} install)`, { timeout: 1_800_000 }, () => {
    before(async () => {
      mode = m;
      tier = await useTier();
      await installCrdAndRbac(tier);
      ns = await tier.namespace(`oprbacnec-${m === "cluster" ? "c" : "n"}`);
      sa = { namespace: ns, name: "op" };
      scenarioNo = 0;
      await applyServiceAccountRbac(tier, sa, FULL, mode);
    });
    after(async () => {
      await op?.stop();
      op = undefined;
      await deleteServiceAccountRbac(tier, sa);
      if (process.env.KEEP_NS !== "1") await tier?.deleteNamespace(ns);
    });

    it("has one scenario per grant, and no scenario for a grant it does not have", () => {
      const ids = GRANTS.map(grantId).sort();
      assert.deepEqual([...Object.keys(FRESH), ...Object.keys(ON_READY)].sort(), ids);
      assert.equal(new Set(ids).size, ids.length, "each grant appears once");
    });

    it("with every grant, each scenario's work gets done (baselines)", async () => {
      await baseline(freshCluster, 45_000);
      await baseline(watchStaysOpen, 45_000);
      await baseline(repeatedEvent, 45_000);
      await baseline(disabledBudget, 45_000);
      await op?.stop();
    });

    for (const g of GRANTS.filter((x) => FRESH[grantId(x)])) {
      it(`fails without ${grantId(g)}`, async () => {
        await withoutGrant(g, FRESH[grantId(g)]!, { restore: false });
        await op?.stop();
      });
    }

    it("brings a 3-node cluster to Ready with every grant (for the grants below)", async () => {
      await startOp(FULL, READY_ARGS);
      await kubectl(["apply", "-f", "-"], cluster(READY, 3));
      await readyWith(3);
    });

    for (const [id, s] of Object.entries(ON_READY)) {
      it(`fails without ${id}${s.recover ? "" : ", and does the work once it is back"}`, async () => {
        const g = GRANTS.find((x) => grantId(x) === id);
        assert.ok(g, `grant ${id}`);
        await withoutGrant(g, s, { restore: true, extraArgs: READY_ARGS, timeoutMs: s.timeoutMs ?? 180_000 });
      });
    }
  });
}
