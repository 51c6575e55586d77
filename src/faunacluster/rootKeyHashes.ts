// Pods get BCrypt hashes of the root key (`auth_root_key_hashes`), never the key: FaunaDB checks a secret against
// each hash (`FaunaApp.setupRootKeys`, `util/BCrypt.scala`), so during a rotation a pod can accept the old key and the
// new one. planRootKeyHashes decides, without I/O, which hashes each replica's faunadb.yml template carries:
//   1. a key that no template's hash matches is added beside the old hashes, one replica at a time;
//   2. once every replica carries it and every StatefulSet has rolled out (pods Ready on the new template), the
//      operator switches to the new key, and the hashes that do not match it are removed, one replica at a time.
// A replica changes only while every StatefulSet is rolled out, so pods roll one replica at a time (the StatefulSet
// itself rolls its pods one at a time, each waiting for the previous to be Ready).
import bcrypt from "bcryptjs";
import { ROOT_KEY_HASHES_KEY } from "../api/faunaConfig.ts";
/** BCrypt cost: each first check of a secret against a hash costs a node 2^10 rounds (FaunaDB caches the result). */
const ROUNDS = 10;

/**
 * A `$2a$` BCrypt hash: FaunaDB's jBCrypt 0.4 refuses other revisions. bcryptjs writes `$2b$`, which differs from
 * `$2a$` only for secrets of 255 bytes or more (root keys are far shorter), so the prefix is all that changes.
 */
export function hashRootKey(key: string): string {
  const hash = bcrypt.hashSync(key, ROUNDS).replace(/^\$2b\$/, "$2a$");
  // The hash just made matches its key: checking it again would block the event loop for another bcrypt run
  // (~0.3 s on 2 cores; with 50 new clusters at once, 15 s of stalled passes: issue 14's scale run).
  remember(hash, key, true);
  return hash;
}

const verified = new Map<string, boolean>();

function remember(hash: string, key: string, ok: boolean): void {
  if (verified.size > 4096) verified.clear();
  verified.set(`${hash}\u0000${key}`, ok);
}

/** Whether `key` matches `hash`; answers are remembered (a check costs ~100 ms), keyed by both. */
export function keyMatches(key: string, hash: string): boolean {
  const id = `${hash}\u0000${key}`;
  let ok = verified.get(id);
  if (ok === undefined) {
    ok = bcrypt.compareSync(key, hash);
    remember(hash, key, ok);
  }
  return ok;
}

/** The hashes a template carries (api/faunaConfig.ts writes them; undefined: none, e.g. a template from before hashes). */
export function hashesInTemplate(template: string | undefined): string[] | undefined {
  const line = template?.split("\n").find((l) => l.startsWith(`${ROOT_KEY_HASHES_KEY}:`));
  if (line === undefined) return undefined;
  try {
    const list: unknown = JSON.parse(line.slice(ROOT_KEY_HASHES_KEY.length + 1));
    return Array.isArray(list) && list.every((h) => typeof h === "string") ? list : undefined;
  } catch {
    return undefined;
  }
}

export type ReplicaHashes = {
  replica: string;
  /** What the replica's template carries now (undefined: no template yet, or one without hashes). */
  hashes: readonly string[] | undefined;
  /** Its StatefulSet runs the current template on every pod, all Ready (or it has no pod to run). */
  rolledOut: boolean;
};

export type HashPlanInput = {
  /** In spec order: the order replicas change in. */
  replicas: readonly ReplicaHashes[];
  /** The key's hash: one a template already carries if any matches the key, else a fresh one. */
  keyHash: string;
  matchesKey: (hash: string) => boolean;
};

export type Rotation = {
  phase: "adding" | "removing";
  /** The replica changing now, or the next to change once every rollout is done. */
  replica: string;
  /** Replicas done with this phase, of `total`. */
  done: number;
  total: number;
  waitingForRollout: boolean;
  /** Why a rotation that has not begun waits (topology work in flight): nothing changes until it is done. */
  deferred?: string | undefined;
};

export type HashPlan = {
  /** What each replica's template must carry after this pass. */
  hashes: Record<string, string[]>;
  rotation: Rotation | undefined;
  /** Every pod accepts the key: the operator uses it (else the previous key while it knows it). */
  keyAccepted: boolean;
};

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((h, i) => h === b[i]);

export function planRootKeyHashes(input: HashPlanInput): HashPlan {
  const { replicas, keyHash, matchesKey } = input;
  const known = replicas.filter((r): r is ReplicaHashes & { hashes: readonly string[] } => r.hashes !== undefined);
  const hashes: Record<string, string[]> = {};
  // No template has hashes yet (a new cluster, or pods on a cleartext key): the key's hash everywhere at once.
  if (known.length === 0) {
    for (const r of replicas) hashes[r.replica] = [keyHash];
    return { hashes, rotation: undefined, keyAccepted: true };
  }
  const adding = known.some((r) => !r.hashes.some(matchesKey));
  const desired = (current: readonly string[]): string[] => {
    if (adding) return current.some(matchesKey) ? [...current] : [...current, keyHash];
    const kept = current.filter(matchesKey);
    return kept.length > 0 ? kept : [keyHash];
  };
  // A replica without a template yet starts on the phase's target: the old hashes plus the key while adding.
  const model = known[0]!.hashes;
  for (const r of replicas) hashes[r.replica] = r.hashes === undefined ? desired(adding ? model : [keyHash]) : [...r.hashes];
  const pending = known.filter((r) => !same(r.hashes, desired(r.hashes)));
  const allRolledOut = replicas.every((r) => r.rolledOut);
  // Every pod accepts the key once every template carries it and the last of those rolled out; a replica that has
  // already dropped the other hashes shows that moment has passed.
  const keyAccepted = !adding && (allRolledOut || known.some((r) => r.hashes.every(matchesKey)));
  const next = pending[0];
  if (next === undefined) return { hashes, rotation: undefined, keyAccepted };
  const rotation: Rotation = {
    phase: adding ? "adding" : "removing",
    replica: next.replica,
    done: known.length - pending.length,
    total: known.length,
    waitingForRollout: !allRolledOut,
  };
  if (allRolledOut) hashes[next.replica] = desired(next.hashes);
  return { hashes, rotation, keyAccepted };
}

/**
 * A rotation not begun yet (no template carries the new key's hash) waits while topology work is in flight: the
 * rotation holds topology work while it runs, and pods of a replica being drained would keep the old hashes.
 */
export function deferRotation(plan: HashPlan, current: readonly ReplicaHashes[], busy: string | undefined): HashPlan {
  const r = plan.rotation;
  if (!r || busy === undefined || r.phase !== "adding" || r.done > 0) return plan;
  const hashes: Record<string, string[]> = {};
  for (const c of current) hashes[c.replica] = c.hashes ? [...c.hashes] : plan.hashes[c.replica] ?? [];
  return { hashes, rotation: { ...r, deferred: busy }, keyAccepted: false };
}

export function rotationMessage(r: Rotation): string {
  if (r.deferred) return `a new root key waits until ${r.deferred}`;
  const what = r.phase === "adding" ? "adding the new root key's hash beside the old one" : "removing the old root key's hash";
  const where = r.waitingForRollout ? `waiting for the rollout before ${r.replica}` : `rolling ${r.replica}'s pods one at a time`;
  return `${what}: ${r.done} of ${r.total} replicas done, ${where}`;
}
