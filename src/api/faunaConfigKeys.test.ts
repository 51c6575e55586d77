// Every faunadb.yml key the operator renders or accepts in spec.config is one FaunaDB knows: an unknown key is fatal
// at startup (`Unrecognized setting.`, FACTS §3.1), so each pod would crash-loop (issue 9 item 5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { OPERATOR_MANAGED_KEYS, TUNABLE_KEYS } from "./faunaConfigKeys.ts";
import { renderFaunaConfigTemplate, TLS_CONFIG_LINES } from "./faunaConfig.ts";
import { resolveSpec } from "./defaults.ts";
import { fullCluster } from "../../test/fixtures/faunacluster/valid.ts";
import { coreConfigKeys, pinnedFaunaCommit } from "../../test/support/coreConfigKeys.ts";
import type { FaunaCluster } from "./types.ts";

const { commit, keys } = coreConfigKeys();

test("the key list is CoreConfig.scala at the commit the FaunaDB image builds", () => {
  assert.equal(commit, pinnedFaunaCommit());
  assert.ok(keys.size > 200 && keys.has("network_broadcast_address"), `${keys.size} keys`);
});

test("every key spec.config accepts and every key the operator manages is a CoreConfig key", () => {
  const unknown = [...Object.keys(TUNABLE_KEYS), ...OPERATOR_MANAGED_KEYS].filter((k) => !keys.has(k));
  assert.deepEqual(unknown, []);
  assert.ok(keys.has("consensus_stall_restart_period_enable") && !keys.has("consensus_stall_restart_enable"));
});

test("every key of every rendered faunadb.yml template is a CoreConfig key (all tunables set, encryption, compute)", () => {
  const cluster = fullCluster() as FaunaCluster;
  const spec = resolveSpec(cluster);
  const rendered = spec.replicas.flatMap((r) =>
    renderFaunaConfigTemplate(cluster, spec, r)
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .map((l) => l.slice(0, l.indexOf(":"))),
  );
  assert.ok(rendered.includes("coordinator_neighbor_replica") && rendered.includes("peer_encryption_level"), "the fixture exercises every branch");
  assert.ok(Object.keys(TUNABLE_KEYS).every((k) => rendered.includes(k)), "the fixture sets every tunable");
  // The start script appends the TLS keys when the pod mounts a certificate (src/faunacluster/build/startScript.ts).
  const appended = TLS_CONFIG_LINES.map((l) => l.slice(0, l.indexOf(":")));
  assert.deepEqual([...new Set([...rendered, ...appended])].filter((k) => !keys.has(k)), []);
  assert.ok(appended.every((k) => OPERATOR_MANAGED_KEYS.includes(k as never)), "spec.config cannot set them");
});
