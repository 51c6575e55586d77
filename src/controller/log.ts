// Structured logs (pino). Every message string passes through the Redactor, and credential-named fields are
// censored wherever they sit, so a secret that slips into an error message does not reach the log.
import { randomUUID } from "node:crypto";
import { pino, type Logger } from "pino";
import { REDACTED, type Redactor } from "../kube/redact.ts";

export type { Logger } from "pino";

const SECRET_PATHS = [
  "rootKey",
  "*.rootKey",
  "password",
  "*.password",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

export type LoggerOptions = {
  level?: string | undefined;
  redactor: Redactor;
  /** Defaults to stdout; tests pass a stream to read back what was logged. */
  destination?: NodeJS.WritableStream | undefined;
};

export function createLogger(o: LoggerOptions): Logger {
  const redactor = o.redactor;
  return pino(
    {
      level: o.level ?? "info",
      base: { pid: process.pid },
      redact: { paths: SECRET_PATHS, censor: REDACTED },
      serializers: {
        err: (err: unknown) =>
          err instanceof Error
            ? { type: err.name, message: redactor.redact(err.message), stack: redactor.redact(err.stack ?? "") }
            : { message: redactor.redact(String(err)) },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? redactor.redact(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    (o.destination ?? process.stdout) as pino.DestinationStream,
  );
}

/** A short id tying together every log line and event of one reconcile pass. */
export function newReconcileId(): string {
  return randomUUID().slice(0, 8);
}
