// An in-memory LeaseStore with resourceVersion semantics, shared by candidates in tests and simulations.
// `down` holds callers whose calls fail as if the API server were unreachable from them.
import type { LeaseRecord, LeaseStore, StoredLease } from "./leader.ts";

export class MemoryLeaseStore {
  stored: StoredLease | undefined;
  readonly down = new Set<string>();
  #version = 0;

  forCaller(caller: string): LeaseStore {
    const check = () => {
      if (this.down.has(caller)) throw new Error(`lease store unreachable from ${caller}`);
    };
    return {
      description: `memory lease (${caller})`,
      get: async () => (check(), this.stored && structuredClone(this.stored)),
      create: async (record: LeaseRecord) => {
        check();
        if (this.stored) throw new Error("lease already exists");
        return this.#put(record);
      },
      update: async (record: LeaseRecord, version: string) => {
        check();
        if (!this.stored || this.stored.version !== version) throw new Error("lease conflict: stale version");
        return this.#put(record);
      },
    };
  }

  #put(record: LeaseRecord): StoredLease {
    this.stored = { record: { ...record }, version: String(++this.#version) };
    return structuredClone(this.stored);
  }
}
