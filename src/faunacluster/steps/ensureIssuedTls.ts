// EnsureTls with `tls.mode: CertManager` (issue 13): a Certificate per replica and one for the operator, applied
// when they differ from what the spec asks; then, per replica, which issued version its template names. cert-manager
// renews a Secret in place, but FaunaDB reads its key file only at start, so a renewal reaches a replica's pods when
// its template's version changes: one replica at a time, once every StatefulSet has rolled out (as ensureTls rolls
// its own certificates). A CA that changed under a cluster whose peer bus the node certificates encrypt is held and
// reported, as with the operator's CA.
import type { V1StatefulSet } from "@kubernetes/client-node";
import { peerUsesNodeCertificates, resolveSpec } from "../../api/defaults.ts";
import { issuedTlsName, TLS_VERSION_ANNOTATION } from "../../api/funcs.ts";
import { isForbidden, isNotFound } from "../../kube/errors.ts";
import { EventReason } from "../events.ts";
import type { Observation } from "../observe.ts";
import { next, retryIn, type Pass, type StepResult } from "../pass.ts";
import { replicaOf } from "../slots.ts";
import { buildAdminClientCertificate, buildNodeCertificate, caPartOf, CERTIFICATES, checkIssuedSecret, type Certificate } from "../tls/certManager.ts";
import { nodeDnsNames } from "../tls/material.ts";
import { APPLIED_HASH_ANNOTATION, appliedHash } from "./applyObjects.ts";
import { rolledOut } from "./rootKeyHashes.ts";

const WAIT_RETRY_MS = 5000;
const PROBLEM_RETRY_MS = 30_000;
const ISSUE_GRACE_MS = 120_000;

/** Reports why the TLS material cannot be used (Degraded/TlsProblem and a Warning) and looks again later. */
export async function heldFor(pass: Pass, problem: string, retryMs = PROBLEM_RETRY_MS): Promise<StepResult> {
  pass.findings.tlsProblem = problem;
  await pass.event({ type: "Warning", reason: EventReason.TlsProblem, message: problem });
  return retryIn(retryMs);
}

type IssuedTls = Extract<Observation["tls"], { kind: "certManager" }>;

const templateVersion = (sts: V1StatefulSet | undefined): string | undefined => sts?.spec?.template.metadata?.annotations?.[TLS_VERSION_ANNOTATION];

export async function ensureIssuedTls(pass: Pass, obs: Observation, tls: IssuedTls): Promise<StepResult> {
  const cluster = pass.cluster;
  const spec = resolveSpec(cluster);
  const now = pass.deps.clock.now();
  const wanted: Certificate[] = [
    ...spec.replicas.map((r) => buildNodeCertificate(cluster, spec, r.name, nodeDnsNames(cluster, r.name, pass.deps.clusterDomain))),
    buildAdminClientCertificate(cluster, spec),
  ];
  for (const certificate of wanted) {
    const name = certificate.metadata?.name ?? "";
    const hash = appliedHash(certificate);
    if (tls.certificates[name]?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) continue;
    const object = { ...certificate, metadata: { ...certificate.metadata, annotations: { [APPLIED_HASH_ANNOTATION]: hash } } };
    try {
      await pass.deps.client.apply(CERTIFICATES, object, { signal: pass.signal });
    } catch (err) {
      const problem = isNotFound(err)
        ? "tls.mode CertManager needs cert-manager: its Certificate API (cert-manager.io/v1) is not installed in this cluster"
        : isForbidden(err)
          ? `the operator may not write Certificates in namespace ${cluster.metadata.namespace}: apply the optional RBAC (manifests/optional/cert-manager-rbac.yaml, or the chart's certManager.enabled=true)`
          : undefined;
      if (!problem) throw err;
      return heldFor(pass, problem);
    }
  }

  const checks = wanted.map((c) => checkIssuedSecret(c.spec.secretName, tls.secrets[c.spec.secretName], now));
  const unusable = checks.flatMap((c) => (c.kind === "unusable" ? [c.problem] : []));
  if (unusable.length > 0) return heldFor(pass, unusable.join("; "));
  const waiting = wanted.flatMap((c, i) => {
    const check = checks[i]!;
    if (check.kind !== "waiting") return [];
    const created = Date.parse(tls.certificates[c.metadata?.name ?? ""]?.metadata?.creationTimestamp?.toString() ?? "");
    return [{ why: check.why, late: Number.isFinite(created) && now - created > ISSUE_GRACE_MS, name: c.metadata?.name ?? "" }];
  });
  if (waiting.length > 0) {
    pass.log.info({ waiting: waiting.map((w) => w.why) }, "waiting for cert-manager to issue the certificates");
    const late = waiting.filter((w) => w.late);
    // Issuing takes seconds; minutes mean the issuer is not ready or refuses (its reason is on the Certificate).
    if (late.length > 0) pass.findings.tlsProblem = `${late.map((w) => w.why).join("; ")}, ${ISSUE_GRACE_MS / 1000} s after the Certificate was made: see kubectl describe certificate ${late[0]!.name}`;
    return retryIn(WAIT_RETRY_MS);
  }

  let mayRoll = obs.kube.statefulSets.every(rolledOut);
  const secrets: Record<string, string> = {};
  const versions: Record<string, string> = {};
  const caChanged: string[] = [];
  spec.replicas.forEach((r, i) => {
    const check = checks[i]!;
    if (check.kind !== "ready") return;
    const sts = obs.kube.statefulSets.find((s) => replicaOf(s) === r.name);
    const current = templateVersion(sts);
    secrets[r.name] = issuedTlsName(cluster, r.name);
    versions[r.name] = check.version;
    if (current === undefined || current === check.version) return;
    if (caPartOf(current) !== caPartOf(check.version) && peerUsesNodeCertificates(spec)) {
      versions[r.name] = current;
      caChanged.push(r.name);
      return;
    }
    if ((sts?.spec?.replicas ?? 0) === 0) return;
    if (mayRoll) mayRoll = false;
    else versions[r.name] = current;
  });
  if (caChanged.length > 0) {
    const problem =
      `the issuer ${spec.tls.issuerRef?.kind}/${spec.tls.issuerRef?.name} now signs with another CA than the one replicas ${caChanged.join(", ")} started with, ` +
      "and the peer bus is encrypted with the node certificates: rolling them would split the cluster, so the pods keep what they loaded. " +
      "Restore the issuer's CA (README: Known issues, CA change); a pod that restarts on its own meanwhile loads the new files";
    return heldFor(pass, problem);
  }
  pass.tlsSecrets = secrets;
  pass.tlsVersions = versions;
  return next();
}
