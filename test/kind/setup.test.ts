// What can be checked of the kind tier without Docker: the suite's skip/fail decision (also end to end, with stub
// `docker`/`kind` commands on an otherwise empty PATH), the tool checks of hack/kind/*.sh, and that the kind config,
// the kind samples, both Dockerfiles and the manifests agree with each other and with what the operator builds.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { execa } from "execa";
import YAML from "yaml";
import { PATHS } from "../../src/api/faunaConfig.ts";
import { isSimulatorImage } from "../support/images.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { validateFaunaCluster } from "../../src/api/validate.ts";
import { buildStatefulSet, RUN_AS_USER } from "../../src/faunacluster/build/statefulSet.ts";
import { decide, networkPolicyEnforcer, QUERY_NODE_PORT, SKIP_NO_DOCKER, SKIP_NO_KIND } from "./kind.ts";

const read = (p: string) => readFileSync(p, "utf8");
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory to use as the whole PATH: the named host tools linked in, plus stub scripts. */
async function stubPath(hostTools: string[], stubs: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kind-stubs-"));
  dirs.push(dir);
  for (const tool of hostTools) {
    const where = (await execa("sh", ["-c", `command -v ${tool}`], { reject: false })).stdout.trim();
    if (where.startsWith("/")) symlinkSync(where, join(dir, tool));
  }
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const DOCKER_DOWN = 'echo "Cannot connect to the Docker daemon" >&2; exit 1';
const DOCKER_UP = 'case "$1" in info) echo "Server Version: stub"; exit 0;; esac; exit 1';
const KIND_NO_CLUSTERS = 'case "$1" in version) echo "kind v0.33.0 go1.24 linux/amd64";; get) echo "No kind clusters found." >&2;; esac; exit 0';

describe("kind tier: skip or fail decision", () => {
  it("skips without a Docker engine, skips without kind, runs with both", () => {
    assert.deepEqual(decide({ dockerInfo: false, kindVersion: false }), { runnable: false, reason: SKIP_NO_DOCKER });
    assert.deepEqual(decide({ dockerInfo: false, kindVersion: true }), { runnable: false, reason: SKIP_NO_DOCKER });
    assert.deepEqual(decide({ dockerInfo: true, kindVersion: false }), { runnable: false, reason: SKIP_NO_KIND });
    assert.deepEqual(decide({ dockerInfo: true, kindVersion: true }), { runnable: true });
  });

  const suite = (path: string) =>
    execa(process.execPath, ["--test", "--test-reporter=tap", "test/kind/faunacluster.test.ts"], {
      reject: false,
      timeout: 60_000,
      env: { PATH: path, HOME: "/nonexistent", KIND_CLUSTER_NAME: "fauna-operator" },
      extendEnv: false,
    });

  it("the NetworkPolicy test runs where kindnetd or a ready kube-router enforces, and fails saying why elsewhere", () => {
    const all = { desired: 4, ready: 4 };
    assert.deepEqual(networkPolicyEnforcer({ kindnet: all }), { enforcer: "kindnetd" });
    assert.deepEqual(networkPolicyEnforcer({ podnet: all, kubeRouter: all }), { enforcer: "kube-router" });
    const starting = networkPolicyEnforcer({ podnet: all, kubeRouter: { desired: 4, ready: 3 } });
    assert.equal(starting.enforcer, undefined);
    assert.match(starting.enforcer === undefined ? starting.reason : "", /kube-router \(kube-system\) is ready on 3 of 4 nodes/);
    assert.equal(networkPolicyEnforcer({ podnet: all, kubeRouter: { desired: 0, ready: 0 } }).enforcer, undefined);
    const podnetOnly = networkPolicyEnforcer({ podnet: all });
    assert.match(podnetOnly.enforcer === undefined ? podnetOnly.reason : "", /podnet, which enforces no NetworkPolicy, and kube-router is not deployed: run hack\/kind\/up\.sh/);
    assert.equal(networkPolicyEnforcer({}).enforcer, undefined);
  });

  it("the suite skips every test and exits 0 when `docker info` fails", async () => {
    const r = await suite(await stubPath([], { docker: DOCKER_DOWN }));
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.split(`# SKIP ${SKIP_NO_DOCKER}`).length - 1, 3, r.stdout);
    assert.match(r.stdout, /# skipped 3/);
  });

  it("the suite skips with the install hint when Docker runs but kind is missing", async () => {
    const r = await suite(await stubPath([], { docker: DOCKER_UP }));
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.split(`# SKIP ${SKIP_NO_KIND}`).length - 1, 3, r.stdout);
  });

  it("the suite fails, naming hack/kind/up.sh, when Docker and kind work but the cluster does not exist", async () => {
    const r = await suite(await stubPath([], { docker: DOCKER_UP, kind: KIND_NO_CLUSTERS }));
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stdout, /no kind cluster named fauna-operator: run hack\/kind\/up\.sh first/);
  });
});

describe("hack/kind scripts", () => {
  const SCRIPT_TOOLS = ["bash", "dirname", "date", "awk", "grep", "sed", "head", "cat"];
  const script = async (name: string, stubs: Record<string, string>) =>
    execa("bash", [`hack/kind/${name}`], { reject: false, timeout: 30_000, env: { PATH: await stubPath(SCRIPT_TOOLS, stubs), HOME: "/nonexistent" }, extendEnv: false });

  it("without a Docker engine and without root or dockerd, up.sh stops naming the install page; down.sh has nothing to do", async () => {
    const up = await script("up.sh", { docker: DOCKER_DOWN });
    assert.equal(up.exitCode, 1);
    assert.match(up.stderr, /no Docker engine answers and dockerd is not installed\. Install Docker \(https:\/\/docs\.docker\.com\/engine\/install\/\)/);
    const down = await script("down.sh", { docker: DOCKER_DOWN });
    assert.equal(down.exitCode, 0, down.stderr);
    assert.match(down.stderr, /no Docker engine answers: no cluster to delete/);
  });

  it("the tool checks name the docker install page, the pinned kind and where kubectl comes from", async () => {
    const check = async (fn: string, stubs: Record<string, string>) =>
      execa("bash", ["-c", `source hack/kind/env.sh; ${fn}`], { reject: false, env: { PATH: await stubPath(SCRIPT_TOOLS, stubs), HOME: "/nonexistent" }, extendEnv: false });
    assert.match((await check("need_docker", {})).stderr, /docker not found\. Install Docker Engine \(https:\/\/docs\.docker\.com\/engine\/install\/\)/);
    assert.match((await check("need_docker", { docker: DOCKER_DOWN })).stderr, /the Docker engine is not reachable \('docker info' fails\)/);
    const env = read("hack/kind/env.sh");
    const kindVersion = /^KIND_VERSION="(v[0-9.]+)"$/m.exec(env)?.[1];
    assert.ok(kindVersion, "env.sh pins KIND_VERSION");
    assert.ok(SKIP_NO_KIND.includes(`sigs.k8s.io/kind@${kindVersion}`), "the suite's skip message names the pinned kind");
    assert.match((await check("need_kind", {})).stderr, new RegExp(`go install sigs\\.k8s\\.io/kind@${kindVersion.replace(/\./g, "\\.")}`));
    assert.match((await check("need_kubectl", {})).stderr, /kubectl not found\. Install it .*npm run local:build/);
  });

  it("image_in reads the images up.sh builds from the manifests it applies", async () => {
    const r = await execa("bash", ["-c", "source hack/kind/env.sh; image_in manifests/30-deployment.yaml ghcr.io/fauna-operator/fauna-operator; image_in manifests/samples/kind/cluster.yaml ghcr.io/fauna-operator/faunadb"]);
    const [operator, faunadb] = r.stdout.split("\n");
    const deployment = YAML.parse(read("manifests/30-deployment.yaml")) as { spec: { template: { spec: { containers: { image: string; imagePullPolicy?: string }[] } } } };
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(operator, container?.image);
    assert.equal(container?.imagePullPolicy, "IfNotPresent", "the kind-loaded operator image is used, not pulled");
    assert.equal(faunadb, (YAML.parse(read("manifests/samples/kind/cluster.yaml")) as FaunaCluster).spec.image);
    const up = read("hack/kind/up.sh");
    assert.match(up, /kind load docker-image/);
    assert.match(up, /kctl apply -f crds\/ -f manifests\//);
    assert.match(up, /docker build -t "\$FAUNADB_IMAGE" images\/faunadb/);
    assert.match(up, /SIMULATOR_IMAGE="ghcr\.io\/fauna-operator\/faunadb-simulator:/);
  });
});

describe("kind config, samples and images agree", () => {
  it("hack/kind/kube-router.yaml: the image env.sh pins, loaded (never pulled), firewall only, on every node; up.sh applies it", async () => {
    const pinned = (await execa("bash", ["-c", "source hack/kind/env.sh; echo \"$KUBE_ROUTER_VERSION $KUBE_ROUTER_IMAGE\""])).stdout.trim().split(" ");
    assert.match(pinned[0] ?? "", /^v2\.\d+\.\d+$/);
    type Container = { image: string; imagePullPolicy?: string; args?: string[] };
    const docs = YAML.parseAllDocuments(read("hack/kind/kube-router.yaml")).map((d) => d.toJS() as { kind: string; spec?: { template: { spec: { hostNetwork?: boolean; tolerations?: { operator: string }[]; containers: Container[] } } } });
    const ds = docs.find((d) => d.kind === "DaemonSet")?.spec?.template.spec;
    const c = ds?.containers[0];
    assert.equal(c?.image, pinned[1]);
    assert.equal(c?.imagePullPolicy, "Never");
    for (const flag of ["--run-firewall=true", "--run-router=false", "--run-service-proxy=false", "--enable-cni=false"]) assert.ok(c?.args?.includes(flag), flag);
    assert.equal(ds?.hostNetwork, true);
    assert.deepEqual(ds?.tolerations, [{ operator: "Exists" }], "on the control plane too");
    const up = read("hack/kind/up.sh");
    assert.match(up, /kctl apply -f hack\/kind\/kube-router\.yaml/);
    assert.match(up, /get daemonset podnet/, "only where podnet is the CNI (kindnetd enforces on kind's own image)");
    assert.match(read("hack/kind/images.sh"), /dockerfile_image "\$KUBE_ROUTER_IMAGE" kube-router /);
  });

  type KindNode = { role: string; labels?: Record<string, string>; extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[] };
  const kindConfig = YAML.parse(read("hack/kind/cluster.yaml")) as { kind: string; apiVersion: string; nodes: KindNode[] };
  const workerZones = kindConfig.nodes.filter((n) => n.role === "worker").map((n) => n.labels?.["topology.kubernetes.io/zone"]);

  it("hack/kind/cluster.yaml: a control plane publishing the query NodePort on loopback, 3 workers in zones a/b/c", () => {
    assert.equal(kindConfig.apiVersion, "kind.x-k8s.io/v1alpha4");
    const planes = kindConfig.nodes.filter((n) => n.role === "control-plane");
    assert.equal(planes.length, 1);
    assert.deepEqual(planes[0]?.extraPortMappings, [{ containerPort: QUERY_NODE_PORT, hostPort: QUERY_NODE_PORT, listenAddress: "127.0.0.1", protocol: "TCP" }]);
    assert.deepEqual(workerZones, ["zone-a", "zone-b", "zone-c"]);
  });

  for (const file of ["cluster.yaml", "cluster-3x1.yaml"]) {
    it(`manifests/samples/kind/${file}: valid, real FaunaDB, one replica per kind zone, JVM within the limit`, () => {
      const c = YAML.parse(read(`manifests/samples/kind/${file}`)) as FaunaCluster;
      assert.deepEqual(validateFaunaCluster(c, { rejectUnknownFields: true }), []);
      assert.equal(isSimulatorImage(c.spec.image), false);
      assert.match(c.spec.image, /^ghcr\.io\/fauna-operator\/faunadb:/);
      assert.equal(c.spec.podMetadata, undefined, "no local-tier process annotation");
      assert.deepEqual(c.spec.replicas.map((r) => r.placement?.zone).sort(), [...workerZones].sort());
      for (const r of c.spec.replicas) {
        const env = buildStatefulSet(c, r.name).spec?.template.spec?.containers[0]?.env ?? [];
        const mib = (name: string) => Number(/^(\d+)M$/.exec(env.find((e) => e.name === name)?.value ?? "")?.[1]);
        assert.ok(mib("MAX_HEAP_SIZE") + mib("MAX_DIRECT_SIZE") < 1536, `heap + direct fit the 1536Mi limit of ${r.name}`);
      }
    });
  }

  it("manifests/samples/kind/simulator.yaml: valid, the simulator image up.sh builds, one replica per kind zone", () => {
    const c = YAML.parse(read("manifests/samples/kind/simulator.yaml")) as FaunaCluster;
    assert.deepEqual(validateFaunaCluster(c, { rejectUnknownFields: true }), []);
    assert.equal(isSimulatorImage(c.spec.image), true);
    assert.equal(c.spec.podMetadata, undefined, "no local-tier process annotation: kubelet runs the image");
    assert.deepEqual(c.spec.replicas.map((r) => r.placement?.zone).sort(), [...workerZones].sort());
    const real = YAML.parse(read("manifests/samples/kind/cluster.yaml")) as FaunaCluster;
    assert.deepEqual(c.spec.replicas.map((r) => [r.name, r.type, r.nodes]), real.spec.replicas.map((r) => [r.name, r.type, r.nodes]), "the same topology as the real-FaunaDB sample");
  });

  it("images/faunadb/Dockerfile: pinned source, release build, Java 17, the StatefulSet's UID and directories, no config", () => {
    const d = read("images/faunadb/Dockerfile");
    assert.match(d, /^ARG FAUNADB_COMMIT=[0-9a-f]{40}$/m);
    assert.match(d, /FAUNADB_RELEASE=true sbt .*service\/assembly/);
    assert.match(d, /^ARG JDK_IMAGE=eclipse-temurin:17-jdk/m);
    assert.match(d, /^ARG JRE_IMAGE=eclipse-temurin:17-jre/m);
    assert.match(d, new RegExp(`^ARG FAUNADB_UID=${RUN_AS_USER}$`, "m"));
    assert.match(d, /^USER \$\{FAUNADB_UID\}:\$\{FAUNADB_UID\}$/m);
    const mkdir = /^RUN mkdir -p (.*) \\$/m.exec(d)?.[1]?.split(" ") ?? [];
    for (const p of [PATHS.data, PATHS.logs, PATHS.run, "/etc/faunadb"]) assert.ok(mkdir.includes(p), `${p} is created`);
    assert.doesNotMatch(d, /COPY[^\n]*faunadb\.yml/, "no config baked in");
    assert.match(d, /scripts\/faunadb \/src\/faunadb\/service\/src\/main\/scripts\/faunadb-admin \/opt\/faunadb\/bin\//);
    assert.match(d, /ENV PATH=\/opt\/faunadb\/bin:\$PATH/);
  });

  it("Dockerfile: Node 22, production dependencies, non-root with the manifests' UID, fauna-operator on PATH", () => {
    const d = read("Dockerfile");
    assert.match(d, /^ARG NODE_IMAGE=node:22-/m);
    assert.match(d, /npm prune --omit=dev/);
    assert.match(d, new RegExp(`^USER ${RUN_AS_USER}:${RUN_AS_USER}$`, "m"));
    assert.match(d, /ln -s \/opt\/fauna-operator\/dist\/cli\/main\.js \/usr\/local\/bin\/fauna-operator/);
    // The simulator target puts the package's faunadb bin on PATH: pods run `faunadb -c <config>` whatever the image.
    assert.match(d, /^FROM runtime AS simulator$/m);
    assert.match(d, /require\("\.\/package\.json"\)\.bin\?\.faunadb/);
    assert.match(d, /^FROM runtime AS operator$/m, "the operator is the default (last) target");
    assert.doesNotMatch(d, /^# syntax=/m, "no BuildKit frontend to pull: the classic builder builds it offline");
    const deployment = YAML.parse(read("manifests/30-deployment.yaml")) as { spec: { template: { spec: { securityContext: { runAsUser: number } } } } };
    assert.equal(deployment.spec.template.spec.securityContext.runAsUser, RUN_AS_USER);
  });
});
