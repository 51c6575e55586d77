import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseKubeConfigSource, SERVICE_ACCOUNT_TOKEN } from "./config.ts";

const inCluster = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
const all = (p: string) => p === SERVICE_ACCOUNT_TOKEN || p === "/home/op/.kube/config";

describe("chooseKubeConfigSource", () => {
  it("prefers --kubeconfig over everything", () => {
    const s = chooseKubeConfigSource({ flag: "/f", env: { KUBECONFIG: "/e", ...inCluster }, home: "/home/op", exists: all });
    assert.deepEqual(s, { kind: "flag", files: ["/f"] });
  });
  it("then KUBECONFIG (all its files)", () => {
    const s = chooseKubeConfigSource({ env: { KUBECONFIG: "/a:/b", ...inCluster }, home: "/home/op", exists: all });
    assert.deepEqual(s, { kind: "env", files: ["/a", "/b"] });
  });
  it("then the in-cluster service account, before ~/.kube/config", () => {
    assert.deepEqual(chooseKubeConfigSource({ env: inCluster, home: "/home/op", exists: all }), { kind: "in-cluster" });
  });
  it("in-cluster needs the token file, not just the env", () => {
    const s = chooseKubeConfigSource({ env: inCluster, home: "/home/op", exists: (p) => p !== SERVICE_ACCOUNT_TOKEN && all(p) });
    assert.deepEqual(s, { kind: "home", files: ["/home/op/.kube/config"] });
  });
  it("says what to do when nothing is there", () => {
    const s = chooseKubeConfigSource({ env: {}, home: "/home/op", exists: () => false });
    assert.equal(s.kind, "none");
    assert.match(s.kind === "none" ? s.message : "", /--kubeconfig/);
  });
});
