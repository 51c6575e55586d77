import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { faunaClusterSchema } from "./schema.ts";
import { applyDefaults, checkSchema } from "./schemaCheck.ts";
import type { JSONSchema } from "./jsonSchema.ts";
import { resolveSpec } from "./defaults.ts";
import { REPLICA_TYPES } from "./types.ts";
import { REPLICA_TYPES as WIRE_REPLICA_TYPES } from "../fauna/wire.ts";
import { certManagerTls, fullCluster, minimalCluster, threeByThree } from "../../test/fixtures/faunacluster/valid.ts";

/** Property paths the schema declares (not descending into maps or preserve-unknown-fields objects). */
function schemaPaths(s: JSONSchema, path = ""): string[] {
  if (s["x-kubernetes-preserve-unknown-fields"] && path !== "status.topology") return [path];
  if (s.items) return [path, ...schemaPaths(s.items, `${path}[]`)];
  if (!s.properties || s.additionalProperties) return [path];
  return [path, ...Object.entries(s.properties).flatMap(([k, sub]) => schemaPaths(sub, path ? `${path}.${k}` : k))];
}

function valuePaths(v: unknown, schema: JSONSchema, path = ""): string[] {
  if (Array.isArray(v)) return [path, ...v.flatMap((item) => valuePaths(item, schema.items ?? {}, `${path}[]`))];
  if (typeof v !== "object" || v === null || !schema.properties || schema.additionalProperties) return [path];
  if (schema["x-kubernetes-preserve-unknown-fields"] && path !== "status.topology") return [path];
  return [
    path,
    ...Object.entries(v).flatMap(([k, sub]) => valuePaths(sub, schema.properties?.[k] ?? {}, path ? `${path}.${k}` : k)),
  ];
}

const withCertManager = () => {
  const c = fullCluster();
  return { ...c, spec: { ...c.spec, tls: certManagerTls() } };
};

describe("FaunaCluster schema vs types", () => {
  it("accepts the fixture that sets every typed field, with no unknown field", () => {
    assert.deepEqual(checkSchema(faunaClusterSchema, fullCluster(), { rejectUnknownFields: true }), []);
    assert.deepEqual(checkSchema(faunaClusterSchema, withCertManager(), { rejectUnknownFields: true }), []);
  });

  it("declares exactly the fields types.ts has (fullCluster and certManagerTls set every one)", () => {
    const declared = new Set(schemaPaths(faunaClusterSchema).filter((p) => !p.startsWith("metadata")));
    const typed = new Set([fullCluster(), withCertManager()].flatMap((c) => valuePaths(c, faunaClusterSchema)).filter((p) => !p.startsWith("metadata")));
    assert.deepEqual([...declared].filter((p) => !typed.has(p)).sort(), [], "schema fields missing from types.ts");
    assert.deepEqual([...typed].filter((p) => !declared.has(p)).sort(), [], "types.ts fields missing from the schema");
  });

  it("accepts the minimal and 3x3 fixtures", () => {
    assert.deepEqual(checkSchema(faunaClusterSchema, minimalCluster(), { rejectUnknownFields: true }), []);
    assert.deepEqual(checkSchema(faunaClusterSchema, threeByThree(), { rejectUnknownFields: true }), []);
  });

  it("publishes the same defaults as resolveSpec", () => {
    const cluster = minimalCluster();
    const defaulted = applyDefaults(faunaClusterSchema, cluster) as typeof cluster;
    const resolved = resolveSpec(cluster);
    // The peer level is resolved from tls.mode (defaults.ts peerEncryptionLevelOf), not defaulted by the schema.
    const { clusterName: _name, peerEncryption: resolvedPeer, ...fromCode } = resolved;
    const { peerEncryption: defaultedPeer, ...fromSchema } = defaulted.spec;
    assert.deepEqual(fromSchema, fromCode);
    assert.deepEqual(defaultedPeer, {});
    assert.deepEqual(resolvedPeer, { level: "all" });
  });

  it("keeps replica types identical to the wire types", () => {
    assert.deepEqual([...REPLICA_TYPES], [...WIRE_REPLICA_TYPES]);
  });

  it("is structural: every node has a type unless it is int-or-string or preserves unknown fields", () => {
    const untyped: string[] = [];
    const walk = (s: JSONSchema, path: string) => {
      if (!s.type && !s["x-kubernetes-int-or-string"] && !s["x-kubernetes-preserve-unknown-fields"]) untyped.push(path);
      if (s.type === "array" && !s.items) untyped.push(`${path}[] (no items)`);
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
      if (s.additionalProperties) walk(s.additionalProperties, `${path}{}`);
    };
    walk(faunaClusterSchema, "");
    assert.deepEqual(untyped, []);
  });

  it("bounds every list or string that a CEL rule iterates or matches", () => {
    const replicas = faunaClusterSchema.properties?.spec?.properties?.replicas;
    assert.ok(replicas?.maxItems);
    assert.ok(replicas?.items?.properties?.name?.maxLength);
  });

  it("bounds every map whose keys a CEL rule checks (else the CRD exceeds the CEL cost budget)", () => {
    const unbounded: string[] = [];
    const walk = (s: JSONSchema, path: string) => {
      if (s.additionalProperties && s["x-kubernetes-validations"] && s.maxProperties === undefined) unbounded.push(path);
      for (const [k, sub] of Object.entries(s.properties ?? {})) walk(sub, `${path}.${k}`);
      if (s.items) walk(s.items, `${path}[]`);
    };
    walk(faunaClusterSchema, "");
    assert.deepEqual(unbounded, []);
  });
});
