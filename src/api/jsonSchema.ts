// The subset of OpenAPI v3 (apiextensions.k8s.io/v1 JSONSchemaProps, wire spelling) that our CRD uses,
// plus small constructors so schema.ts reads like the API it describes.

export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/** A CEL rule (`x-kubernetes-validations` entry). */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** JSONPath-like path relative to the node the rule sits on, e.g. `.clusterName`; names the field in errors. */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

export interface JSONSchema {
  type?: SchemaType;
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  additionalProperties?: JSONSchema;
  enum?: readonly (string | number)[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "granular" | "atomic";
  "x-kubernetes-validations"?: ValidationRule[];
}

type Extra = Omit<JSONSchema, "type" | "properties" | "items" | "additionalProperties">;

export function str(description: string, extra: Extra = {}): JSONSchema {
  return { type: "string", description, ...extra };
}

export function int(description: string, extra: Extra = {}): JSONSchema {
  return { type: "integer", description, ...extra };
}

export function num(description: string, extra: Extra = {}): JSONSchema {
  return { type: "number", description, ...extra };
}

export function bool(description: string, extra: Extra = {}): JSONSchema {
  return { type: "boolean", description, ...extra };
}

export function oneOf(description: string, values: readonly string[], extra: Extra = {}): JSONSchema {
  return { type: "string", description, enum: values, ...extra };
}

export function obj(
  description: string,
  properties: Record<string, JSONSchema>,
  extra: Extra & { required?: string[] } = {},
): JSONSchema {
  return { type: "object", description, properties, ...extra };
}

export function arr(description: string, items: JSONSchema, extra: Extra = {}): JSONSchema {
  return { type: "array", description, items, ...extra };
}

/** An object with arbitrary keys, each holding a `values`. CEL rules over its keys need a maxProperties. */
export function mapOf(description: string, values: JSONSchema, extra: Extra = {}): JSONSchema {
  return { type: "object", description, additionalProperties: values, ...extra };
}

/** An object whose content Kubernetes validates later (e.g. when the StatefulSet is applied). */
export function opaque(description: string): JSONSchema {
  return { type: "object", description, "x-kubernetes-preserve-unknown-fields": true };
}

/**
 * A Kubernetes resource.Quantity (`x-kubernetes-int-or-string`, like the core types) that is not negative, as
 * container resources must be: no leading '-' in the string form, a minimum of 0 for the integer form.
 */
export function nonNegativeQuantity(description: string): JSONSchema {
  return {
    description,
    "x-kubernetes-int-or-string": true,
    pattern: NON_NEGATIVE_QUANTITY_PATTERN,
    minimum: 0,
  };
}

/** The apiserver's own pattern for resource.Quantity in OpenAPI, without the '-' sign. */
export const NON_NEGATIVE_QUANTITY_PATTERN = "^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
