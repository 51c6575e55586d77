// API errors as typed values: callers branch on isNotFound/isConflict/... instead of status codes.

/** The `metav1.Status` body the API server returns with a failure. */
export type StatusBody = {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string; reason?: string }[] };
};

export type KubeErrorInit = {
  verb: string;
  resource: string;
  /** `namespace/name`, `namespace/*` for lists, or just a name for cluster-scoped objects. */
  target: string;
  /** HTTP status code; 0 when the request never got an answer (connection refused, timeout, abort). */
  code: number;
  status?: StatusBody | undefined;
  cause?: unknown;
};

export class KubeError extends Error {
  readonly verb: string;
  readonly resource: string;
  readonly target: string;
  readonly code: number;
  /** The API server's reason (`NotFound`, `Conflict`, `Invalid`, ...), or `Transport` when there was no answer. */
  readonly reason: string;
  /** The API server's own message, which names the offending field for `Invalid`. */
  readonly serverMessage: string;
  readonly causes: readonly { field?: string; message?: string; reason?: string }[];

  constructor(init: KubeErrorInit) {
    const reason = init.status?.reason ?? (init.code === 0 ? "Transport" : `HTTP${init.code}`);
    const serverMessage = init.status?.message ?? (init.cause instanceof Error ? init.cause.message : "");
    super(
      `${init.verb} ${init.resource} ${init.target}: ${init.code === 0 ? "no answer" : init.code} ${reason}` +
        (serverMessage ? `: ${serverMessage}` : ""),
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "KubeError";
    this.verb = init.verb;
    this.resource = init.resource;
    this.target = init.target;
    this.code = init.code;
    this.reason = reason;
    this.serverMessage = serverMessage;
    this.causes = init.status?.details?.causes ?? [];
  }
}

function kubeError(err: unknown): KubeError | undefined {
  return err instanceof KubeError ? err : undefined;
}

export const isKubeError = (err: unknown): err is KubeError => err instanceof KubeError;
export const isNotFound = (err: unknown): boolean => kubeError(err)?.code === 404;
export const isConflict = (err: unknown): boolean => kubeError(err)?.code === 409 && !isAlreadyExists(err);
export const isAlreadyExists = (err: unknown): boolean => kubeError(err)?.reason === "AlreadyExists";
export const isForbidden = (err: unknown): boolean => kubeError(err)?.code === 403;
export const isInvalid = (err: unknown): boolean => kubeError(err)?.code === 422;
export const isGone = (err: unknown): boolean => kubeError(err)?.code === 410;
export const isUnauthorized = (err: unknown): boolean => kubeError(err)?.code === 401;

/** Errors worth retrying unchanged: no answer, throttling, server-side trouble. */
export function isTransient(err: unknown): boolean {
  const e = kubeError(err);
  if (!e) return false;
  return e.code === 0 || e.code === 429 || e.code >= 500;
}

export function parseStatusBody(text: string): StatusBody | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && (parsed as { kind?: unknown }).kind === "Status") {
      return parsed as StatusBody;
    }
  } catch {
    // Not JSON: proxies and load balancers answer with HTML or plain text.
  }
  return text ? { message: text.slice(0, 500) } : undefined;
}
