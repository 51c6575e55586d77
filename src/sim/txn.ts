// The simulator's transaction ordering (pure parts). FaunaDB orders transactions through its log (Calvin) and
// checks each one's reads against the versions current at its log position (optimistic concurrency; a failed
// check is `contended transaction`, `ext/api/src/main/scala/api/fql1/APIResponse.scala`). The simulator has no
// deterministic log apply, so one node plays the sequencer: the leader of log segment 0. It holds per-key locks
// while a transaction's writes go to the log, checks reads against the newest version its log holds, and stamps
// every version of a key with a time later than the one before. These are the rules; node.ts moves the messages.

/** A read as the query saw it: the key and the version's time (null: the document did not exist). */
export type ReadVersion = [key: string, ts: number | null];

/**
 * Whether a read is still current. `latest` is the newest version the sequencer's log holds (undefined: its log
 * never saw the key, e.g. written before it joined, so it cannot object). A read newer than the log's is a
 * version committed past this sequencer (a leader change): current as far as it can tell.
 */
export function readIsCurrent(seen: number | null, latest: number | undefined): boolean {
  if (latest === undefined) return true;
  return seen !== null && seen >= latest;
}

/** The stale reads among `reads` (empty: all current). */
export function staleReads(reads: readonly ReadVersion[], latest: (key: string) => number | undefined): string[] {
  return reads.filter(([k, ts]) => !readIsCurrent(ts, latest(k))).map(([k]) => k);
}

/** A transaction's time: the sequencer's clock, but later than every version it read or overwrites. */
export function txnTime(clockMs: number, reads: readonly ReadVersion[], writtenKeys: readonly string[], latest: (key: string) => number | undefined): number {
  let floor = 0;
  for (const [, ts] of reads) if (ts !== null) floor = Math.max(floor, ts + 1);
  for (const k of writtenKeys) floor = Math.max(floor, (latest(k) ?? -1) + 1);
  return Math.max(clockMs, floor);
}

/** Per-key exclusive locks, taken in key order (no deadlock between two transactions). */
export class KeyLocks {
  private readonly held = new Map<string, Promise<void>>();

  isLocked(key: string): boolean {
    return this.held.has(key);
  }

  /** Waits for and takes every key; resolves to the release function. */
  async acquire(keys: Iterable<string>): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    for (const k of sorted) {
      while (this.held.has(k)) await this.held.get(k);
      let release!: () => void;
      const p = new Promise<void>((r) => (release = r));
      this.held.set(k, p);
      releases.push(() => {
        if (this.held.get(k) === p) this.held.delete(k);
        release();
      });
    }
    return () => {
      for (const r of releases) r();
    };
  }
}

/**
 * Waits for a log segment's appends until a majority took the entry and its leader answered (the leader orders
 * the entry; its clock sets the transaction time, FACTS §8), or until every append settled: a member that died but
 * is not yet seen down must not hold the commit for its timeout. Resolves to the clocks that answered by then.
 */
export function segmentAcks(appends: { host: string; ack: Promise<number> }[], leader: string | undefined, majority: number): Promise<{ clocks: number[]; quorum: boolean }> {
  return new Promise((resolve) => {
    const clocks: number[] = [];
    let settled = 0;
    let leaderDone = leader === undefined;
    let done = false;
    const check = () => {
      if (done) return;
      if ((clocks.length >= majority && leaderDone) || settled === appends.length) {
        done = true;
        resolve({ clocks: [...clocks], quorum: clocks.length >= majority });
      }
    };
    for (const a of appends) {
      a.ack.then(
        (clock) => {
          clocks.push(clock);
          if (a.host === leader) leaderDone = true;
          settled++;
          check();
        },
        () => {
          if (a.host === leader) leaderDone = true;
          settled++;
          check();
        },
      );
    }
    check();
  });
}

/** The answers of `asks` as soon as `need` of them have come (or every one settled, with fewer): a quorum read. */
export function firstAnswers<T>(asks: readonly Promise<T>[], need: number): Promise<T[]> {
  return new Promise((resolve) => {
    const answers: T[] = [];
    let settled = 0;
    const check = () => {
      if (answers.length >= need || settled === asks.length) resolve([...answers]);
    };
    for (const ask of asks)
      ask.then(
        (a) => {
          answers.push(a);
          settled++;
          check();
        },
        () => {
          settled++;
          check();
        },
      );
    check();
  });
}

/** Whether every read is current by the newest versions one log member holds (`versions[i]` for `reads[i]`; null: none). */
export function currentBy(reads: readonly ReadVersion[], versions: readonly (number | null)[]): boolean {
  return reads.every(([, ts], i) => readIsCurrent(ts, versions[i] ?? undefined));
}
