import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubernetesObject } from "../kube/client.ts";
import { keyOf, objectKey, parseKey } from "./keys.ts";
import { type OwnerMatch, ownerKeys } from "./owner.ts";

const match: OwnerMatch = {
  group: "fauna.example.io",
  kind: "FaunaCluster",
  managedBy: { label: "app.kubernetes.io/managed-by", value: "fauna-operator" },
};

function owned(opts: { labels?: Record<string, string>; refs: { apiVersion: string; kind: string; name: string; controller?: boolean }[] }): KubernetesObject {
  return {
    metadata: {
      name: "sts",
      namespace: "db",
      labels: opts.labels ?? { "app.kubernetes.io/managed-by": "fauna-operator" },
      ownerReferences: opts.refs.map((r) => ({ ...r, uid: `uid-${r.name}` })),
    },
  };
}

describe("ownerKeys", () => {
  it("maps an owned object to its controller owner's key", () => {
    const obj = owned({ refs: [{ apiVersion: "fauna.example.io/v1alpha1", kind: "FaunaCluster", name: "prod", controller: true }] });
    assert.deepEqual(ownerKeys(obj, match), ["db/prod"]);
  });

  it("matches any version of the owner's group", () => {
    const obj = owned({ refs: [{ apiVersion: "fauna.example.io/v1", kind: "FaunaCluster", name: "prod", controller: true }] });
    assert.deepEqual(ownerKeys(obj, match), ["db/prod"]);
  });

  it("ignores other kinds, other groups and non-controller references", () => {
    const obj = owned({
      refs: [
        { apiVersion: "apps/v1", kind: "StatefulSet", name: "x", controller: true },
        { apiVersion: "other.io/v1alpha1", kind: "FaunaCluster", name: "y", controller: true },
        { apiVersion: "fauna.example.io/v1alpha1", kind: "FaunaCluster", name: "z" },
      ],
    });
    assert.deepEqual(ownerKeys(obj, match), []);
    assert.deepEqual(ownerKeys(obj, { ...match, onlyController: false }), ["db/z"]);
  });

  it("ignores objects without the managed-by label", () => {
    const refs = [{ apiVersion: "fauna.example.io/v1alpha1", kind: "FaunaCluster", name: "prod", controller: true }];
    assert.deepEqual(ownerKeys(owned({ labels: {}, refs }), match), []);
    assert.deepEqual(ownerKeys(owned({ labels: { "app.kubernetes.io/managed-by": "helm" }, refs }), match), []);
    assert.deepEqual(ownerKeys(owned({ labels: {}, refs }), { ...match, managedBy: undefined }), ["db/prod"]);
  });

  it("returns nothing for objects without metadata or references", () => {
    assert.deepEqual(ownerKeys({}, match), []);
    assert.deepEqual(ownerKeys(owned({ refs: [] }), match), []);
  });
});

describe("keys", () => {
  it("round-trip namespaced and cluster-scoped keys", () => {
    assert.equal(keyOf({ namespace: "db", name: "prod" }), "db/prod");
    assert.deepEqual(parseKey("db/prod"), { namespace: "db", name: "prod" });
    assert.deepEqual(parseKey("node-1"), { name: "node-1" });
    assert.equal(objectKey({ metadata: { name: "n" } }), "n");
    assert.equal(objectKey({}), undefined);
  });
});
