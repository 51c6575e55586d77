// Merges what every member said into one FaunaDB view, with its provenance (issue 10). FaunaDB's cluster metadata
// is decided by a majority of the membership, so an operator may only act destructively on a view that a majority
// of the members it lists report alike; one member's word, or the first answer, is not enough.
import type { MemberStatus } from "../fauna/statusParse.ts";
import type { ReplicaSpec } from "../fauna/wire.ts";

/** One member pod's own view: its identity, then what it reports of the cluster (null when those calls failed). */
export interface MemberView {
  pod: string;
  hostId: string;
  members: MemberStatus[] | null;
  replication: { replicas: ReplicaSpec[]; etag: string | null } | null;
  movementIdle: boolean | null;
}

export interface Provenance {
  /** Pods whose view is the merged one. */
  agreeing: string[];
  /** Pods that answered as members but reported another view (or a view without themselves in it). */
  disagreeing: string[];
  /** Addresses of hosts in the merged membership that gave no view (pod not running, unreachable, call failed). */
  silent: string[];
  /** Hosts in the merged membership that vote: those still holding an address (departed hosts show `n/a`). */
  voters: number;
  /** floor(voters / 2) + 1. */
  quorum: number;
  /** A majority of the voters reported the merged view, and no other view was as common. */
  confirmed: boolean;
  /** For each host ID, how many agreeing views (its own excluded) report it down. */
  downVotes: Record<string, number>;
}

export interface FaunaObservation {
  /** The merged membership; null when no member gave a view. */
  members: MemberStatus[] | null;
  replication: { replicas: ReplicaSpec[]; etag: string | null } | null;
  /** True only when every agreeing member reports movement idle; null when unknown. */
  movementIdle: boolean | null;
  provenance: Provenance;
}

/** Departed hosts that still own segments are listed with this address (ClusterStatus.scala, FACTS Corrections). */
export const DEPARTED_ADDRESS = "n/a";

export const inMembership = (m: MemberStatus): boolean => m.address !== DEPARTED_ADDRESS;

export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

export const NO_VIEW: FaunaObservation = {
  members: null,
  replication: null,
  movementIdle: null,
  provenance: { agreeing: [], disagreeing: [], silent: [], voters: 0, quorum: 1, confirmed: false, downVotes: {} },
};

/** What must be the same in two views for them to agree: who is a member, where, in which state, and the replica types. */
function viewKey(v: MemberView): string | null {
  if (v.members === null || v.replication === null) return null;
  if (!v.members.some((m) => m.hostId === v.hostId && inMembership(m))) return null; // a member that does not list itself
  const hosts = v.members.map((m) => `${m.hostId}|${m.replica}|${m.state}|${m.address}`).sort();
  const types = v.replication.replicas.map((r) => `${r.name}=${r.type}`).sort();
  return `${hosts.join(",")}#${types.join(",")}`;
}

export function mergeViews(views: readonly MemberView[]): FaunaObservation {
  const groups = new Map<string, MemberView[]>();
  const unusable: string[] = [];
  for (const v of views) {
    const key = viewKey(v);
    if (key === null) {
      unusable.push(v.pod);
      continue;
    }
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const ranked = [...groups.values()].sort((a, b) => b.length - a.length);
  const best = ranked[0];
  if (best === undefined) return { ...NO_VIEW, provenance: { ...NO_VIEW.provenance, disagreeing: unusable } };
  const tie = ranked[1] !== undefined && ranked[1].length === best.length;
  const first = best[0]!;
  const listed = first.members!;
  const voters = listed.filter(inMembership);
  const quorum = quorumOf(voters.length);
  const answered = new Set(best.map((v) => v.hostId));
  const downVotes: Record<string, number> = {};
  for (const m of listed) downVotes[m.hostId] = best.filter((v) => v.hostId !== m.hostId && statusIn(v, m.hostId) === "down").length;
  const members = listed.map((m) => {
    // FaunaDB's failure detector decides, not whether the operator reached the host: a host its peers cannot hear
    // is down for the cluster even if it answers us. The majority of the other agreeing views decides.
    const observers = best.filter((v) => v.hostId !== m.hostId).length;
    const down = observers > 0 ? downVotes[m.hostId]! * 2 > observers : m.status === "down";
    return { ...m, status: down ? ("down" as const) : ("up" as const) };
  });
  const idle = best.map((v) => v.movementIdle);
  return {
    members,
    replication: first.replication,
    movementIdle: idle.some((i) => i === false) ? false : idle.every((i) => i === true) ? true : null,
    provenance: {
      agreeing: best.map((v) => v.pod),
      disagreeing: [...ranked.slice(1).flat().map((v) => v.pod), ...unusable],
      silent: voters.filter((m) => !answered.has(m.hostId)).map((m) => m.address),
      voters: voters.length,
      quorum,
      confirmed: !tie && best.length >= quorum,
      downVotes,
    },
  };
}

function statusIn(view: MemberView, hostId: string): "up" | "down" | undefined {
  return view.members?.find((m) => m.hostId === hostId)?.status;
}

/** A host a majority of the voters report down (the guard's standard for a forced removal). */
export function downConfirmed(fauna: FaunaObservation, hostId: string): boolean {
  return fauna.provenance.confirmed && (fauna.provenance.downVotes[hostId] ?? 0) >= fauna.provenance.quorum;
}
