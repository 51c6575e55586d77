// The operator's client certificate for a cluster's admin API (mutual TLS, issue 13): issued from that cluster's
// CA, in memory only (never stored), one per CA, re-issued when a third of its validity is left. Its key is made on
// libuv's thread pool, so many clusters starting at once do not stall the event loop. A CA no pass has asked for in an
// hour (its cluster deleted, or its CA replaced) is forgotten, so the map does not grow with every cluster ever seen.
import { createHash } from "node:crypto";
import type { AdminTls } from "../../fauna/transport.ts";
import { issueCertAsync, needsRenewal, type KeyPair } from "./pki.ts";

const VALIDITY_DAYS = 30;
export const IDLE_EVICT_MS = 3_600_000;

export class OperatorCertificates {
  readonly #byCa = new Map<string, { pending: Promise<KeyPair>; usedAt: number }>();
  readonly #commonName: string;
  readonly #now: () => number;

  constructor(o: { commonName: string; now?: () => number }) {
    this.#commonName = o.commonName;
    this.#now = o.now ?? Date.now;
  }

  /** TLS options for calls to nodes whose certificates this CA issued. */
  async for(ca: KeyPair): Promise<AdminTls> {
    const now = this.#now();
    for (const [other, entry] of this.#byCa) if (now - entry.usedAt > IDLE_EVICT_MS) this.#byCa.delete(other);
    const id = createHash("sha256").update(ca.cert).digest("hex");
    let entry = this.#byCa.get(id);
    const current = entry ? await entry.pending.catch(() => undefined) : undefined;
    if (!entry || !current || needsRenewal(current.cert, now)) {
      entry = { pending: issueCertAsync(ca, { commonName: this.#commonName, usage: "client", now: new Date(now), days: VALIDITY_DAYS }), usedAt: now };
      this.#byCa.set(id, entry);
    }
    entry.usedAt = now;
    const mine = await entry.pending;
    return { ca: ca.cert, cert: mine.cert, key: mine.key };
  }

  /** How many CAs the operator holds a certificate for. */
  get size(): number {
    return this.#byCa.size;
  }
}
