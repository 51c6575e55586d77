import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { buildConfigMap, templateKey } from "./configMap.ts";
import { fullCluster, minimalCluster, threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { OPERATOR_MANAGED_KEYS, TUNABLE_KEYS } from "../../api/faunaConfigKeys.ts";

const KNOWN = new Set<string>([...OPERATOR_MANAGED_KEYS, ...Object.keys(TUNABLE_KEYS)]);

describe("buildConfigMap", () => {
  it("holds one template per replica, with only keys FaunaDB knows (FACTS §3.1) and no root key", () => {
    const cm = buildConfigMap(fullCluster() as FaunaCluster);
    assert.deepEqual(Object.keys(cm.data ?? {}), ["compute.yml", "eu-1.yml"]);
    for (const text of Object.values(cm.data ?? {})) {
      const yml = parse(text) as Record<string, unknown>;
      for (const key of Object.keys(yml)) assert.ok(KNOWN.has(key), `unknown faunadb.yml key ${key}`);
      assert.equal(yml["auth_root_key"], undefined);
    }
  });

  const cases: { name: string; replica: string; expect: Record<string, unknown>; absent?: string[] }[] = [
    {
      name: "data+log replica: addresses, ports, paths, encryption, tunables",
      replica: "eu-1.yml",
      expect: {
        cluster_name: "prod",
        network_broadcast_address: "__POD_NAME__.full-eu-1.ns1.svc.cluster.local",
        network_listen_address: "__POD_IP__",
        network_admin_http_address: "__POD_IP__",
        network_admin_http_port: 8444,
        network_coordinator_http_port: 8443,
        storage_data_path: "/var/lib/faunadb",
        flags_path: "/var/run/faunadb/flags/feature-flags.json",
        peer_encryption_level: "all",
        peer_encryption_key_file: "/etc/faunadb/peer/peer.pem",
        log_level: "DEBUG",
        cluster_max_worker_id: 511,
        log_queries: false,
      },
      absent: ["coordinator_neighbor_replica"],
    },
    { name: "compute replica names a data+log neighbour", replica: "compute.yml", expect: { coordinator_neighbor_replica: "eu-1" } },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const yml = parse(buildConfigMap(fullCluster() as FaunaCluster).data?.[tc.replica] ?? "") as Record<string, unknown>;
      for (const [k, v] of Object.entries(tc.expect)) assert.deepEqual(yml[k], v, k);
      for (const k of tc.absent ?? []) assert.equal(yml[k], undefined, k);
    });
  }

  it("defaults cluster_name to metadata.name and quotes it so YAML keeps a string", () => {
    const c = threeByThree("true");
    const text = buildConfigMap(c).data?.["r1.yml"] ?? "";
    assert.equal((parse(text) as Record<string, unknown>)["cluster_name"], "true");
  });

  it("is deterministic", () => {
    assert.deepEqual(buildConfigMap(fullCluster() as FaunaCluster), buildConfigMap(fullCluster() as FaunaCluster));
  });
});

describe("buildConfigMap: root key hashes", () => {
  it("each replica's template carries its own hash list, and nothing else of the key", () => {
    const cluster = minimalCluster("fc");
    const replica = cluster.spec.replicas[0]!.name;
    const cm = buildConfigMap(cluster, { rootKeyHashes: { [replica]: ["$2a$10$aaaa", "$2a$10$bbbb"] } });
    const text = cm.data?.[templateKey(replica)] ?? "";
    assert.match(text, /^auth_root_key_hashes: \["\$2a\$10\$aaaa","\$2a\$10\$bbbb"\]$/m);
    assert.doesNotMatch(text, /^auth_root_key:/m);
    assert.doesNotMatch(buildConfigMap(cluster).data?.[templateKey(replica)] ?? "", /auth_root_key/);
  });
});

describe("buildConfigMap: the peer bus (issue 13)", () => {
  const peerKeys = (c: FaunaCluster) => {
    const yml = parse(buildConfigMap(c).data?.[templateKey(c.spec.replicas[0]!.name)] ?? "") as Record<string, unknown>;
    return Object.fromEntries(Object.entries(yml).filter(([k]) => k.startsWith("peer_encryption_")));
  };
  it("by default (tls.mode Managed): level all with the node certificate, the CA as trust", () => {
    assert.deepEqual(peerKeys(minimalCluster("fc")), {
      peer_encryption_level: "all",
      peer_encryption_key_file: "/etc/faunadb/tls/faunadb.pem",
      peer_encryption_trust_file: "/etc/faunadb/tls/ca.crt",
    });
  });
  it("a level set explicitly is kept; dc with the node certificate too", () => {
    const c = minimalCluster("fc");
    c.spec.peerEncryption = { level: "dc" };
    assert.equal(peerKeys(c).peer_encryption_level, "dc");
    c.spec.peerEncryption = { level: "none" };
    assert.deepEqual(peerKeys(c), {});
  });
  it("tls.mode Disabled with the level unset: cleartext, as FaunaDB's default", () => {
    const c = minimalCluster("fc");
    c.spec.tls = { mode: "Disabled" };
    assert.deepEqual(peerKeys(c), {});
  });
});
