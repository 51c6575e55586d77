// Kubernetes' own rules for the names our spec copies into pods and Services: label keys and values, annotation
// keys (apimachinery IsQualifiedName, IsValidLabelValue) and container resource names (core/v1
// validateContainerResourceName). The apiserver would enforce them only when the operator applies the StatefulSet;
// schema.ts enforces them on the FaunaCluster instead. Each rule is written once, as regexes that mean the same in
// RE2 (CEL, OpenAPI `pattern`) and in JavaScript, and yields both a CEL expression and a TS predicate, so the CRD and
// validate.ts cannot drift apart. `[.]` rather than `\.`: the same text is valid in every one of those string forms.

const NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
const DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS_SUBDOMAIN = `${DNS_LABEL}([.]${DNS_LABEL})*`;
/** Annotation keys are lower-cased before the check, so their prefix may use capitals. */
const ANY_CASE_SUBDOMAIN = "[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?([.][A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*";

/** RFC 1123 subdomain (Secret and StorageClass names); its 253-character limit is a maxLength. */
export const DNS_SUBDOMAIN_PATTERN = `^${DNS_SUBDOMAIN}$`;
/** A label value (at most 63 characters, a maxLength), possibly empty. */
export const LABEL_VALUE_PATTERN = `^(${NAME})?$`;
export const LABEL_VALUE_MAX = 63;
/** `[prefix/]name`: the shape of a label key; the lengths are QUALIFIED_NAME_LENGTHS_PATTERN. */
export const LABEL_KEY_PATTERN = `^(${DNS_SUBDOMAIN}/)?${NAME}$`;
const ANNOTATION_KEY_PATTERN = `^(${ANY_CASE_SUBDOMAIN}/)?${NAME}$`;
/** The prefix is at most 253 characters, the name at most 63. */
const QUALIFIED_NAME_LENGTHS_PATTERN = "^([^/]{1,253}/)?[^/]{1,63}$";
export const QUALIFIED_NAME_MAX = 253 + 1 + 63;

/** cpu, memory, ephemeral-storage and hugepages-<page size>: the resources a container may name without a domain. */
const STANDARD_RESOURCE = "^(cpu|memory|ephemeral-storage|hugepages-[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi|Ei|[kMGTPE])?)$";
/** Extended resources (`nvidia.com/gpu`) must stay qualified names once quota prefixes them with `requests.`. */
const EXTENDED_RESOURCE = `^${DNS_SUBDOMAIN}/${NAME}$`;
const EXTENDED_RESOURCE_LENGTHS = "^[^/]{1,244}/[^/]{1,63}$";
const QUOTA_PREFIX = "requests.";

const matches = (pattern: string) => (s: string) => new RegExp(pattern, "u").test(s);

/** A rule as a CEL expression over the string `v`, and as a TS predicate. */
export interface NameRule {
  cel(v: string): string;
  test(s: string): boolean;
  /** What a valid name looks like, for messages. */
  shape: string;
}

function qualifiedName(shapePattern: string, shape: string): NameRule {
  return {
    cel: (v) => `${v}.matches('${shapePattern}') && ${v}.matches('${QUALIFIED_NAME_LENGTHS_PATTERN}')`,
    test: (s) => matches(shapePattern)(s) && matches(QUALIFIED_NAME_LENGTHS_PATTERN)(s),
    shape,
  };
}

/** Only the part lengths of a qualified name, for string fields whose shape is an OpenAPI pattern. */
export const qualifiedNameLengths: NameRule = {
  cel: (v) => `${v}.matches('${QUALIFIED_NAME_LENGTHS_PATTERN}')`,
  test: matches(QUALIFIED_NAME_LENGTHS_PATTERN),
  shape: "a prefix of at most 253 characters, '/', and a name of at most 63",
};

const NAME_SHAPE = "name at most 63 letters, digits, '-', '_' or '.' that starts and ends alphanumeric";

export const labelKey = qualifiedName(
  LABEL_KEY_PATTERN,
  `[prefix/]name, prefix a lower-case DNS subdomain of at most 253 characters, ${NAME_SHAPE}`,
);

export const annotationKey = qualifiedName(
  ANNOTATION_KEY_PATTERN,
  `[prefix/]name, prefix a DNS subdomain of at most 253 characters, ${NAME_SHAPE}`,
);

export const containerResourceName: NameRule = {
  cel: (v) =>
    `${v}.matches('${STANDARD_RESOURCE}') || (${v}.matches('${EXTENDED_RESOURCE}') && ` +
    `${v}.matches('${EXTENDED_RESOURCE_LENGTHS}') && !${v}.startsWith('${QUOTA_PREFIX}'))`,
  test: (s) =>
    matches(STANDARD_RESOURCE)(s) ||
    (matches(EXTENDED_RESOURCE)(s) && matches(EXTENDED_RESOURCE_LENGTHS)(s) && !s.startsWith(QUOTA_PREFIX)),
  shape: "cpu, memory, ephemeral-storage, hugepages-<size>, or a domain-qualified extended resource such as example.com/gpu",
};

/**
 * Extended resources and hugepages cannot be overcommitted: a container that requests one must also limit it
 * (and to the same amount, which CEL cannot afford to check; validate.ts does).
 */
export const overcommitForbidden: Pick<NameRule, "cel" | "test"> = {
  cel: (v) => `${v}.startsWith('hugepages-') || (${v}.contains('/') && !${v}.contains('kubernetes.io/'))`,
  test: (s) => s.startsWith("hugepages-") || (s.includes("/") && !s.includes("kubernetes.io/")),
};
