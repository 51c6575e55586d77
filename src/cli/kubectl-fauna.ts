#!/usr/bin/env node
// `kubectl fauna` (a kubectl plugin: the `kubectl-fauna` binary on PATH), as `kubectl cnpg` is for PostgreSQL:
//   kubectl fauna status <cluster> [-n NS]                     the faunadb-admin status table from the FaunaCluster's status
//   kubectl fauna admin <cluster> [-n NS] [--pod POD] <cmd>    a read-only faunadb-admin command against a node's admin API
// It calls kubectl (the one that runs it, or $KUBECTL) for the FaunaCluster and reads the root key from its Secret
// in memory: the key is never printed nor put on a command line. When the cluster has TLS on (spec.tls), `admin`
// speaks https to the node with a one-day client certificate issued from the CA Secret `<name>-ca` (needs `get` on
// that Secret; with tls.mode CertManager, the operator's issued one in Secret `<name>-admin-client`) and verifies the
// node's certificate against that CA and the node's DNS name.
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { execa } from "execa";
import type { FaunaCluster } from "../api/types.ts";
import { adminClientTls, kubectlObjects } from "../harness/clusterTls.ts";
import { ADMIN_COMMANDS, AdminError, formatStatusTable, runAdmin, statusFromCluster } from "./faunaAdmin.ts";

const USAGE = `usage:
  kubectl fauna status <cluster> [-n NAMESPACE]
  kubectl fauna admin <cluster> [-n NAMESPACE] [--pod POD] <${Object.keys(ADMIN_COMMANDS).join("|")}> [args...]`;

type Kubectl = (args: string[]) => Promise<string>;

function kubectlWith(passthrough: string[]): Kubectl {
  return async (args) => {
    const r = await execa(process.env.KUBECTL ?? "kubectl", [...passthrough, ...args], { reject: false });
    if (r.exitCode !== 0) throw new AdminError(r.stderr.trim() || `kubectl ${args.join(" ")} failed`);
    return r.stdout;
  };
}

async function readCluster(kubectl: Kubectl, ns: string[], name: string): Promise<FaunaCluster> {
  return JSON.parse(await kubectl([...ns, "get", "faunacluster", name, "-o", "json"])) as FaunaCluster;
}

async function rootKey(kubectl: Kubectl, ns: string[], fc: FaunaCluster): Promise<string> {
  const secret = fc.status?.rootKeySecretName ?? `${fc.metadata.name}-root-key`;
  const s = JSON.parse(await kubectl([...ns, "get", "secret", secret, "-o", "json"])) as { data?: Record<string, string> };
  const key = Buffer.from(s.data?.["root-key"] ?? "", "base64").toString("utf8").trim();
  if (!key) throw new AdminError(`Secret ${secret} holds no root-key`);
  return key;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, cluster, ...rest] = argv;
  if (!verb || verb === "-h" || verb === "--help" || !cluster || !["status", "admin"].includes(verb)) {
    process.stderr.write(`${USAGE}\n`);
    return verb === "-h" || verb === "--help" ? 0 : 1;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: false,
    options: { namespace: { type: "string", short: "n" }, pod: { type: "string" }, kubeconfig: { type: "string" }, context: { type: "string" } },
  });
  const passthrough = [...(typeof values.kubeconfig === "string" ? ["--kubeconfig", values.kubeconfig] : []), ...(typeof values.context === "string" ? ["--context", values.context] : [])];
  const ns = typeof values.namespace === "string" ? ["-n", values.namespace] : [];
  const kubectl = kubectlWith(passthrough);
  try {
    const fc = await readCluster(kubectl, ns, cluster);
    if (verb === "status") {
      const ready = fc.status?.conditions?.find((c) => c.type === "Ready");
      process.stdout.write(`FaunaCluster ${fc.metadata.namespace}/${fc.metadata.name}: phase ${fc.status?.phase ?? "-"}, Ready=${ready?.status ?? "Unknown"}${ready?.reason ? ` (${ready.reason})` : ""}, nodes ready ${fc.status?.readyNodes ?? 0}/${fc.status?.desiredNodes ?? "?"}\n`);
      process.stdout.write(formatStatusTable(statusFromCluster(fc)));
      return 0;
    }
    const [command, ...args] = positionals;
    if (!command) throw new AdminError(`admin: which command? ${USAGE}`);
    const nodes = fc.status?.nodes ?? [];
    const node = typeof values.pod === "string" ? nodes.find((n) => n.pod === values.pod) : (nodes.find((n) => n.status === "up" && n.address) ?? nodes.find((n) => n.address));
    if (!node?.address) throw new AdminError(typeof values.pod === "string" ? `no node ${values.pod} with an address in ${cluster}'s status` : `${cluster} reports no node with an address yet`);
    // With TLS on, 8444 is mutual TLS: a client certificate issued now from the cluster's CA Secret, in memory only.
    const tls = await adminClientTls(kubectlObjects(kubectl), fc, { commonName: "kubectl-fauna" });
    process.stdout.write(await runAdmin(node.address, await rootKey(kubectl, ns, fc), command, args, { tls }));
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : "";
if (invoked === import.meta.url) process.exitCode = await main(process.argv.slice(2));
