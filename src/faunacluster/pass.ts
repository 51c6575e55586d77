// What one reconcile pass carries from step to step: its dependencies, the observation, and the status draft that
// the runner writes once at the end (STYLE idioms 1, 3, 11).
import type { FaunaCluster, FaunaClusterStatus } from "../api/types.ts";
import type { Clock } from "../controller/clock.ts";
import type { Logger } from "../controller/log.ts";
import type { FaunaAdmin } from "../fauna/client.ts";
import type { AdminTls, AdminTlsFor } from "../fauna/transport.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventInput, EventRecorder } from "../kube/events.ts";
import type { Redactor } from "../kube/redact.ts";
import type { AdminAddressResolver, Observation } from "./observe.ts";
import type { PlanDecision, PlanInput } from "./plan/types.ts";
import type { Rotation } from "./rootKeyHashes.ts";
import type { KeyPair } from "./tls/pki.ts";

export interface Deps {
  client: KubeClient;
  recorder: EventRecorder;
  redactor: Redactor;
  clock: Clock;
  /** Builds the admin client once the root key is known; its calls abort with `signal` (the pass's). */
  makeAdmin: (rootKey: string, signal: AbortSignal, tls?: AdminTlsFor) => FaunaAdmin;
  /** The operator's client certificate for a cluster's CA (mutual TLS on the admin API, issue 13). */
  operatorTls?: ((ca: KeyPair) => Promise<AdminTls>) | undefined;
  /** Where to reach a pod's admin API (stable DNS name by default). */
  adminAddress: AdminAddressResolver;
  clusterDomain?: string | undefined;
  /** The operator's own namespace: the NetworkPolicy admits its pods, from there only, to the admin port. */
  operatorNamespace: string;
  /** How long a member may stay down with its pod gone before it is replaced (issue 5). */
  forceRemoveGraceSeconds: number;
}

export type StepResult =
  | { kind: "continue" }
  | { kind: "requeue"; afterMs: number }
  | { kind: "done" }
  | { kind: "error"; error: unknown; terminal: boolean };

export const next = (): StepResult => ({ kind: "continue" });
export const stop = (): StepResult => ({ kind: "done" });
export const retryIn = (afterMs: number): StepResult => ({ kind: "requeue", afterMs });
export const fail = (error: unknown, terminal = false): StepResult => ({ kind: "error", error, terminal });

/** What the steps found out, for the conditions computed at the end of the pass. */
export interface Findings {
  invalid?: string;
  rootKeyProblem?: string;
  /** Why the cluster's TLS material cannot be used (names the Secret, never its content). */
  tlsProblem?: string;
  applyError?: string;
  /** The planner's input, as built from the observation (status reports its pods and view). */
  input?: PlanInput;
  decision?: PlanDecision;
  /** Why topology work waits, or what it just did. */
  topologyMessage?: string;
  topologyError?: string;
  /** A root-key rotation in progress (the pass stops before topology work while it is). */
  rootKeyRotation?: Rotation;
}

export interface Pass {
  key: string;
  deps: Deps;
  log: Logger;
  signal: AbortSignal;
  cluster: FaunaCluster;
  /** The status as read at the start of the pass (compare before writing). */
  original: FaunaClusterStatus;
  /** The draft the steps edit; written once by the runner. */
  status: FaunaClusterStatus;
  /** The one read-only observation of the pass, made after the gates (deletion, validation) passed. */
  obs?: Observation;
  /** The BCrypt hashes each replica's template carries (RootKeyHashes decides them before ApplyObjects). */
  rootKeyHashes?: Record<string, string[]>;
  /** Per replica, the node certificate Secret its template mounts (EnsureTls decides them before ApplyObjects). */
  tlsSecrets?: Record<string, string>;
  /** With tls.mode CertManager, per replica the issued version its template names (EnsureTls decides them). */
  tlsVersions?: Record<string, string>;
  findings: Findings;
  event(e: EventInput): Promise<void>;
  /** Writes the draft now (the in-flight record must be durable before the admin call it guards). */
  flushStatus(): Promise<void>;
}

/** A step that runs before anything is observed: it looks at the FaunaCluster object only. */
export type Gate = { name: string; run: (pass: Pass) => Promise<StepResult> };
/** A step that acts on the pass's observation (and never reads the API server or FaunaDB itself). */
export type Step = { name: string; run: (pass: Pass, obs: Observation) => Promise<StepResult> };
