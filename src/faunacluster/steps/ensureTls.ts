// TLS material (issue 13, `spec.tls.mode: Managed`): the cluster's CA, created once when absent and never changed
// (clients trust it; an unusable one stops the pass with a Warning naming the Secret, never replaced behind the
// user's back), and per replica a node certificate, issued when the StatefulSet mounts none, a lost one, one from
// another CA, one missing a name, or one due for renewal. Each is a new immutable Secret: the template naming it
// rolls the replica's pods one at a time, one replica at a time. Keys are made off the event loop.
import { peerUsesNodeCertificates, resolveSpec } from "../../api/defaults.ts";
import { randomBytes } from "node:crypto";
import { caSecretName, namespaceOf, statefulSetName, tlsSecretName } from "../../api/funcs.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import { Resources } from "../../kube/resource.ts";
import { EventReason } from "../events.ts";
import { mountedTlsSecret } from "../build/statefulSet.ts";
import { next, retryIn, type Step } from "../pass.ts";
import { replicaOf } from "../slots.ts";
import { ensureIssuedTls, heldFor } from "./ensureIssuedTls.ts";
import { rolledOut } from "./rootKeyHashes.ts";
import { buildCaSecret, buildNodeCertSecret, CA_VALIDITY_DAYS, checkNodeCert, NODE_CERT_VALIDITY_DAYS, nodeCertSuffix, nodeDnsNames } from "../tls/material.ts";
import { issueCaAsync, issueCertAsync } from "../tls/pki.ts";

const CREATED_RETRY_MS = 100; // the next pass reads the new CA by name
const UNUSABLE_RETRY_MS = 30_000;

export const ensureTls: Step = {
  name: "EnsureTls",
  async run(pass, obs) {
    const tls = obs.tls;
    if (tls.kind === "off") return next();
    if (tls.kind === "certManager") return ensureIssuedTls(pass, obs, tls);
    const { client, clock, clusterDomain } = pass.deps;
    const cluster = pass.cluster;
    const now = new Date(clock.now());
    if (tls.ca.kind === "absent") {
      const ca = await issueCaAsync({ commonName: `${cluster.metadata.name}.${namespaceOf(cluster)} FaunaDB CA`, now, days: CA_VALIDITY_DAYS });
      try {
        const secret = await client.create(Resources.secrets, buildCaSecret(cluster, ca), { signal: pass.signal });
        await pass.event({ type: "Normal", reason: EventReason.TlsCaCreated, message: `created the cluster's CA in Secret ${secret.metadata?.name}` });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return retryIn(CREATED_RETRY_MS);
    }
    if (tls.ca.kind === "unusable") {
      return heldFor(pass, tls.ca.problem, UNUSABLE_RETRY_MS);
    }
    const ca = tls.ca.ca;
    const secrets: Record<string, string> = {};
    // A new certificate rolls the replica's pods: one replica at a time, once every StatefulSet has rolled out (as a
    // root-key rotation does), or a renewal due on every replica at once would restart a node of each together.
    let mayRoll = obs.kube.statefulSets.every(rolledOut);
    const spec = resolveSpec(cluster);
    const caChanged: string[] = [];
    for (const r of spec.replicas) {
      const mounted = tls.nodeSecrets[r.name];
      const check = checkNodeCert(cluster, r.name, ca, mounted, now.getTime(), clusterDomain);
      if (check.kind === "usable") {
        secrets[r.name] = check.secretName;
        continue;
      }
      // The peer bus trusts only the CA the nodes were started with: a node restarted with a certificate of another
      // CA could not talk to the rest (mutual TLS), and each roll would cut one more off. Keep the running
      // certificates and report; moving a cluster to a new CA takes a trust of both CAs first, which is not built.
      if (check.otherCa && mounted?.metadata?.name && peerUsesNodeCertificates(spec)) {
        secrets[r.name] = mounted.metadata.name;
        caChanged.push(`${r.name} (Secret ${mounted.metadata.name})`);
        continue;
      }
      const sts = obs.kube.statefulSets.find((s) => replicaOf(s) === r.name);
      const podsRun = (sts?.spec?.replicas ?? 0) > 0;
      // Pods that mount a Secret that is gone cannot start again: no reason to wait for them.
      const urgent = mounted === undefined && sts !== undefined && mountedTlsSecret(sts) !== undefined;
      if (podsRun && !urgent && !mayRoll) {
        const keep = mounted?.metadata?.name;
        if (keep) secrets[r.name] = keep;
        pass.log.info({ replica: r.name, why: check.why }, "certificate change waits for the other rollouts");
        continue;
      }
      if (podsRun) mayRoll = false;
      const dnsNames = nodeDnsNames(cluster, r.name, clusterDomain);
      const candidate = nodeCertSuffix(ca, dnsNames, now.getTime());
      // The epoch's name already mounted, yet unfit (someone put another Secret there): a name of its own.
      const suffix = mounted?.metadata?.name === tlsSecretName(cluster, r.name, candidate) ? randomBytes(5).toString("hex") : candidate;
      const pair = await issueCertAsync(ca, {
        commonName: statefulSetName(cluster, r.name),
        dnsNames,
        usage: "peer", // FaunaDB's own CLI in the pod presents the node's key file as its client certificate
        now,
        days: NODE_CERT_VALIDITY_DAYS,
      });
      const secret = buildNodeCertSecret(cluster, r.name, pair, ca, suffix);
      const name = secret.metadata?.name ?? "";
      try {
        await client.create(Resources.secrets, secret, { signal: pass.signal });
        const rolls = mounted !== undefined ? "; its pods restart one at a time to load it" : "";
        await pass.event({ type: "Normal", reason: EventReason.TlsCertificateIssued, message: `issued replica ${r.name}'s certificate in Secret ${name} (${check.why})${rolls}` });
      } catch (err) {
        // An interrupted pass of this epoch made it from the same CA for the same names: it serves.
        if (!isAlreadyExists(err)) throw err;
      }
      secrets[r.name] = name;
    }
    if (caChanged.length > 0) {
      const problem =
        `the certificates of replicas ${caChanged.join(", ")} were issued by another CA than Secret ${caSecretName(cluster)}, ` +
        "and the peer bus is encrypted with them: re-issuing them would split the cluster, so they are kept. " +
        "Restore the CA Secret the cluster was created with (README: Known issues, CA change)";
      return heldFor(pass, problem, UNUSABLE_RETRY_MS);
    }
    pass.tlsSecrets = secrets;
    return next();
  },
};
