// The single source of the FaunaCluster OpenAPI schema: crd.ts wraps it into the CRD, validate.ts checks objects
// against it, defaults.ts applies its defaults, and schema.test.ts proves it matches types.ts field for field.
import {
  arr,
  bool,
  int,
  mapOf,
  nonNegativeQuantity,
  num,
  obj,
  oneOf,
  opaque,
  str,
  type JSONSchema,
  type ValidationRule,
} from "./jsonSchema.ts";
import {
  annotationKey,
  containerResourceName,
  DNS_SUBDOMAIN_PATTERN,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_MAX,
  LABEL_VALUE_PATTERN,
  labelKey,
  overcommitForbidden,
  QUALIFIED_NAME_MAX,
  qualifiedNameLengths,
  type NameRule,
} from "./kubeNames.ts";
import { TUNABLE_KEYS, type Tunable } from "./faunaConfigKeys.ts";
import { DEFAULTS } from "./defaults.ts";
import {
  CONDITION_STATUSES,
  PDB_SCOPES,
  PEER_ENCRYPTION_LEVELS,
  PHASES,
  PULL_POLICIES,
  PVC_DELETE_POLICIES,
  REPLICA_TYPES,
  SERVICE_TARGETS,
  TLS_MODES,
  SERVICE_TYPES,
  UPDATE_STRATEGY_TYPES,
} from "./types.ts";

/** DNS-1123 label: replica names become part of StatefulSet, Service and pod names, and are FaunaDB-valid (FACTS §7.1). */
export const REPLICA_NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const REPLICA_NAME_MAX = 20;
/** `<cluster>-<replica>` names a StatefulSet; its pods' controller-revision-hash label must stay within 63 characters. */
export const STATEFULSET_NAME_MAX = 52;
export const CLUSTER_NAME_MAX = 40;
export const MAX_REPLICAS = 16;
export const MAX_NODES_PER_REPLICA = 64;
/** Bounds that keep the CEL rules over map keys within the apiserver's cost budget. */
export const MAX_NODE_SELECTOR_LABELS = 32;
export const MAX_RESOURCE_NAMES = 16;
export const MAX_METADATA_ENTRIES = 64;
const JVM_SIZE_PATTERN = "^[1-9][0-9]{0,8}[kKmMgG]?$";
const SECRET_KEY_PATTERN = "^[-._a-zA-Z0-9]+$";

/** defaults.ts peerEncryptionLevelOf in CEL, of the spec `x` (self or oldSelf). */
const PEER_LEVEL_CEL = (x: string) =>
  `(has(${x}.peerEncryption) && has(${x}.peerEncryption.level) ? ${x}.peerEncryption.level : (has(${x}.tls) && has(${x}.tls.mode) && ${x}.tls.mode == 'Disabled' ? 'none' : 'all'))`;
const PEER_SECRET_CEL = (x: string) => `(has(${x}.peerEncryption) && has(${x}.peerEncryption.secretRef))`;
const PEER_KEY_CEL = (x: string) => `(${PEER_SECRET_CEL(x)} ? ${x}.peerEncryption.secretRef.name + '/' + (has(${x}.peerEncryption.secretRef.key) ? ${x}.peerEncryption.secretRef.key : '') : '')`;
const CA_REF_CEL = (x: string) => `(has(${x}.tls) && has(${x}.tls.caSecretRef) ? ${x}.tls.caSecretRef.name : '')`;
/** Who issues the node certificates: the operator (its CA), or a cert-manager issuer (kind/name/group as set). */
const ISSUER_CEL = (x: string) =>
  `(has(${x}.tls) && has(${x}.tls.mode) && ${x}.tls.mode == 'CertManager' && has(${x}.tls.issuerRef) ? ${x}.tls.issuerRef.name + '/' + (has(${x}.tls.issuerRef.kind) ? ${x}.tls.issuerRef.kind : '') + '/' + (has(${x}.tls.issuerRef.group) ? ${x}.tls.issuerRef.group : '') : 'operator')`;

export const PEER_SECRET_REQUIRED =
  "peerEncryption.secretRef is required when level is dc or all and tls.mode is Disabled (with Managed or CertManager, the cluster's node certificates encrypt the peer bus)";
export const PEER_LEVEL_IMMUTABLE =
  "peerEncryption.level is immutable, and so is what it resolves to when unset (all with tls.mode Managed, none with Disabled): nodes restarted one at a time at another level could not talk to the rest (FACTS §4). Set peerEncryption.level explicitly to the level the cluster has (none for a cluster created with tls.mode Disabled), or create a new cluster";
export const PEER_KEY_FIXED =
  "peerEncryption.secretRef cannot be added, removed or changed while the peer bus is encrypted: nodes restarted with another key could not talk to the rest";
export const ISSUER_FIXED_BY_PEER =
  "tls.issuerRef, and a change of tls.mode between Managed and CertManager, cannot change while the cluster's node certificates encrypt the peer bus: nodes holding certificates of another CA could not talk to the rest during the roll";
export const ISSUER_REF_NEEDS_CERT_MANAGER = "tls.issuerRef is required with tls.mode CertManager, and only then";
export const CA_REF_FIXED_BY_PEER =
  "tls.caSecretRef cannot change while the cluster's node certificates encrypt the peer bus: nodes holding certificates of the new CA could not talk to the rest during the roll";

function immutable(what: string): JSONSchema["x-kubernetes-validations"] {
  return [{ rule: "self == oldSelf", message: `${what} is immutable`, reason: "FieldValueForbidden" }];
}

/**
 * Kubernetes checks these map keys only when the operator applies the pod template or Service; checking them here
 * names the field at once. The message names the first offending key.
 */
function keysAre(rule: NameRule, field: string, what: string): ValidationRule {
  const ok = rule.cel("k");
  const cel = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return {
    rule: `self.all(k, ${ok})`,
    message: `${field} keys must each be ${what}: ${rule.shape}`,
    messageExpression: `${cel(`${field} key "`)} + self.filter(k, !(${ok}))[0] + ${cel(`" is not ${what}: ${rule.shape}`)}`,
  };
}

function labelMap(description: string, field: string, maxProperties: number): JSONSchema {
  return mapOf(description, str("Label value.", { maxLength: LABEL_VALUE_MAX, pattern: LABEL_VALUE_PATTERN }), {
    maxProperties,
    "x-kubernetes-validations": [keysAre(labelKey, field, "a label key")],
  });
}

function annotationMap(description: string, field: string): JSONSchema {
  return mapOf(description, str("Annotation value."), {
    maxProperties: MAX_METADATA_ENTRIES,
    "x-kubernetes-validations": [keysAre(annotationKey, field, "an annotation key")],
  });
}

/** A label key as a string field: its shape is a pattern, its part lengths a CEL rule. */
function labelKeyString(description: string, field: string, { allowEmpty = false } = {}): JSONSchema {
  const lengths = qualifiedNameLengths.cel("self");
  return str(description, {
    maxLength: QUALIFIED_NAME_MAX,
    pattern: allowEmpty ? `^$|${LABEL_KEY_PATTERN}` : LABEL_KEY_PATTERN,
    "x-kubernetes-validations": [
      {
        rule: allowEmpty ? `self == '' || ${lengths}` : lengths,
        message: `${field} must be a label key: ${qualifiedNameLengths.shape}`,
      },
    ],
  });
}

function secretKeyRef(description: string, defaultKey: string): JSONSchema {
  return obj(
    description,
    {
      name: str("Secret name, in the FaunaCluster's namespace.", { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
      key: str(`Key in the Secret (default ${defaultKey}).`, { pattern: SECRET_KEY_PATTERN, maxLength: 253, default: defaultKey }),
    },
    { required: ["name"] },
  );
}

const resourceList = (description: string, field: string): JSONSchema =>
  mapOf(description, nonNegativeQuantity("A resource quantity, not negative."), {
    maxProperties: MAX_RESOURCE_NAMES,
    "x-kubernetes-validations": [keysAre(containerResourceName, field, "a container resource name")],
  });

/** CEL: the resource list `map` (limits or requests) has a name `k` passing `test`. */
const anyName = (map: string, test: string) => `(has(self.${map}) && self.${map}.exists(k, ${test}))`;

const resources = obj(
  "CPU and memory for each FaunaDB container (core/v1 ResourceRequirements).",
  {
    limits: resourceList("Maximum resources; the JVM is sized from limits.memory (FACTS §6).", "resources.limits"),
    requests: resourceList("Requested resources.", "resources.requests"),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: `!has(self.requests) || self.requests.all(k, !(${overcommitForbidden.cel("k")}) || (has(self.limits) && k in self.limits))`,
        message: "resources.limits must name every extended resource and hugepages that resources.requests names (they cannot be overcommitted)",
        fieldPath: ".limits",
      },
      {
        rule:
          `!(${anyName("limits", "k.startsWith('hugepages-')")} || ${anyName("requests", "k.startsWith('hugepages-')")}) || ` +
          `${anyName("limits", "k == 'cpu' || k == 'memory'")} || ${anyName("requests", "k == 'cpu' || k == 'memory'")}`,
        message: "resources with hugepages must also set cpu or memory",
      },
    ],
  },
);

const toleration = obj(
  "core/v1 Toleration.",
  {
    key: labelKeyString("Taint key; empty (with operator Exists) matches every key.", "toleration key", { allowEmpty: true }),
    operator: oneOf("Operator.", ["Exists", "Equal"]),
    value: str("Taint value.", { maxLength: LABEL_VALUE_MAX, pattern: LABEL_VALUE_PATTERN }),
    effect: oneOf("Taint effect; empty matches all.", ["", "NoSchedule", "PreferNoSchedule", "NoExecute"]),
    tolerationSeconds: int("Seconds a NoExecute taint is tolerated.", { format: "int64" }),
  },
  {
    "x-kubernetes-validations": [
      {
        rule: "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
        message: "toleration operator must be Exists when key is empty",
        fieldPath: ".operator",
      },
      {
        rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
        message: "toleration value must be empty when operator is Exists",
        fieldPath: ".value",
      },
      {
        rule: "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
        message: "toleration effect must be NoExecute when tolerationSeconds is set",
        fieldPath: ".effect",
      },
    ],
  },
);

const topologySpreadConstraint = obj(
  "core/v1 TopologySpreadConstraint. When labelSelector is absent the operator selects the replica's own pods.",
  {
    maxSkew: int("Maximum skew.", { minimum: 1 }),
    topologyKey: str("Node label key.", { minLength: 1, maxLength: QUALIFIED_NAME_MAX }),
    whenUnsatisfiable: oneOf("What to do when the constraint cannot be met.", ["DoNotSchedule", "ScheduleAnyway"]),
    labelSelector: opaque("meta/v1 LabelSelector."),
    minDomains: int("Minimum number of eligible domains.", { minimum: 1 }),
    nodeAffinityPolicy: oneOf("Honor or Ignore nodeAffinity.", ["Honor", "Ignore"]),
    nodeTaintsPolicy: oneOf("Honor or Ignore node taints.", ["Honor", "Ignore"]),
    matchLabelKeys: arr("Pod label keys added to the selector.", labelKeyString("Label key.", "matchLabelKeys item"), {
      maxItems: 16,
      "x-kubernetes-list-type": "atomic",
    }),
  },
  {
    required: ["maxSkew", "topologyKey", "whenUnsatisfiable"],
    "x-kubernetes-validations": [
      {
        rule: "!has(self.minDomains) || self.whenUnsatisfiable == 'DoNotSchedule'",
        message: "topologySpreadConstraints minDomains requires whenUnsatisfiable DoNotSchedule",
        fieldPath: ".minDomains",
      },
    ],
  },
);

const placement = obj("Where this replica's pods run.", {
  nodeSelector: labelMap("Node labels the pods require.", "placement.nodeSelector", MAX_NODE_SELECTOR_LABELS),
  affinity: opaque("core/v1 Affinity, copied to the pods as is."),
  tolerations: arr("core/v1 Tolerations.", toleration, { maxItems: 64, "x-kubernetes-list-type": "atomic" }),
  topologySpreadConstraints: arr("core/v1 TopologySpreadConstraints.", topologySpreadConstraint, {
    maxItems: 16,
    "x-kubernetes-list-type": "atomic",
    "x-kubernetes-validations": [
      {
        rule: "self.all(a, self.exists_one(b, b.topologyKey == a.topologyKey && b.whenUnsatisfiable == a.whenUnsatisfiable))",
        message: "placement.topologySpreadConstraints must not repeat a topologyKey + whenUnsatisfiable pair",
      },
    ],
  }),
  zone: str("Pin the replica to one zone (nodeSelector topology.kubernetes.io/zone).", {
    maxLength: LABEL_VALUE_MAX,
    pattern: LABEL_VALUE_PATTERN,
  }),
});

const storage = obj(
  "The persistent volume of each node (storage_data_path, FACTS §3.5). Immutable: a StatefulSet cannot change its volumeClaimTemplates.",
  {
    size: str("Volume size, e.g. 100Gi; between 100Mi and 64Ti.", {
      maxLength: 32,
      pattern: "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$",
      "x-kubernetes-validations": [
        {
          rule: "isQuantity(self) && quantity(self).compareTo(quantity('100Mi')) >= 0 && quantity(self).compareTo(quantity('64Ti')) <= 0",
          message: "storage.size must be a quantity between 100Mi and 64Ti",
        },
      ],
    }),
    storageClassName: str("StorageClass of the PVCs; the cluster default when absent.", {
      maxLength: 253,
      pattern: DNS_SUBDOMAIN_PATTERN,
    }),
  },
  { required: ["size"], default: { size: DEFAULTS.storageSize }, "x-kubernetes-validations": immutable("storage") },
);

const replica = obj(
  "A FaunaDB replica: a named group of nodes of one type, run by one StatefulSet.",
  {
    name: str("FaunaDB replica name (lower-case letters, digits and '-'; starts and ends alphanumeric).", {
      minLength: 1,
      maxLength: 20,
      pattern: REPLICA_NAME_PATTERN,
    }),
    type: oneOf("data+log, data or compute (FACTS §7.1).", REPLICA_TYPES),
    nodes: int("Number of FaunaDB nodes (pods) in the replica.", { minimum: 1, maximum: MAX_NODES_PER_REPLICA }),
    storage,
    resources,
    placement,
  },
  {
    required: ["name", "type", "nodes"],
    // Transition rules (issue 10): items of the replicas list map are matched by name across updates.
    "x-kubernetes-validations": [
      {
        rule: "(has(self.placement) && has(self.placement.zone) ? self.placement.zone : '') == (has(oldSelf.placement) && has(oldSelf.placement.zone) ? oldSelf.placement.zone : '')",
        message: "placement.zone of an existing replica is immutable: its nodes' volumes are bound where they run; add a new replica in the other zone, then remove this one",
        fieldPath: ".placement.zone",
        reason: "FieldValueForbidden",
      },
      {
        rule: "(has(self.placement) && has(self.placement.nodeSelector) ? self.placement.nodeSelector : {}) == (has(oldSelf.placement) && has(oldSelf.placement.nodeSelector) ? oldSelf.placement.nodeSelector : {})",
        message: "placement.nodeSelector of an existing replica is immutable: its nodes' volumes are bound where they run; add a new replica with the new selector, then remove this one",
        fieldPath: ".placement.nodeSelector",
        reason: "FieldValueForbidden",
      },
    ],
  },
);

function tunableSchema(t: Tunable): JSONSchema {
  const extra = {
    ...(t.minimum === undefined ? {} : { minimum: t.minimum }),
    ...(t.maximum === undefined ? {} : { maximum: t.maximum }),
    ...(t.pattern === undefined ? {} : { pattern: t.pattern }),
  };
  if (t.kind === "bool") return bool(t.description);
  if (t.kind === "int") return int(t.description, extra);
  return t.enum ? oneOf(t.description, t.enum) : str(t.description, { maxLength: 253, ...extra });
}

const config: JSONSchema = obj(
  "Extra faunadb.yml keys. Only the tunables listed here exist: FaunaDB aborts on unknown keys (FACTS §3.1), and the " +
    "operator renders addresses, paths, ports, auth and encryption itself.",
  Object.fromEntries(Object.entries(TUNABLE_KEYS).map(([key, t]) => [key, tunableSchema(t)])),
  {
    "x-kubernetes-validations": [
      {
        rule: "!has(self.cluster_min_worker_id) || !has(self.cluster_max_worker_id) || self.cluster_min_worker_id <= self.cluster_max_worker_id",
        message: "config.cluster_min_worker_id must not exceed config.cluster_max_worker_id",
        fieldPath: ".cluster_min_worker_id",
      },
    ],
  },
);

const spec = obj(
  "Desired state of a FaunaDB cluster.",
  {
    image: str("Container image: a FaunaDB image, or the project's faunadb-simulator image for tests.", {
      minLength: 1,
      maxLength: 512,
      pattern: "^[^\\s]+$",
    }),
    imagePullPolicy: oneOf("Image pull policy.", PULL_POLICIES),
    imagePullSecrets: arr(
      "Secrets for pulling the image.",
      obj("A Secret reference.", { name: str("Secret name.", { maxLength: 253 }) }, { required: ["name"] }),
      { maxItems: 16, "x-kubernetes-list-type": "atomic" },
    ),
    replicas: arr("FaunaDB replicas, one StatefulSet each. At least one must be data+log.", replica, {
      minItems: 1,
      maxItems: MAX_REPLICAS,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      "x-kubernetes-validations": [
        { rule: "self.exists(r, r.type == 'data+log')", message: "at least one replica must be of type data+log (FACTS §7.1)" },
      ],
    }),
    rootKeySecretRef: {
      ...secretKeyRef("Secret with the FaunaDB root key; generated as <cluster>-root-key when absent. Immutable.", DEFAULTS.rootKeySecretKey),
      "x-kubernetes-validations": immutable("rootKeySecretRef"),
    },
    clusterName: str("FaunaDB cluster_name; defaults to metadata.name. Immutable: peers reject a mismatch (FACTS §3.2).", {
      minLength: 1,
      maxLength: 63,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
      "x-kubernetes-validations": immutable("clusterName"),
    }),
    config,
    jvm: obj("JVM sizing for the FaunaDB launcher (FACTS §6). Derived from limits.memory when absent.", {
      maxHeapSize: str("MAX_HEAP_SIZE, e.g. 4G or 4096M.", { pattern: JVM_SIZE_PATTERN }),
      maxDirectSize: str("MAX_DIRECT_SIZE, e.g. 2G.", { pattern: JVM_SIZE_PATTERN }),
    }),
    service: obj(
      "The client Service (load balancer for the query API).",
      {
        type: oneOf("Service type.", SERVICE_TYPES, { default: DEFAULTS.serviceType }),
        annotations: annotationMap("Annotations for the Service (e.g. cloud load balancer settings).", "service.annotations"),
        port: int("Service port for the query API.", { minimum: 1, maximum: 65535, default: DEFAULTS.servicePort }),
        targets: oneOf("auto: compute nodes when a compute replica exists, else all nodes; all; compute.", SERVICE_TARGETS, { default: DEFAULTS.serviceTargets }),
      },
      { default: {} },
    ),
    peerEncryption: obj(
      "TLS between nodes (FACTS §3.2 peer_encryption_*).",
      {
        level: oneOf(
          "none, dc (TLS between replicas) or all (TLS everywhere). Unset: all with tls.mode Managed (the cluster's node certificates, the CA as trust), none with Disabled. Immutable, and so is what it resolves to: nodes at different levels cannot talk (FACTS §4).",
          PEER_ENCRYPTION_LEVELS,
        ),
        secretRef: secretKeyRef("Secret with a PEM key all nodes share, instead of the cluster's node certificates; required for dc or all with tls.mode Disabled.", DEFAULTS.peerKeySecretKey),
      },
      { default: {} },
    ),
    tls: obj(
      "TLS of the admin API (mutual: only clients with a certificate from the cluster's CA) and the query API.",
      {
        mode: oneOf(
          "Managed: a CA per cluster (Secret <name>-ca; its certificate alone in ConfigMap <name>-ca) issues each replica's certificate, renewed before expiry. CertManager: cert-manager's issuer tls.issuerRef issues them, through a Certificate per replica (<name>-<replica>-tls) and one for the operator (<name>-admin-client); cert-manager must be installed, and the operator given the optional certificates RBAC. Disabled: both APIs in cleartext (FaunaDB's default).",
          TLS_MODES,
          { default: DEFAULTS.tlsMode },
        ),
        caSecretRef: obj(
          "Your own CA instead of the operator's: a Secret with tls.crt (a CA certificate) and tls.key, labelled fauna-operator.io/tls-ca=true. The operator issues the nodes' and its own certificates from it and never changes it.",
          { name: str("Secret name, in the FaunaCluster's namespace.", { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }) },
          { required: ["name"] },
        ),
        issuerRef: obj(
          "With mode CertManager: the cert-manager issuer of the nodes' and the operator's certificates. Its certificates need an RSA key (FaunaDB's peer cipher suites) and a CA in ca.crt (a CA, Vault or Venafi issuer; not ACME).",
          {
            name: str("Issuer name.", { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
            kind: str("Issuer (default, in the FaunaCluster's namespace), ClusterIssuer, or an external issuer's kind.", { pattern: "^[A-Z][A-Za-z0-9]{0,62}$" }),
            group: str("The issuer's API group; default cert-manager.io.", { pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }),
          },
          { required: ["name"] },
        ),
      },
      {
        default: {},
        "x-kubernetes-validations": [
          { rule: "!has(self.caSecretRef) || !has(self.mode) || self.mode == 'Managed'", message: "tls.caSecretRef needs tls.mode Managed", fieldPath: ".caSecretRef", reason: "FieldValueForbidden" },
          { rule: "has(self.issuerRef) == (has(self.mode) && self.mode == 'CertManager')", message: ISSUER_REF_NEEDS_CERT_MANAGER, fieldPath: ".issuerRef", reason: "FieldValueRequired" },
        ],
      },
    ),
    podDisruptionBudget: obj(
      "PodDisruptionBudgets for voluntary disruptions.",
      {
        enabled: bool("Create PodDisruptionBudgets.", { default: DEFAULTS.pdbEnabled }),
        maxUnavailable: int("Pods of one budget that may be down at once.", { minimum: 1, maximum: MAX_NODES_PER_REPLICA, default: DEFAULTS.pdbMaxUnavailable }),
        scope: oneOf("Replica: one budget per replica. Cluster: one budget over all nodes.", PDB_SCOPES, { default: DEFAULTS.pdbScope }),
      },
      { default: {} },
    ),
    updateStrategy: obj(
      "How pod template changes roll out.",
      { type: oneOf("RollingUpdate (one pod at a time) or OnDelete.", UPDATE_STRATEGY_TYPES, { default: DEFAULTS.updateStrategy }) },
      { default: {} },
    ),
    persistentVolumeClaimRetention: obj(
      "What happens to node volumes when the FaunaCluster is deleted.",
      { whenDeleted: oneOf("Retain (default) or Delete.", PVC_DELETE_POLICIES, { default: DEFAULTS.pvcWhenDeleted }) },
      { default: {} },
    ),
    paused: bool("Stop reconciling while true.", { default: DEFAULTS.paused }),
    settleSeconds: int("Seconds to wait after nodes start or join before changing replication (FACTS §7.3).", {
      minimum: 0,
      maximum: 3600,
      default: DEFAULTS.settleSeconds,
    }),
    podMetadata: obj("Labels and annotations added to every FaunaDB pod.", {
      labels: labelMap("Pod labels.", "podMetadata.labels", MAX_METADATA_ENTRIES),
      annotations: annotationMap("Pod annotations.", "podMetadata.annotations"),
    }),
  },
  {
    required: ["image", "replicas"],
    "x-kubernetes-validations": [
      {
        rule: "has(self.clusterName) == has(oldSelf.clusterName)",
        message: "clusterName is immutable: it cannot be added or removed after creation",
        fieldPath: ".clusterName",
        reason: "FieldValueForbidden",
      },
      {
        rule: "!has(self.podDisruptionBudget) || self.podDisruptionBudget.scope != 'Cluster' || self.podDisruptionBudget.maxUnavailable <= 1 || self.replicas.filter(r, r.type == 'data+log').size() < 2",
        message: "podDisruptionBudget.maxUnavailable above 1 with scope Cluster lets two log nodes of one segment go at once, and FaunaDB's log would lose its quorum (FACTS §7.2)",
        fieldPath: ".podDisruptionBudget.maxUnavailable",
        reason: "FieldValueInvalid",
      },
      {
        rule: `${PEER_LEVEL_CEL("self")} == 'none' || ${PEER_SECRET_CEL("self")} || !has(self.tls) || !has(self.tls.mode) || self.tls.mode != 'Disabled'`,
        message: PEER_SECRET_REQUIRED,
        fieldPath: ".peerEncryption.secretRef",
        reason: "FieldValueRequired",
      },
      {
        rule: `${PEER_LEVEL_CEL("self")} == ${PEER_LEVEL_CEL("oldSelf")}`,
        message: PEER_LEVEL_IMMUTABLE,
        fieldPath: ".peerEncryption.level",
        reason: "FieldValueForbidden",
      },
      {
        rule: `${PEER_LEVEL_CEL("self")} == 'none' || ${PEER_SECRET_CEL("self")} || ${CA_REF_CEL("self")} == ${CA_REF_CEL("oldSelf")}`,
        message: CA_REF_FIXED_BY_PEER,
        fieldPath: ".tls.caSecretRef",
        reason: "FieldValueForbidden",
      },
      {
        rule: `${PEER_LEVEL_CEL("self")} == 'none' || ${PEER_SECRET_CEL("self")} || ${ISSUER_CEL("self")} == ${ISSUER_CEL("oldSelf")}`,
        message: ISSUER_FIXED_BY_PEER,
        fieldPath: ".tls.issuerRef",
        reason: "FieldValueForbidden",
      },
      {
        rule: `${PEER_LEVEL_CEL("self")} == 'none' || ${PEER_KEY_CEL("self")} == ${PEER_KEY_CEL("oldSelf")}`,
        message: PEER_KEY_FIXED,
        fieldPath: ".peerEncryption.secretRef",
        reason: "FieldValueForbidden",
      },
      {
        rule: "has(self.rootKeySecretRef) == has(oldSelf.rootKeySecretRef)",
        message: "rootKeySecretRef is immutable: it cannot be added or removed after creation",
        fieldPath: ".rootKeySecretRef",
        reason: "FieldValueForbidden",
      },
    ],
  },
);

const condition = obj(
  "meta/v1 Condition.",
  {
    type: str("Condition type.", { maxLength: 316 }),
    status: oneOf("True, False or Unknown.", CONDITION_STATUSES),
    reason: str("CamelCase reason.", { maxLength: 1024 }),
    message: str("Human-readable details.", { maxLength: 32768 }),
    lastTransitionTime: str("When status last changed.", { format: "date-time" }),
    observedGeneration: int("Generation the condition was computed for.", { format: "int64", minimum: 0 }),
  },
  { required: ["type", "status", "reason", "message", "lastTransitionTime"] },
);

const status = obj("Observed state, written by the operator only.", {
  observedGeneration: int("Last metadata.generation the operator acted on.", { format: "int64" }),
  phase: oneOf("Summary phase.", PHASES),
  conditions: arr("Ready, Progressing, Degraded, TopologyReady, DataMoving, ...", condition, {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  }),
  replicas: arr(
    "Per-replica counts.",
    obj(
      "One replica.",
      {
        name: str("Replica name."),
        type: oneOf("Desired type.", REPLICA_TYPES),
        desired: int("Desired nodes."),
        ready: int("Ready pods."),
        members: int("Nodes FaunaDB lists in this replica."),
        currentType: oneOf("Type FaunaDB reports.", REPLICA_TYPES),
      },
      { required: ["name", "type", "desired", "ready"] },
    ),
    { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
  ),
  replicaCount: int("Number of replicas in the spec."),
  readyNodes: int("Ready FaunaDB pods."),
  desiredNodes: int("Desired FaunaDB pods."),
  nodes: arr(
    "Per-node FaunaDB state (FACTS §1.5).",
    obj(
      "One node.",
      {
        pod: str("Pod name."),
        replica: str("Replica name."),
        hostId: str("FaunaDB host ID (UUID)."),
        address: str("Broadcast address."),
        status: oneOf("up or down.", ["up", "down"]),
        state: str("live, removed, or unknown."),
        ownership: num("Owned fraction of the ring (0..1)."),
        ownershipGoal: num("Target fraction of the ring (0..1)."),
        logSegment: str("Log segment, none or Uninitialized."),
        leader: bool("Leader of its log segment."),
        workerId: str("Worker ID, n/a or error."),
      },
      { required: ["pod", "replica"] },
    ),
    { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["pod"] },
  ),
  topology: {
    ...obj("The topology operation in flight, so a restarted operator resumes it.", {
      operation: str("init, join, updateReplica, removeNode, ..."),
      replica: str("Replica concerned."),
      node: str("Pod concerned."),
      hostId: str("FaunaDB host ID concerned."),
      step: str("Current step."),
      startedAt: str("Start time.", { format: "date-time" }),
      message: str("Details."),
    }, { required: ["operation"] }),
    "x-kubernetes-preserve-unknown-fields": true,
  },
  rootKeySecretName: str("Secret holding the root key in use (never the key)."),
});

/** The whole object schema (openAPIV3Schema of the v1alpha1 version). */
export const faunaClusterSchema: JSONSchema = {
  type: "object",
  description: "A FaunaDB cluster managed by fauna-operator.",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec,
    status,
  },
  required: ["spec"],
  "x-kubernetes-validations": [
    {
      rule: `size(self.metadata.name) <= ${CLUSTER_NAME_MAX} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
      message: `metadata.name must be a DNS-1035 label of at most ${CLUSTER_NAME_MAX} characters (it prefixes Service names)`,
    },
    {
      rule: `self.spec.replicas.all(r, size(self.metadata.name) + 1 + size(r.name) <= ${STATEFULSET_NAME_MAX})`,
      message: `metadata.name + '-' + spec.replicas[].name must be at most ${STATEFULSET_NAME_MAX} characters (StatefulSet names)`,
      fieldPath: ".spec.replicas",
    },
  ],
};
