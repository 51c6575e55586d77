// The admin client's one error type. Every failure of a call to a node's admin API (FACTS §2) becomes an
// AdminError with the operation, the node, the HTTP status and a `kind` that callers can branch on.
// Messages never contain the root key: the client redacts it from any body text before it lands here.

export const ADMIN_ERROR_KINDS = [
  "connection", // could not reach the node (refused, reset, DNS); retried with backoff by the client
  "transport", // any other socket or TLS failure (bad certificate ...); not retried
  "timeout", // the call did not answer within its timeout (join may block ~90 s, FACTS §1.4)
  "unauthorized", // 401: wrong root key
  "not-member", // the node has not been initialised or joined (FACTS §1.5, §2)
  "precondition-failed", // 412 on PUT /admin/replication: re-read the ETag and retry (FACTS §7.3)
  "hello-timeout", // join found no accepting seed within ~90 s (FACTS §2)
  "previously-removed", // the node's identity was removed; it needs a new data dir (FACTS §3.4)
  "storage-not-clean", // graceful removal refused until clean-storage finished (FACTS §7.5)
  "last-data-node", // removal would leave a data replica empty (FACTS §7.5)
  "bad-request", // other 400s (replica name errors, unknown replica ...)
  "server", // other 5xx answers
  "protocol", // a 2xx answer whose body is not what FaunaDB sends
] as const;
export type AdminErrorKind = (typeof ADMIN_ERROR_KINDS)[number];

/** Kinds for which trying the same call again later can succeed without anyone changing anything. */
const RETRYABLE: ReadonlySet<AdminErrorKind> = new Set<AdminErrorKind>([
  "connection",
  "timeout",
  "precondition-failed",
  "hello-timeout",
  "storage-not-clean",
]);

const HINTS: Record<AdminErrorKind, string> = {
  connection: "check that the pod is running and its admin port is reachable from the operator",
  transport: "check the TLS settings (certificate, CA) and the node address",
  timeout: "the node did not answer in time; it will be retried on the next pass",
  unauthorized: "check that the root key Secret matches the nodes' auth_root_key",
  "not-member": "the node is not part of a cluster yet; it must be initialised or joined",
  "precondition-failed": "the replication changed concurrently; re-read it and retry",
  "hello-timeout": "make sure the seed is reachable and a member of the cluster",
  "previously-removed": "this node's identity was removed; its volume must be wiped to rejoin",
  "storage-not-clean": "run clean-storage on every node and wait for it to finish",
  "last-data-node": "change the replica to compute before removing its last node",
  "bad-request": "the request was rejected; see the description",
  server: "the node reported an internal error; see the description",
  protocol: "the node answered with an unexpected body",
};

export interface AdminErrorInit {
  op: string;
  node: string;
  kind: AdminErrorKind;
  status?: number | undefined;
  code?: string | undefined;
  body?: string | undefined;
  cause?: unknown;
}

export class AdminError extends Error {
  readonly op: string;
  readonly node: string;
  readonly kind: AdminErrorKind;
  /** HTTP status, absent for connection errors and timeouts. */
  readonly status: number | undefined;
  /** FaunaDB's error `code` (e.g. `bad request`) when the body had one. */
  readonly code: string | undefined;
  /** Response body text (redacted), for diagnostics. */
  readonly body: string | undefined;
  readonly retryable: boolean;

  constructor(init: AdminErrorInit) {
    const what = init.status === undefined ? init.kind : `HTTP ${init.status}${init.code ? ` ${init.code}` : ""}`;
    const detail = init.body ? `: ${truncate(descriptionOf(init.body), 300)}` : "";
    super(`admin ${init.op} on ${init.node} failed (${what})${detail}; ${HINTS[init.kind]}`, { cause: init.cause });
    this.name = "AdminError";
    this.op = init.op;
    this.node = init.node;
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
    this.retryable = RETRYABLE.has(init.kind) || init.status === 503 || init.status === 429;
  }
}

export function isAdminError(value: unknown): value is AdminError {
  return value instanceof AdminError;
}

/** The descriptions of a `{"errors":[{code,description}]}` body joined, or the raw text. */
function descriptionOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = (parsed as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const texts = errors.map((e: { description?: unknown }) => e?.description).filter((d) => typeof d === "string");
      if (texts.length > 0) return texts.join("; ");
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * What a non-2xx answer of the admin API means, from its status, error code and descriptions
 * (FACTS §2 error table, §3.4 removed identity, §7.5 removal refusals).
 */
export function kindOfAnswer(status: number, code: string | undefined, description: string): AdminErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 412) return "precondition-failed";
  if (code === "cluster uninitialized") return "not-member";
  if (code === "hello timeout") return "hello-timeout";
  // A node never initialised or joined answers 500 UninitializedException on repo routes (FACTS Corrections 1,
  // CassandraService.instance), and /admin/identity says so in words.
  if (/Host is not a member of a cluster|Host is not initialized|UninitializedException/.test(description)) return "not-member";
  if (/previously removed from the cluster/.test(description)) return "previously-removed";
  if (/Storage is not clean/.test(description)) return "storage-not-clean";
  if (/would leave its data replica .* empty/.test(description)) return "last-data-node";
  if (status === 400) return "bad-request";
  return "server";
}
