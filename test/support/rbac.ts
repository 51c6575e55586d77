// The operator's RBAC as manifests/20-rbac.yaml declares it, split into single grants (one verb on one resource), so
// tests can install it for another ServiceAccount with one grant removed.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import type { TestTier } from "./localtier.ts";
import type { ServiceAccountRef } from "./operator.ts";

export type PolicyRule = { apiGroups: string[]; resources: string[]; verbs: string[] };
/** `operator`: the ClusterRole's rules (a Role's in the namespaced mode); `leader`: the Lease Role's. */
export type Grant = { role: "operator" | "leader"; group: string; resource: string; verb: string };

type RbacDoc = { kind: string; metadata: { name: string }; rules?: PolicyRule[] };

export function manifestRules(): { operator: PolicyRule[]; leader: PolicyRule[] } {
  const docs = parseAllDocuments(readFileSync("manifests/20-rbac.yaml", "utf8")).map((d) => d.toJS() as RbacDoc);
  const rulesOf = (kind: string, name: string) => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
    if (!doc?.rules) throw new Error(`manifests/20-rbac.yaml has no ${kind} ${name}`);
    return doc.rules;
  };
  return { operator: rulesOf("ClusterRole", "fauna-operator"), leader: rulesOf("Role", "fauna-operator-leader-election") };
}

export function grantsOf(rules: { operator: PolicyRule[]; leader: PolicyRule[] }): Grant[] {
  return (["operator", "leader"] as const).flatMap((role) =>
    rules[role].flatMap((r) =>
      r.apiGroups.flatMap((group) => r.resources.flatMap((resource) => r.verbs.map((verb) => ({ role, group, resource, verb })))),
    ),
  );
}

export const grantId = (g: Omit<Grant, "role">) => `${g.verb} ${g.resource}${g.group ? `.${g.group}` : ""}`;

/** `rules` without `g` (rules left with no verb are dropped). */
export function without(rules: PolicyRule[], g: Grant): PolicyRule[] {
  return rules
    .map((r) => {
      if (!r.apiGroups.includes(g.group) || !r.resources.includes(g.resource)) return r;
      if (r.apiGroups.length !== 1 || r.resources.length !== 1) throw new Error(`rule ${JSON.stringify(r)} must name one group and one resource`);
      return { ...r, verbs: r.verbs.filter((v) => v !== g.verb) };
    })
    .filter((r) => r.verbs.length > 0);
}

/**
 * The refusal of `g` as the operator reports it: the RBAC authorizer's 403 message, or for a watch (whose answer
 * client-node does not read) the operator's own `watch <resource> <namespace>/*: 403`.
 */
export function refusalPattern(g: Omit<Grant, "role">): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  if (g.verb === "watch") return new RegExp(`watch ${esc(g.resource)}${g.group ? esc(`.${g.group}`) : ""} [^ ]*\\*: 403`);
  return new RegExp(`cannot ${esc(g.verb)} resource \\\\?"${esc(g.resource)}\\\\?" in API group \\\\?"${esc(g.group)}\\\\?"`);
}

export type RbacMode = "cluster" | "namespaced";

/**
 * A ServiceAccount `sa` with `operator` rules cluster-wide (`cluster`: ClusterRole + ClusterRoleBinding named
 * `<ns>-<sa>`) or in its own namespace only (`namespaced`: Role + RoleBinding `<sa>-operator`, the namespace the
 * tests' operator watches), and `leader` rules in its own namespace. Applying again replaces the rules (RBAC takes
 * effect within about a second).
 */
export async function applyServiceAccountRbac(
  tier: TestTier,
  sa: ServiceAccountRef,
  rules: { operator: PolicyRule[]; leader: PolicyRule[] },
  mode: RbacMode = "cluster",
): Promise<void> {
  const name = `${sa.namespace}-${sa.name}`;
  const subjects = [{ kind: "ServiceAccount", name: sa.name, namespace: sa.namespace }];
  const role = `${sa.name}-operator`;
  const operatorGrant = mode === "cluster"
    ? [
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: rules.operator },
        {
          apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name }, subjects,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        },
      ]
    : [
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: role, namespace: sa.namespace }, rules: rules.operator },
        {
          apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: role, namespace: sa.namespace }, subjects,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role },
        },
      ];
  const items = [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa.name, namespace: sa.namespace } },
    ...operatorGrant,
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: `${sa.name}-leader`, namespace: sa.namespace }, rules: rules.leader },
    {
      apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: `${sa.name}-leader`, namespace: sa.namespace }, subjects,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${sa.name}-leader` },
    },
  ];
  await tier.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
}

export async function deleteServiceAccountRbac(tier: TestTier, sa: ServiceAccountRef): Promise<void> {
  const name = `${sa.namespace}-${sa.name}`;
  await tier.kubectl(["delete", "clusterrolebinding,clusterrole", name, "--ignore-not-found"]).catch(() => undefined);
}
