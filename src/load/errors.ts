// Why an operation failed, in the five classes the report and the metrics count: the client gave up (timeout), the
// cluster answered it cannot serve now (unavailable: FaunaDB's 503 `time out`, a reset connection), nobody listened
// (refused), FaunaDB aborted a transaction on a concurrent change (contention: 409), anything else (other).
import faunadb from "faunadb";

export const ERROR_CLASSES = ["timeout", "unavailable", "refused", "contention", "other"] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Thrown by the load's own per-operation deadline. */
export class OperationTimeout extends Error {
  constructor(ms: number) {
    super(`query timed out after ${ms} ms`);
    this.name = "OperationTimeout";
  }
}

function codes(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") out.push(code);
  }
  return out;
}

export function classify(err: unknown): ErrorClass {
  if (err instanceof OperationTimeout) return "timeout";
  if (err instanceof faunadb.errors.FaunaHTTPError) {
    const status = err.requestResult.statusCode;
    if (status === 409) return "contention";
    if (status === 503 || status === 502) return "unavailable";
    if (status === 408 || status === 440 || status === 504) return "timeout";
    return "other";
  }
  const c = codes(err);
  if (c.includes("ECONNREFUSED")) return "refused";
  if (c.some((x) => ["ETIMEDOUT", "ABORT_ERR", "UND_ERR_CONNECT_TIMEOUT"].includes(x)) || (err instanceof Error && /timed? ?out/i.test(err.message))) return "timeout";
  if (c.some((x) => ["ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ERR_HTTP2_STREAM_CANCEL", "ERR_HTTP2_SESSION_ERROR", "ERR_HTTP2_GOAWAY_SESSION"].includes(x))) return "unavailable";
  return "other";
}

/** One line for the report: class and the driver's own words. */
export function describe(err: unknown): string {
  if (err instanceof faunadb.errors.FaunaHTTPError) {
    // The code alone ("time out") does not tell a coordinator without a sequencer from an unreachable log; the
    // description does.
    const description = faunaDescription(err);
    return `${err.name} ${err.requestResult.statusCode}: ${err.message}${description && description !== err.message ? ` (${description})` : ""}`;
  }
  // fetch (the TLS transport) says only "fetch failed"; the cause says why (refused, certificate not trusted, ...).
  if (err instanceof Error) return `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}`;
  return String(err);
}

function faunaDescription(err: InstanceType<typeof faunadb.errors.FaunaHTTPError>): string | undefined {
  const content = err.requestResult.responseContent as { errors?: { description?: unknown }[] } | undefined;
  const description = content?.errors?.[0]?.description;
  return typeof description === "string" ? description : undefined;
}
