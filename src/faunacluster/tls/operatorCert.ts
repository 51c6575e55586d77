// The operator's client certificate for a cluster's admin API (mutual TLS, issue 13): issued from that cluster's
// CA, in memory only (never stored), one per CA, re-issued when a third of its validity is left. Its key is made on
// libuv's thread pool, so many clusters starting at once do not stall the event loop.
import { createHash } from "node:crypto";
import type { AdminTls } from "../../fauna/transport.ts";
import { issueCertAsync, needsRenewal, type KeyPair } from "./pki.ts";

const VALIDITY_DAYS = 30;

export class OperatorCertificates {
  readonly #byCa = new Map<string, Promise<KeyPair>>();
  readonly #commonName: string;
  readonly #now: () => number;

  constructor(o: { commonName: string; now?: () => number }) {
    this.#commonName = o.commonName;
    this.#now = o.now ?? Date.now;
  }

  /** TLS options for calls to nodes whose certificates this CA issued. */
  async for(ca: KeyPair): Promise<AdminTls> {
    const id = createHash("sha256").update(ca.cert).digest("hex");
    let pending = this.#byCa.get(id);
    const current = pending ? await pending.catch(() => undefined) : undefined;
    if (!current || needsRenewal(current.cert, this.#now())) {
      pending = issueCertAsync(ca, { commonName: this.#commonName, usage: "client", now: new Date(this.#now()), days: VALIDITY_DAYS });
      this.#byCa.set(id, pending);
    }
    const mine = await pending!;
    return { ca: ca.cert, cert: mine.cert, key: mine.key };
  }
}
