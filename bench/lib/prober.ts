// Watches a FaunaDB cluster from outside the operator, every ~200 ms, and records when each fact first became
// observable: a pod running / ready (Kubernetes), its admin port answering and its host being a member (its own
// admin API), a host up in its peers' view and data movement idle (a member's admin API), the FaunaCluster Ready.
// These are the preconditions of the operator's actions; the operator's own action times come from its log.
// The root key is held in memory only (read from the Secret by the caller), never logged.
import type { V1Pod } from "@kubernetes/client-node";
import { CLUSTER_LABEL } from "../../src/api/funcs.ts";
import type { FaunaCluster } from "../../src/api/types.ts";
import { createHttpFaunaAdmin, type FaunaAdmin } from "../../src/fauna/client.ts";
import type { AdminTls } from "../../src/fauna/transport.ts";

export type Fact =
  | "pod-running" // value: pod uid
  | "pod-ready"
  | "port" // the admin port answered (any answer)
  | "member" // identity answered with a host ID
  | "node-up" // a peer reports the pod's host up and live
  | "node-down"
  | "movement-idle"
  | "movement-busy"
  | "replication" // value: the replication list a member reports, "name=type,..." sorted
  | "ready" // FaunaCluster Ready=True at its generation
  | "not-ready";

export interface Observation {
  at: number;
  fact: Fact;
  /** The pod (for pod facts), or the cluster name. */
  subject: string;
  uid?: string;
  hostId?: string;
  value?: string;
}

export interface ProberSources {
  listPods(): Promise<V1Pod[]>;
  readCluster(): Promise<FaunaCluster | undefined>;
  rootKey(): Promise<string | undefined>;
  /** The admin API's TLS (a client certificate from the cluster's CA); undefined: cleartext; throws: not ready yet. */
  adminTls?(): Promise<AdminTls | undefined>;
}

export interface ProberOptions {
  cluster: string;
  everyMs?: number;
  /** Ask a member for /admin/status (node up/down) and movement status each round. */
  watchMembers?: boolean;
  /** Ask each running pod's admin port (identity) until it is a member. */
  probePods?: boolean;
  /** Also ask the members for their replication list (the baseline has no FaunaCluster status to tell). */
  watchReplication?: boolean;
}

export const isReadyCluster = (c: FaunaCluster): boolean =>
  c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True" && x.observedGeneration === c.metadata.generation) ?? false;

export class Prober {
  readonly log: Observation[] = [];
  readonly #src: ProberSources;
  readonly #o: Required<ProberOptions>;
  readonly #last = new Map<string, string>();
  readonly #hostOfUid = new Map<string, string>();
  /** Every host seen, with its pod: a host outlives its pod (a scale-down without removal). */
  readonly #podOfHost = new Map<string, { name: string; uid: string }>();
  #admin: FaunaAdmin | undefined;
  #stop = false;
  #loop: Promise<void> | undefined;
  rounds = 0;

  constructor(src: ProberSources, o: ProberOptions) {
    this.#src = src;
    this.#o = { everyMs: 200, watchMembers: true, probePods: true, watchReplication: false, ...o };
  }

  start(): void {
    this.#loop = (async () => {
      while (!this.#stop) {
        const t = Date.now();
        await this.round().catch(() => undefined);
        this.rounds++;
        await new Promise((r) => setTimeout(r, Math.max(0, this.#o.everyMs - (Date.now() - t))));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
  }

  /** The first observation of `fact` for `subject` (and uid) at or after `from`. */
  first(fact: Fact, subject?: string, from = -Infinity, uid?: string): Observation | undefined {
    return this.log.find((o) => o.fact === fact && o.at >= from && (subject === undefined || o.subject === subject) && (uid === undefined || o.uid === uid));
  }

  async waitFor(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #note(at: number, fact: Fact, subject: string, state: string, extra: Partial<Observation> = {}, key = `${fact}/${subject}`): void {
    if (this.#last.get(key) === state) return;
    this.#last.set(key, state);
    this.log.push({ at, fact, subject, ...extra });
  }

  async round(): Promise<void> {
    if (!this.#admin) {
      const key = await this.#src.rootKey();
      const tls = this.#src.adminTls ? await this.#src.adminTls().catch(() => null) : undefined;
      if (key && tls !== null) this.#admin = createHttpFaunaAdmin({ rootKey: key, tls, timeoutMs: { default: 1_500 }, retry: { attempts: 1 } });
    }
    const [pods, cluster] = await Promise.all([this.#src.listPods(), this.#src.readCluster().catch(() => undefined)]);
    const at = Date.now();
    if (cluster) {
      const ready = isReadyCluster(cluster);
      this.#note(at, ready ? "ready" : "not-ready", this.#o.cluster, String(ready), {}, "ready");
    }
    const running = pods.filter((p) => p.status?.phase === "Running" && p.status.podIP && !p.metadata?.deletionTimestamp);
    for (const p of running) {
      const name = p.metadata?.name ?? "";
      const uid = p.metadata?.uid ?? "";
      this.#note(at, "pod-running", name, uid, { uid });
      const ready = p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      if (ready) this.#note(at, "pod-ready", name, uid, { uid });
    }
    const admin = this.#admin;
    if (!admin) return;
    const asks: Promise<void>[] = [];
    if (this.#o.probePods) {
      for (const p of running) {
        const uid = p.metadata?.uid ?? "";
        if (this.#hostOfUid.has(uid)) continue; // a member stays one: no need to ask again
        const name = p.metadata?.name ?? "";
        asks.push(
          admin.identity(p.status!.podIP!).then(
            (hostId) => {
              const t = Date.now();
              this.#note(t, "port", name, uid, { uid });
              if (hostId !== null) {
                this.#hostOfUid.set(uid, hostId);
                this.#podOfHost.set(hostId, { name, uid });
                this.#note(t, "member", name, uid, { uid, hostId });
              }
            },
            () => undefined,
          ),
        );
      }
    }
    if (this.#o.watchMembers) {
      // Ask two members (a killed one may be among them), as `faunadb-admin status` would.
      const members = running.filter((p) => this.#hostOfUid.has(p.metadata?.uid ?? "")).slice(0, 2);

      for (const m of members) {
        const ip = m.status!.podIP!;
        asks.push(
          admin.status(ip).then(
            (s) => {
              if (!s.member) return;
              const t = Date.now();
              for (const n of s.cluster.members) {
                const known = this.#podOfHost.get(n.hostId);
                if (!known) continue;
                // The pod now running under that name (a recreated pod keeps its host ID), else the one last seen.
                const pod = { name: known.name, uid: running.find((p) => p.metadata?.name === known.name)?.metadata?.uid ?? known.uid };
                const up = n.status === "up" && n.state === "live";
                // Keyed by the asking member: the first member to see it counts (the failure detector's first word).
                this.#note(t, up ? "node-up" : "node-down", pod.name, `${up}`, { uid: pod.uid, hostId: n.hostId }, `node/${m.metadata?.name}/${n.hostId}`);
              }
            },
            () => undefined,
          ),
          this.#o.watchReplication
            ? admin.getReplication(ip).then(
                (r) => {
                  const value = r.replicas.map((x) => `${x.name}=${x.type}`).sort().join(",");
                  this.#note(Date.now(), "replication", m.metadata?.name ?? "", value, { value });
                },
                () => undefined,
              )
            : Promise.resolve(),
          admin.movementStatus(ip).then(
            (mv) => this.#note(Date.now(), mv.idle ? "movement-idle" : "movement-busy", m.metadata?.name ?? "", String(mv.idle), {}, `movement/${m.metadata?.name}`),
            () => undefined,
          ),
        );
      }
    }
    await Promise.all(asks);
  }
}

/** Pods of one FaunaCluster through a CoreV1Api-like list. */
export function podsOfCluster(list: (o: { namespace: string; labelSelector: string }) => Promise<{ items: V1Pod[] }>, namespace: string, cluster: string) {
  return async () => (await list({ namespace, labelSelector: `${CLUSTER_LABEL}=${cluster}` })).items;
}
