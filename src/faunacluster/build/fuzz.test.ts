// Fuzz-ish: random FaunaCluster objects drawn from the schema (mostly valid, sometimes not). The validator never
// throws; every object it accepts goes through every builder without throwing, deterministically.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { faunaClusterSchema } from "../../api/schema.ts";
import type { JSONSchema } from "../../api/jsonSchema.ts";
import { applyDefaults } from "../../api/schemaCheck.ts";
import { validateFaunaCluster } from "../../api/validate.ts";
import type { FaunaCluster } from "../../api/types.ts";
import { buildStatefulSet } from "./statefulSet.ts";
import { buildHeadlessService } from "./headlessService.ts";
import { buildClientService } from "./clientService.ts";
import { buildConfigMap } from "./configMap.ts";
import { buildRootKeySecret } from "./rootKeySecret.ts";
import { buildPodDisruptionBudgets } from "./podDisruptionBudget.ts";
import { buildNetworkPolicy } from "./networkPolicy.ts";

/** mulberry32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  "r1", "r2", "c1", "eu-1", "10Gi", "1Gi", "100Mi", "64Ti", "200Ti", "4G", "512M", "DEBUG", "INFO", "a", "prod",
  "fauna/faunadb:1", "ghcr.io/fauna-operator/faunadb-simulator:0.1.0", "zone-a", "x y", "", "Bad_Name",
  "kubernetes.io/hostname", "localhost", "2", "500m", "8Gi", "-1", "Exists", "NoExecute", "data+log", "compute",
];
const QUANTITIES: unknown[] = ["1", "2Gi", "500m", 2, "64Mi", "16Gi", "lots"];
const WRONG: unknown[] = [null, 7, "x", true, [], {}];

function gen(s: JSONSchema, r: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  if (r() < 0.004) return pick(WRONG);
  if (s["x-kubernetes-int-or-string"]) return pick(QUANTITIES);
  if (s["x-kubernetes-preserve-unknown-fields"] && !s.properties) return {};
  if (s.enum) return r() < 0.99 ? pick(s.enum) : "Nope";
  switch (s.type) {
    case "boolean":
      return r() < 0.5;
    case "integer":
    case "number": {
      const lo = s.minimum ?? 0;
      const hi = Math.min(s.maximum ?? 100, lo + 100);
      return r() < 0.98 ? lo + Math.floor(r() * (hi - lo + 1)) : pick([-1, 0, 1e6, 2.5]);
    }
    case "string": {
      const fits = s.pattern ? STRINGS.filter((x) => new RegExp(s.pattern as string, "u").test(x)) : STRINGS;
      return r() < 0.97 && fits.length > 0 ? pick(fits) : pick(STRINGS);
    }
    case "array": {
      const n = Math.max(s.minItems ?? 0, Math.floor(r() * 4));
      return Array.from({ length: n }, () => gen(s.items ?? {}, r, depth + 1));
    }
    case "object": {
      if (s.additionalProperties) {
        return Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [pick(["a", "memory", "cpu", "k"]), gen(s.additionalProperties as JSONSchema, r)]));
      }
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || r() < 0.4) out[k] = gen(sub, r, depth + 1);
      }
      return out;
    }
    default:
      return pick(STRINGS);
  }
}

function randomCluster(r: () => number): unknown {
  const spec = gen(faunaClusterSchema.properties?.spec as JSONSchema, r) as Record<string, unknown>;
  const replicas = spec && typeof spec === "object" ? spec["replicas"] : undefined;
  // Give most objects a data+log replica with a unique name, so many reach the builders.
  if (Array.isArray(replicas) && r() < 0.8) {
    replicas.forEach((x, i) => {
      if (x && typeof x === "object") (x as Record<string, unknown>)["name"] = `r${i}`;
    });
    if (replicas[0] && typeof replicas[0] === "object") (replicas[0] as Record<string, unknown>)["type"] = "data+log";
  }
  const names = ["fc", "prod", "fc", "prod", "a".repeat(45), "1x"];
  return {
    apiVersion: "fauna-operator.io/v1alpha1",
    kind: "FaunaCluster",
    metadata: { name: names[Math.floor(r() * names.length)], namespace: "ns", uid: "u" },
    spec,
  };
}

function buildAll(c: FaunaCluster): unknown[] {
  return [
    ...c.spec.replicas.flatMap((x) => [buildStatefulSet(c, x.name), buildHeadlessService(c, x.name)]),
    buildClientService(c),
    buildConfigMap(c),
    buildRootKeySecret(c, (n) => new Uint8Array(n).fill(3)),
    buildPodDisruptionBudgets(c),
    buildNetworkPolicy(c),
  ];
}

describe("fuzz: random FaunaClusters", () => {
  it("validator never throws; builders never throw on what it accepts and are deterministic", () => {
    const r = prng(20260101);
    let accepted = 0;
    const N = 400;
    for (let i = 0; i < N; i++) {
      const raw = randomCluster(r);
      let errors;
      try {
        errors = validateFaunaCluster(raw);
      } catch (e) {
        assert.fail(`validateFaunaCluster threw on case ${i}: ${String(e)}\n${JSON.stringify(raw)}`);
      }
      if (errors.length > 0) continue;
      accepted++;
      // What the operator reads back from the apiserver: defaults applied.
      const cluster = applyDefaults(faunaClusterSchema, raw) as FaunaCluster;
      for (const c of [raw as FaunaCluster, cluster]) {
        try {
          assert.deepEqual(buildAll(c), buildAll(c));
        } catch (e) {
          assert.fail(`builders failed on case ${i}: ${String(e)}\n${JSON.stringify(c)}`);
        }
      }
    }
    console.log(`fuzz: ${accepted} of ${N} accepted`);
    assert.ok(accepted >= N / 10, `only ${accepted} of ${N} random objects were valid; the generator is too hostile to test the builders`);
  });
});
