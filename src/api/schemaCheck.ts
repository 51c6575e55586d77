// What the apiserver does with our schema before CEL: structural type checks and defaulting. Used by validate.ts
// (objects the operator reads were checked already; this catches drift and protects unit tests and the fuzzer) and by
// schema.test.ts (typed fixtures must pass it). CEL rules are not evaluated here; validate.ts mirrors them in TS.
import type { JSONSchema } from "./jsonSchema.ts";

export interface FieldError {
  /** Path in the Kubernetes style, e.g. `spec.replicas[1].name`. */
  field: string;
  message: string;
}

export interface CheckOptions {
  /** Report fields the schema does not declare (the apiserver prunes them, or rejects them under strict validation). */
  rejectUnknownFields?: boolean;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function typeMatches(schema: JSONSchema, v: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"]) return typeof v === "string" || Number.isInteger(v);
  switch (schema.type) {
    case undefined:
      return true;
    case "object":
      return isPlainObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

/** Checks `value` against `schema`; returns every problem found, each naming its field. Never throws. */
export function checkSchema(schema: JSONSchema, value: unknown, options: CheckOptions = {}, path = ""): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (message: string, field = path) => errors.push({ field, message });

  if (!typeMatches(schema, value)) {
    const want = schema["x-kubernetes-int-or-string"] ? "integer or string" : schema.type;
    fail(`must be of type ${want}, got ${describe(value)}`);
    return errors;
  }
  if (schema.enum && !schema.enum.includes(value as string | number)) {
    fail(`unsupported value ${JSON.stringify(value)}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail(`must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail(`must be at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
      fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) fail(`${JSON.stringify(value)} is not an RFC 3339 date-time`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`must be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`must be less than or equal to ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`must have at most ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...checkSchema(schema.items as JSONSchema, item, options, `${path}[${i}]`)));
    const keys = schema["x-kubernetes-list-map-keys"];
    if (schema["x-kubernetes-list-type"] === "map" && keys) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const id = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(id)) fail(`duplicate entry for key ${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(",")}`, `${path}[${i}]`);
        seen.add(id);
      });
    }
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (schema.maxProperties !== undefined && entries.length > schema.maxProperties) fail(`must have at most ${schema.maxProperties} entries`);
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) fail("Required value", join(path, key));
    }
    for (const [key, v] of entries) {
      const sub = schema.properties?.[key] ?? schema.additionalProperties;
      if (sub) {
        if (v === undefined) continue;
        errors.push(...checkSchema(sub, v, options, join(path, key)));
      } else if (options.rejectUnknownFields && !schema["x-kubernetes-preserve-unknown-fields"] && schema.properties) {
        fail(`unknown field ${JSON.stringify(key)}`, join(path, key));
      }
    }
  }
  return errors;
}

/** Returns a copy of `value` with the schema's defaults filled in where the apiserver would put them. */
export function applyDefaults(schema: JSONSchema, value: unknown): unknown {
  if (Array.isArray(value)) {
    return schema.items ? value.map((item) => applyDefaults(schema.items as JSONSchema, item)) : value;
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && sub.default !== undefined) out[key] = structuredClone(sub.default);
    if (out[key] !== undefined) out[key] = applyDefaults(sub, out[key]);
  }
  if (schema.additionalProperties && !schema.properties) {
    for (const [key, v] of Object.entries(out)) out[key] = applyDefaults(schema.additionalProperties, v);
  }
  return out;
}
