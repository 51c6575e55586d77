// Secret scrubbing for anything that leaves the process as text (events, logs): known secret values are replaced
// wherever they appear, and credential-shaped headers are masked even when their value was never registered.

export const REDACTED = "[REDACTED]";
const AUTH_HEADER = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/g;

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a value that must never be shown; values shorter than 4 characters would mangle ordinary text. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 4) this.#secrets.add(secret);
  }

  redact(text: string): string {
    let out = text.replace(AUTH_HEADER, `$1 ${REDACTED}`);
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
}
