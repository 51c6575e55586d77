import assert from "node:assert/strict";
import { test } from "node:test";
import { actionsOf, parseLog } from "./oplog.ts";
import { convergence, heal, movementIdleAfter } from "./phases.ts";
import type { Observation } from "./prober.ts";
import { bucketPercentilesMs, percentilesMs } from "./stats.ts";
import { costBetween, counters } from "./prom.ts";

const key = "ns/fauna";
const line = (time: number, o: Record<string, unknown>) => JSON.stringify({ level: 20, time, key, ...o });
// A 1 + 1 cluster: objects, init on a, join of b, settle, replication, movement, clean, Ready.
const log = [
  line(1_100, { reconcileId: "p1", msg: "creating", kind: "StatefulSet", name: "fauna-r1" }),
  line(1_200, { reconcileId: "p1", msg: "topology plan", step: "GrowStatefulSets", actions: ["scaleStatefulSet"] }),
  line(1_300, { reconcileId: "p1", msg: "action done", action: "scaleStatefulSet", ms: 100 }),
  line(20_000, { reconcileId: "p2", msg: "init", action: "initNode", pod: "a" }),
  line(23_000, { reconcileId: "p2", msg: "action done", action: "initNode", ms: 3_000 }),
  line(25_000, { reconcileId: "p3", msg: "join", action: "joinNode", pod: "b" }),
  line(30_000, { reconcileId: "p3", msg: "action done", action: "joinNode", ms: 5_000 }),
  line(62_000, { reconcileId: "p4", msg: "put replication", action: "putReplication" }),
  line(62_100, { reconcileId: "p4", msg: "action done", action: "putReplication", ms: 100 }),
  line(110_000, { reconcileId: "p5", msg: "topology plan", step: "CleanupAfterAdds", actions: ["cleanStorage"] }),
  line(110_050, { reconcileId: "p5", msg: "action done", action: "cleanStorage", ms: 50 }),
  line(110_100, { reconcileId: "p5", msg: "reconciled", ms: 200 }),
].join("\n");
const o = (at: number, fact: Observation["fact"], subject: string, uid = "u-" + subject): Observation => ({ at, fact, subject, uid });
const obs: Observation[] = [
  o(4_000, "pod-running", "a"),
  o(4_500, "pod-running", "b"),
  o(19_000, "port", "a"),
  o(19_500, "port", "b"),
  o(21_000, "member", "a"),
  o(26_000, "member", "b"),
  o(30_000, "pod-ready", "a"),
  o(35_000, "pod-ready", "b"),
  o(63_000, "movement-busy", "a"),
  o(100_000, "movement-idle", "a"),
  o(111_000, "ready", "fauna"),
];

test("the log gives each action its start and its answer", () => {
  const acts = actionsOf(parseLog(log), key);
  assert.deepEqual(acts.map((a) => [a.kind, a.at, a.doneAt, a.pod]), [
    ["create", 1_100, undefined, undefined],
    ["scaleStatefulSet", 1_200, 1_300, undefined],
    ["init", 20_000, 23_000, "a"],
    ["join", 25_000, 30_000, "b"],
    ["putReplication", 62_000, 62_100, undefined],
    ["cleanStorage", 110_000, 110_050, undefined],
  ]);
});

test("apply → Ready splits into who was waited on, and the parts add up to the total", () => {
  const s = convergence({ t0: 1_000, actions: actionsOf(parseLog(log), key), obs, pods: ["a", "b"], settleMs: 30_000, cluster: "fauna" });
  assert.equal(s.totalMs, 110_000);
  assert.equal(s.byWho.operator + s.byWho.kubernetes + s.byWho.faunadb, s.totalMs);
  const waits = Object.fromEntries(s.waits.map((w) => [w.action, w.ms]));
  // init: port at 19.0 s, init at 20.0 s; join: previous answer 23.0, port long open, join at 25.0;
  // put: b's join answered at 30.0 + 30 s settle = 60.0, put at 62.0; clean: idle at 100.0, clean at 110.0; Ready 111.0.
  assert.deepEqual(waits, { "create objects": 100, "init a": 1_000, "join b": 2_000, "put replication": 2_000, "clean storage": 10_000, "report Ready": 950 });
  const phase = (p: string) => s.phases.find((x) => x.phase === p)?.ms;
  assert.equal(phase("settle wait"), 30_000);
  assert.equal(phase("data movement"), 100_000 - 62_100);
  assert.equal(phase("objects created"), 200);
  assert.equal(phase("pods running"), 4_000 - 1_300);
  assert.equal(s.byWho.operator, 100 + 200 + 1_000 + 2_000 + 2_000 + 10_000 + 950);
});

test("heal: a new pod, its host back, peers see it, the probe, then the operator's Ready", () => {
  const h: Observation[] = [
    o(1_000, "ready", "fauna"),
    o(10_500, "not-ready", "fauna"),
    o(12_000, "pod-running", "b", "new"),
    o(27_000, "port", "b", "new"),
    o(27_000, "member", "b", "new"),
    { ...o(28_000, "node-up", "b", "new") },
    o(31_000, "pod-ready", "b", "new"),
    o(31_400, "ready", "fauna"),
  ];
  const s = heal({ t0: 10_000, pod: "b", oldUid: "old", actions: [], obs: h, cluster: "fauna" });
  assert.equal(s.totalMs, 21_400);
  assert.equal(s.overheadAfterRunningMs, 400);
  assert.deepEqual(s.phases.map((p) => [p.phase, p.ms]), [
    ["pod recreated and running", 2_000],
    ["FaunaDB restart (admin port answers)", 15_000],
    ["node live (peers see it up)", 1_000],
    ["pod ready (API port + readiness probe)", 3_000],
    ["operator overhead", 400],
  ]);
});

test("movement idle is the latest first-idle after busy over the asked members; unknown without busy", () => {
  const m = [o(5, "movement-busy", "a"), o(6, "movement-busy", "b"), o(9, "movement-idle", "a"), o(12, "movement-idle", "b")];
  assert.equal(movementIdleAfter(m, 0), 12);
  assert.equal(movementIdleAfter([o(9, "movement-idle", "a")], 0), undefined);
});

test("percentiles come from hdr-histogram, of samples and of Prometheus buckets", () => {
  const p = percentilesMs(Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(p?.p50, 50);
  assert.equal(p?.p99, 99);
  const b = bucketPercentilesMs([{ le: 0.1, count: 90 }, { le: 0.5, count: 99 }, { le: 1, count: 100 }, { le: Infinity, count: 100 }]);
  assert.equal(b?.p50, 100);
  assert.equal(b?.p99, 500);
  assert.equal(b?.max, 1000);
});

test("cost between two scrapes: per reconcile and per minute, watches and Leases apart", () => {
  const text = (n: number) => [
    `controller_runtime_reconcile_total{controller="c",result="success"} ${n}`,
    `kube_api_requests_total{verb="list",resource="pods",code="200"} ${8 * n}`,
    `kube_api_requests_total{verb="watch",resource="pods",code="open"} 1`,
    `kube_api_requests_total{verb="update",resource="leases.coordination.k8s.io",code="200"} ${30 * n}`,
    `kube_api_object_writes_total{verb="patch",resource="statefulsets.apps"} 2`,
    `fauna_admin_requests_total{op="identity",outcome="200"} ${5 * n}`,
  ].join("\n");
  const c = costBetween(counters(text(1), 0), counters(text(3), 120_000));
  assert.equal(c.reconciles, 2);
  assert.equal(c.kubeRequestsPerReconcile, 8);
  assert.equal(c.kubeWritesPerMinute, 0);
  assert.equal(c.adminCallsPerMinute, 5);
  assert.equal(c.leaseRequestsPerMinute, 30);
});
