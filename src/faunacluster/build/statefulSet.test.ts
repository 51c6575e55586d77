import { CONFIRM_VOLUME_DELETION_ANNOTATION } from "../../api/funcs.ts";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildStatefulSet, mountedTlsSecret, podHasTls } from "./statefulSet.ts";
import { startScript } from "./startScript.ts";
import { TLS_CONFIG_LINES } from "../../api/faunaConfig.ts";
import { fullCluster, minimalCluster, SIMULATOR_IMAGE, threeByThree } from "../../../test/fixtures/faunacluster/valid.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { CONFIG_HASH_ANNOTATION } from "../../api/funcs.ts";

function container(cluster: FaunaCluster, replica = "r1") {
  const c = buildStatefulSet(cluster, replica).spec?.template.spec?.containers[0];
  assert.ok(c);
  return c;
}

function env(cluster: FaunaCluster, name: string, replica = "r1"): string | undefined {
  return container(cluster, replica).env?.find((e) => e.name === name)?.value;
}

describe("buildStatefulSet", () => {
  it("wires the StatefulSet to its headless Service, in parallel, with owner and selector", () => {
    const sts = buildStatefulSet(threeByThree("prod", "db"), "r2");
    assert.equal(sts.metadata?.name, "prod-r2");
    assert.equal(sts.metadata?.namespace, "db");
    assert.equal(sts.spec?.serviceName, "prod-r2");
    assert.equal(sts.spec?.podManagementPolicy, "Parallel");
    assert.equal(sts.spec?.replicas, 3);
    assert.deepEqual(sts.metadata?.ownerReferences?.[0], {
      apiVersion: "fauna-operator.io/v1alpha1",
      kind: "FaunaCluster",
      name: "prod",
      uid: "00000000-0000-4000-8000-000000000001",
      controller: true,
      blockOwnerDeletion: true,
    });
    const selector = sts.spec?.selector.matchLabels ?? {};
    const podLabels = sts.spec?.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `pod label ${k}`);
    assert.equal(selector["fauna-operator.io/replica"], "r2");
    assert.equal(podLabels["app.kubernetes.io/managed-by"], "fauna-operator");
    assert.equal(podLabels["fauna-operator.io/replica-type"], "data-log");
  });

  const probeCases: { name: string; check: (c: ReturnType<typeof container>) => void }[] = [
    { name: "readiness is /ping?scope=node on 8443", check: (c) => assert.deepEqual(c.readinessProbe?.httpGet, { path: "/ping?scope=node", port: "api", scheme: "HTTP" }) },
    { name: "no liveness or startup probe that would restart a member waiting for its peers (8444 closed)", check: (c) => assert.equal(c.livenessProbe ?? c.startupProbe, undefined) },
    {
      name: "ports are FACTS §4's",
      check: (c) => assert.deepEqual(c.ports?.map((p) => [p.name, p.containerPort]), [["peer", 7500], ["peer-tls", 7501], ["api", 8443], ["admin", 8444]]),
    },
  ];
  for (const tc of probeCases) it(tc.name, () => tc.check(container(minimalCluster())));

  it("sizes the JVM from the memory limit unless given, and always defines JAVA_OPTS", () => {
    const table: { cluster: FaunaCluster; replica: string; heap: string; direct: string }[] = [
      { cluster: threeByThree(), replica: "r1", heap: "4096M", direct: "2048M" },
      { cluster: minimalCluster(), replica: "r1", heap: "1024M", direct: "512M" },
      { cluster: fullCluster() as FaunaCluster, replica: "eu-1", heap: "6G", direct: "3G" },
    ];
    for (const t of table) {
      assert.equal(env(t.cluster, "MAX_HEAP_SIZE", t.replica), t.heap);
      assert.equal(env(t.cluster, "MAX_DIRECT_SIZE", t.replica), t.direct);
      assert.equal(env(t.cluster, "JAVA_OPTS", t.replica), "");
    }
  });

  it("runs FaunaDB's launcher whatever the image (the operator never knows a simulator), never with the key on the command line", () => {
    const real = container(minimalCluster()).command ?? [];
    const simCluster = minimalCluster();
    simCluster.spec.image = SIMULATOR_IMAGE;
    const sim = container(simCluster).command ?? [];
    assert.equal(real[0], "/bin/sh");
    assert.match(real[2] ?? "", /exec faunadb -c \/var\/run\/faunadb\/faunadb\.yml\n$/);
    assert.deepEqual(sim, real);
    for (const script of [real[2] ?? "", sim[2] ?? ""]) {
      assert.doesNotMatch(script, /root.key|auth_root/, "the pod never handles the root key");
      assert.doesNotMatch(script, /\$\(|`/, "no command substitution");
    }
  });

  it("mounts no root key Secret, generated or referenced: pods get only BCrypt hashes (in the ConfigMap)", () => {
    for (const sts of [buildStatefulSet(minimalCluster("fc"), "r1"), buildStatefulSet(fullCluster() as FaunaCluster, "eu-1")]) {
      const spec = sts.spec?.template.spec;
      const secrets = (spec?.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : []));
      assert.ok(!secrets.includes("fc-root-key") && !secrets.includes("fauna-root"), secrets.join(", "));
      const env = JSON.stringify(spec?.containers.map((c) => [c.env, c.envFrom]));
      assert.doesNotMatch(env, /root-key|fauna-root|secretKeyRef/);
    }
  });

  it("mounts the pod's labels and annotations read-only at /etc/podinfo (downward API)", () => {
    const pod = buildStatefulSet(minimalCluster(), "r1").spec?.template.spec;
    const volume = pod?.volumes?.find((v) => v.name === "podinfo");
    assert.deepEqual(volume?.downwardAPI?.items, [
      { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
      { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
    ]);
    assert.deepEqual(pod?.containers[0]?.volumeMounts?.find((m) => m.name === "podinfo"), { name: "podinfo", mountPath: "/etc/podinfo", readOnly: true });
  });

  it("follows the restricted Pod Security Standard", () => {
    const sts = buildStatefulSet(minimalCluster(), "r1");
    const pod = sts.spec?.template.spec;
    const c = pod?.containers[0]?.securityContext;
    assert.equal(pod?.securityContext?.runAsNonRoot, true);
    assert.equal(pod?.securityContext?.seccompProfile?.type, "RuntimeDefault");
    assert.equal(c?.allowPrivilegeEscalation, false);
    assert.deepEqual(c?.capabilities?.drop, ["ALL"]);
    assert.equal(c?.readOnlyRootFilesystem, true);
    assert.equal(pod?.automountServiceAccountToken, false);
  });

  it("applies placement, storage, podMetadata and the PVC policy", () => {
    const full = fullCluster() as FaunaCluster;
    const sts = buildStatefulSet(full, "eu-1");
    const pod = sts.spec?.template.spec;
    assert.deepEqual(pod?.nodeSelector, { "node-role": "db", "topology.kubernetes.io/zone": "eu-west-1a" });
    assert.equal(pod?.tolerations?.[0]?.key, "db");
    assert.deepEqual(pod?.topologySpreadConstraints?.[0]?.labelSelector, { matchLabels: { app: "x" } });
    assert.equal(pod?.imagePullSecrets?.[0]?.name, "regcred");
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName, "fast-ssd");
    assert.equal(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.["storage"], "100Gi");
    assert.equal(sts.spec?.template.metadata?.annotations?.["local.fauna-operator.io/run"], "process");
    assert.equal(sts.spec?.template.metadata?.labels?.["team"], "db");
    assert.deepEqual(sts.spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" }, "Delete is not in force unconfirmed");
    const confirmed = { ...full, metadata: { ...full.metadata, annotations: { [CONFIRM_VOLUME_DELETION_ANNOTATION]: "true" } } };
    assert.deepEqual(buildStatefulSet(confirmed, "eu-1").spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
    assert.equal(sts.spec?.updateStrategy?.type, "OnDelete");
    assert.equal(pod?.terminationGracePeriodSeconds, 75, "shutdown_grace_period_seconds 45 + 30");
    assert.ok(pod?.volumes?.some((v) => v.name === "peer-key"));
  });

  it("changes the config hash when the config changes, and only then", () => {
    const a = threeByThree();
    const b = threeByThree();
    b.spec.config = { log_level: "DEBUG" };
    const c = threeByThree();
    c.spec.replicas[0]!.nodes = 5;
    const hash = (x: FaunaCluster) => buildStatefulSet(x, "r1").spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    assert.notEqual(hash(a), hash(b));
    assert.equal(hash(a), hash(c));
  });

  it("is deterministic and does not modify its input", () => {
    const cluster = fullCluster() as FaunaCluster;
    const before = structuredClone(cluster);
    assert.deepEqual(buildStatefulSet(cluster, "compute"), buildStatefulSet(cluster, "compute"));
    assert.deepEqual(cluster, before);
  });

  it("refuses a replica that is not in the spec", () => {
    assert.throws(() => buildStatefulSet(minimalCluster(), "nope"), /replica "nope" is not in the FaunaCluster spec/);
  });

  it("with TLS, mounts the replica's certificate Secret, probes over HTTPS; without, neither", () => {
    const secrets = { r1: "fc-r1-tls-0123456789" };
    const on = buildStatefulSet(threeByThree(), "r1", { tlsSecrets: secrets });
    assert.equal(mountedTlsSecret(on), "fc-r1-tls-0123456789");
    assert.equal(podHasTls(on.spec?.template), true);
    const c = on.spec?.template.spec?.containers[0];
    assert.equal(c?.readinessProbe?.httpGet?.scheme, "HTTPS");
    assert.ok(c?.volumeMounts?.some((m) => m.mountPath === "/etc/faunadb/tls" && m.readOnly === true));
    const vol = on.spec?.template.spec?.volumes?.find((v) => v.secret?.secretName === "fc-r1-tls-0123456789");
    assert.deepEqual(vol?.secret?.items?.map((i) => i.path), ["faunadb.pem", "ca.crt"], "the key file and the trust file, not tls.key");
    const noSecretYet = buildStatefulSet(threeByThree(), "r2", { tlsSecrets: secrets });
    assert.equal(mountedTlsSecret(noSecretYet), undefined);
    const disabled = threeByThree();
    disabled.spec.tls = { mode: "Disabled" };
    const off = buildStatefulSet(disabled, "r1", { tlsSecrets: secrets });
    assert.equal(mountedTlsSecret(off), undefined, "Disabled mounts nothing even if a Secret is named");
    assert.equal(off.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.scheme, "HTTP");
  });

  it("with tls.mode CertManager, mounts cert-manager's Secret beside a memory volume for the key file, and names the version on the template", () => {
    const cluster = threeByThree();
    cluster.spec.tls = { mode: "CertManager", issuerRef: { name: "corp" } };
    const sts = buildStatefulSet(cluster, "r1", { tlsSecrets: { r1: "fc-r1-tls" }, tlsVersions: { r1: "abc.def" } });
    const volumes = sts.spec?.template.spec?.volumes ?? [];
    assert.deepEqual(volumes.find((v) => v.name === "tls-issued")?.secret?.items?.map((i) => i.key), ["tls.key", "tls.crt", "ca.crt"]);
    assert.equal(volumes.find((v) => v.name === "tls-issued")?.secret?.secretName, "fc-r1-tls");
    assert.equal(volumes.find((v) => v.name === "tls")?.emptyDir?.medium, "Memory", "the joined key file never touches a disk");
    const mounts = sts.spec?.template.spec?.containers[0]?.volumeMounts ?? [];
    assert.ok(mounts.some((m) => m.name === "tls" && m.mountPath === "/etc/faunadb/tls" && !m.readOnly));
    assert.ok(mounts.some((m) => m.name === "tls-issued" && m.mountPath === "/etc/faunadb/tls-issued" && m.readOnly));
    assert.equal(podHasTls(sts.spec?.template), true);
    assert.equal(sts.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet?.scheme, "HTTPS");
    assert.equal(sts.spec?.template.metadata?.annotations?.["fauna-operator.io/tls-version"], "abc.def");
    assert.equal(mountedTlsSecret(sts), undefined, "not an operator-issued Secret");
    const managed = buildStatefulSet(threeByThree(), "r1", { tlsSecrets: { r1: "fc-r1-tls-0123456789" }, tlsVersions: { r1: "abc.def" } });
    assert.equal(managed.spec?.template.metadata?.annotations?.["fauna-operator.io/tls-version"], undefined);
  });

  it("the start script joins cert-manager's key and chain into FaunaDB's key file before it renders the TLS keys", () => {
    const script = startScript();
    const join = script.indexOf("if [ -f /etc/faunadb/tls-issued/tls.key ]; then sed -e '' /etc/faunadb/tls-issued/tls.key /etc/faunadb/tls-issued/tls.crt > /etc/faunadb/tls/faunadb.pem");
    assert.ok(join > 0);
    assert.ok(script.includes("/etc/faunadb/tls-issued/ca.crt > /etc/faunadb/tls/ca.crt"));
    assert.ok(join < script.indexOf("if [ -f /etc/faunadb/tls/faunadb.pem ]"));
  });

  it("the start script appends FaunaDB's TLS keys only when the certificate is mounted", () => {
    const script = startScript();
    assert.match(script, /if \[ -f \/etc\/faunadb\/tls\/faunadb\.pem \]; then printf/);
    for (const line of TLS_CONFIG_LINES) assert.ok(script.includes(`'${line}'`), line);
    assert.ok(script.indexOf("faunadb.pem ]") < script.indexOf("exec faunadb"), "before FaunaDB starts");
  });
});
