// The simulated FaunaDB node: identity and persistence, the peer protocol (port 7500), failure detection, data
// movement, the write/read paths. The admin (8444) and API (8443) HTTP shells call into it (admin.ts, api.ts).
// The rules themselves live in model/cluster.ts; this file only moves messages, files and timers.
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, createServer as createTlsServer } from "node:https";
import { isIP } from "node:net";
import { join } from "node:path";
import type { Clock } from "./clock.ts";
import { advertisedPeerPort, type SimConfig } from "./config.ts";
import { FailureDetector } from "./model/failureDetector.ts";
import type { SimTuning } from "./settings.ts";
import { parseJsonObject, postJson, readBody, sendJson, type PeerReply } from "./http.ts";
import { guard, peerClientTls, peerServerTls } from "./tls.ts";
import {
  commitNeeds,
  emptyState,
  hasWholeReplicaAndLog,
  helloRefusal,
  logSegments,
  nextWorkerId,
  normalizeState,
  ownerInReplica,
  OWNERSHIP_EPSILON,
  ownershipGoal,
  quorum,
  segmentLeader,
  stateDigest,
  stepOwnership,
  supersedes,
  withAddress,
  withMember,
  withMovementFrom,
  withoutDeparted,
  withSegmentUnstuck,
  writeAvailable,
  type ClusterState,
  type Member,
} from "./model/cluster.ts";
import { departedOwnership, settledOwnership, type HostView } from "./model/status.ts";
import { currentBy, firstAnswers, KeyLocks, segmentAcks, staleReads, txnTime, type ReadVersion } from "./txn.ts";

/** A stored document or collection: the unit that is written to the log and to data replicas. */
export interface Doc {
  key: string;
  collection: string;
  id: string;
  ts: number;
  data: Record<string, unknown>;
}

interface Identity {
  hostId: string;
  replicaName?: string;
}

interface PeerInfo {
  /** The peer's process start: a new one means it restarted (FailureService `hostRestarted`). */
  generation: number;
  /** Its heartbeat version: one per check interval; only a newer one counts as an arrival (FailureService recvSyn). */
  beat: number;
  owns: number;
  needsCleanup: boolean;
  persistedTimestamp?: string;
}

export class ClusterError extends Error {
  readonly status: number;
  readonly code: string;
  /** Why, for the node's log: FaunaDB's answer says only "Request timed out.". */
  readonly detail: string | undefined;
  constructor(status: number, code: string, message: string, detail?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

const PEER_TIMEOUT_MS = 800;
const PEER_IDLE_MS = 30_000;
const PEER_KEEP_ALIVE_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Under FAUNA_SIM_FAULT_NON_ATOMIC, the pause between two writes of one query: wide enough for others to interleave. */
const NON_ATOMIC_GAP_MS = 30;

/** How far before its last successful catch-up a node asks the log again: a version stamped earlier can arrive later. */
const CATCH_UP_OVERLAP_MS = 30_000;

const timedOut = (detail?: string) => new ClusterError(503, "time out", "Request timed out.", detail);
const contended = () => new ClusterError(409, "contended transaction", "Transaction was aborted due to detection of concurrent modification.");

export class SimNode {
  readonly config: SimConfig;
  readonly clock: Clock;
  readonly tuning: SimTuning;
  identity: Identity;
  state: ClusterState;
  owns = 0;
  /** Log catch-up applies entries from this time on; older data comes only by movement (FACTS §7.5). */
  dataSince = 0;
  docs = new Map<string, Doc>();
  logEntries = new Map<string, Doc>();
  peers = new Map<string, PeerInfo>();
  dropAckedWrites: boolean;
  /** Fault switch: admin requests from a User-Agent containing this get their connection reset (admin.ts). */
  cutOffAgent: string | null = null;
  /** Fault switch FAUNA_SIM_FAULT_NON_ATOMIC=1: a query's writes commit one by one, unlocked, reads unchecked. */
  nonAtomic: boolean;
  private readonly locks = new KeyLocks();
  shuttingDown = false;
  /**
   * Cluster services started (`CassandraService.running`): after init, after a join's daemon start, or after a
   * restarted member's startDaemon found its worker ID, a whole data replica and a log replica (FACTS Corrections 3).
   */
  running = false;
  readonly startedAt: number;
  readonly generation = Date.now();
  private beat = 0;
  private peerOwnsChanged = false;
  readonly fd: FailureDetector;
  private cleaning = false;
  /** An init in progress (admin.ts): a second init waits for it. */
  initializing: Promise<boolean> | undefined;
  private peerServers: Server[] = [];
  /** The TLS side of the bus (level dc or all): one keep-alive agent, so peers resume TLS sessions as Netty's pooled connections stay open. */
  private readonly peerAgent: HttpsAgent | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastTick: number;
  private pendingAddressUpdate = false;
  private pendingUnstick = false;
  private catchupAt = 0;
  /** When the last catch-up from a log host succeeded: the next asks from a little before it (see catchUp). */
  private caughtUpAt = 0;
  /** This node's log made complete since it became the sequencer (see completeSequencerLog); unset otherwise. */
  private sequencerLog: Promise<void> | undefined;
  private ticking = false;
  private proposing: Promise<void> = Promise.resolve();
  onMember: (() => void) | undefined;

  constructor(config: SimConfig, clock: Clock, tuning: SimTuning) {
    this.config = config;
    this.clock = clock;
    this.tuning = tuning;
    this.dropAckedWrites = tuning.faultDropAckedWrites === 1;
    this.nonAtomic = tuning.faultNonAtomic === 1;
    this.fd = new FailureDetector(tuning.checkIntervalMs, clock.monotonic());
    this.startedAt = clock.now();
    this.lastTick = clock.monotonic();
    // The sender drops an idle bus connection before the receiver would (PEER_IDLE_MS < PEER_KEEP_ALIVE_MS), so a
    // request is never put on a socket the receiver is closing (http.ts postJson).
    if (config.peerEncryption.level !== "none") this.peerAgent = new HttpsAgent({ keepAlive: true, timeout: PEER_IDLE_MS, ...peerClientTls(config.peerEncryption) });
    // FACTS §3.5: everything persistent lives under storage_data_path; tmp is wiped at each start.
    for (const d of ["data", "system", "scopes"]) mkdirSync(join(config.dataPath, d), { recursive: true });
    rmSync(join(config.dataPath, "tmp"), { recursive: true, force: true });
    this.identity = this.loadIdentity();
    this.state = normalizeState(this.readJson<ClusterState>("system/cluster.json") ?? emptyState());
    const meta = this.readJson<{ owns: number; dataSince: number; peerOwns?: Record<string, number> }>("system/node.json");
    if (meta) ({ owns: this.owns, dataSince: this.dataSince } = meta);
    this.learnOwns(meta?.peerOwns ?? {});
    for (const d of this.readJsonl<Doc>("data/docs.jsonl")) this.docs.set(d.key, d);
    for (const d of this.readJsonl<Doc>("scopes/log.jsonl")) this.logEntries.set(d.key, d);
    const me = this.self();
    if (me) {
      // FACTS §3.4: a restart with intact data rejoins by itself; a new address is re-announced.
      this.pendingAddressUpdate = me.address !== config.broadcastAddress || me.peerPort !== advertisedPeerPort(config);
      if (this.pendingAddressUpdate)
        this.log(`This node's address ${config.broadcastAddress} does not match its address ${me.address} known by the rest of the cluster. New address will be made known to the cluster.`);
      this.pendingUnstick = true;
    }
    this.log(`Identified as ${this.identity.hostId} at ${config.broadcastAddress}.`);
  }

  // ---- persistence ------------------------------------------------------------------------------------------------

  private path(rel: string): string {
    return join(this.config.dataPath, rel);
  }
  private readJson<T>(rel: string): T | undefined {
    const p = this.path(rel);
    return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as T) : undefined;
  }
  private writeJson(rel: string, value: unknown): void {
    const p = this.path(rel);
    writeFileSync(`${p}.tmp`, JSON.stringify(value));
    renameSync(`${p}.tmp`, p);
  }
  private readJsonl<T>(rel: string): T[] {
    const p = this.path(rel);
    if (!existsSync(p)) return [];
    return readFileSync(p, "utf8").split("\n").filter((l) => l.trim() !== "").flatMap((l) => {
      try {
        return [JSON.parse(l) as T];
      } catch {
        return []; // a torn last line after a crash
      }
    });
  }
  private loadIdentity(): Identity {
    const id = this.readJson<Identity>("data/identity.json");
    if (id) return id;
    const fresh = { hostId: randomUUID() };
    this.writeJson("data/identity.json", fresh);
    return fresh;
  }
  /** FACTS §3.4: the replica name is written at the first init/join, even if the join then fails. */
  setReplicaName(name: string): void {
    this.identity = { ...this.identity, replicaName: name };
    this.writeJson("data/identity.json", this.identity);
  }
  /** Persists the cluster state and ownership after a local change (init). */
  persist(): void {
    this.writeJson("system/cluster.json", this.state);
    this.saveMeta();
  }
  /** Takes `state` if it supersedes ours (version, then digest); true when ours is now exactly `state`. */
  private adopt(incoming: ClusterState): boolean {
    const state = normalizeState(incoming);
    if (!supersedes(state, this.state)) return stateDigest(state) === stateDigest(this.state);
    this.state = state;
    this.writeJson("system/cluster.json", state);
    return true;
  }
  /**
   * Ownership is topology, which FaunaDB replicates and persists: a node that just joined or restarted knows what the
   * others own before it hears from them (only whether they are up must wait for heartbeats). Here the last known
   * figures are kept on disk and handed over in the Hello answer; heartbeats keep them current.
   */
  private saveMeta(): void {
    const members = new Set(this.state.members.map((m) => m.hostId));
    const peerOwns = Object.fromEntries([...this.peers].filter(([h]) => members.has(h)).map(([h, p]) => [h, p.owns]));
    this.writeJson("system/node.json", { owns: this.owns, dataSince: this.dataSince, peerOwns });
  }
  private learnOwns(owns: Record<string, unknown>): void {
    for (const [h, o] of Object.entries(owns))
      if (h !== this.identity.hostId && !this.peers.has(h)) this.peers.set(h, { generation: 0, beat: -1, owns: Number(o), needsCleanup: false });
  }
  private ownsMap(): Record<string, number> {
    return Object.fromEntries([...this.views()].map(([h, v]) => [h, v.owns]));
  }
  storeDoc(doc: Doc): void {
    const old = this.docs.get(doc.key);
    if (old && old.ts >= doc.ts) return;
    this.docs.set(doc.key, doc);
    appendFileSync(this.path("data/docs.jsonl"), JSON.stringify(doc) + "\n");
  }
  /** The log keeps the newest version of each key (catch-up applies it; the sequencer checks reads against it). */
  private storeLog(doc: Doc): void {
    const old = this.logEntries.get(doc.key);
    if (old && old.ts >= doc.ts) return;
    this.logEntries.set(doc.key, doc);
    appendFileSync(this.path("scopes/log.jsonl"), JSON.stringify(doc) + "\n");
  }

  // ---- views -------------------------------------------------------------------------------------------------------

  log(line: string): void {
    process.stderr.write(`${new Date(this.clock.now()).toISOString()} ${line}\n`);
  }
  self(): Member | undefined {
    return this.state.members.find((m) => m.hostId === this.identity.hostId);
  }
  isMember(): boolean {
    return this.self() !== undefined;
  }
  /** `CassandraService` exists once a replica name is stored (`maybeStart`, or init/join storing it). */
  serviceStarted(): boolean {
    return this.identity.replicaName !== undefined;
  }
  /** Hosts this node sees up: itself, and members its phi-accrual failure detector believes alive. */
  upSet(): Set<string> {
    const up = new Set<string>();
    if (this.isMember() && !this.shuttingDown) up.add(this.identity.hostId);
    for (const m of this.state.members) if (m.hostId !== this.identity.hostId && this.fd.isAlive(m.hostId)) up.add(m.hostId);
    return up;
  }
  /**
   * The waitables of `CassandraService.startDaemon` for a member: its worker ID and a topology with a whole data
   * replica among the members and a log replica (`waitForWorkerID`, `waitUntilRegionHasWholeReplicaAndLog`). Both
   * read the node's own persisted metadata, not its peers: FaunaDB's MembershipApiSpec restarts a whole cluster one
   * node at a time and each node answers on 8444 before the next starts.
   */
  daemonReady(): boolean {
    const me = this.self();
    return me !== undefined && Number.isInteger(me.workerId) && hasWholeReplicaAndLog(this.state);
  }
  /**
   * Segments whose leader (as this node sees it) changed less than a check interval ago: their leader flag reads
   * false meanwhile (model/status.ts statusResponse). Updated on every tick and every status request.
   */
  electingSegments(): Set<number> {
    const up = this.upSet();
    const now = this.clock.monotonic();
    const out = new Set<number>();
    for (const seg of logSegments(this.state)) {
      const leader = segmentLeader(this.state, seg, up);
      const known = this.leaders.get(seg.id);
      if (!known || known.leader !== leader) this.leaders.set(seg.id, { leader, since: known ? now : -Infinity });
      if (now - this.leaders.get(seg.id)!.since < this.tuning.checkIntervalMs) out.add(seg.id);
    }
    return out;
  }
  private readonly leaders = new Map<number, { leader: string | undefined; since: number }>();

  /** `StorageCleaner.needsCleanup`: this node holds data outside what it owns in its replica. */
  needsCleanup(): boolean {
    const me = this.self();
    if (!me) return false;
    for (const d of this.docs.values()) if (ownerInReplica(this.state, me.replica, d.key) !== me.hostId) return true;
    return false;
  }
  /**
   * A peer's heartbeat arrived (in its request or in its answer to ours). Only a newer heartbeat version is an arrival
   * for the failure detector, so a host is sampled once per check interval however many ways it is heard; a new
   * generation (it restarted) resets its arrival history first (FailureService `markAlive`, `hostRestarted`).
   */
  private heard(hostId: string, body: Record<string, unknown>): void {
    const generation = Number(body.generation ?? 0);
    const beat = Number(body.beat ?? 0);
    const known = this.peers.get(hostId);
    if (known?.owns !== Number(body.owns ?? 0)) this.peerOwnsChanged = true;
    if (known && known.generation !== generation) this.fd.remove(hostId);
    const fresh = !known || known.generation !== generation || beat > known.beat;
    if (fresh) this.fd.mark(hostId, this.clock.monotonic());
    this.peers.set(hostId, {
      generation,
      beat: fresh ? beat : known.beat,
      owns: Number(body.owns ?? 0),
      needsCleanup: body.needsCleanup === true,
      ...(typeof body.persistedTimestamp === "string" ? { persistedTimestamp: body.persistedTimestamp } : {}),
    });
  }
  views(): Map<string, HostView> {
    const up = this.upSet();
    const out = new Map<string, HostView>();
    for (const m of this.state.members) {
      const p = this.peers.get(m.hostId);
      if (m.hostId === this.identity.hostId)
        out.set(m.hostId, { up: up.has(m.hostId), owns: this.owns, persistedTimestamp: new Date(this.clock.now()).toISOString() });
      else out.set(m.hostId, { up: up.has(m.hostId), owns: p?.owns ?? 0, ...(p?.persistedTimestamp ? { persistedTimestamp: p.persistedTimestamp } : {}) });
    }
    // Departed owners are listed too; every share is then made consistent as topology (model/status.ts).
    for (const d of this.state.departed) out.set(d.hostId, { up: false, owns: d.owns });
    const settled = settledOwnership(this.state, new Map([...out].map(([h, v]) => [h, v.owns])));
    for (const [h, v] of out) v.owns = settled.get(h) ?? v.owns;
    return out;
  }
  // ---- peer protocol ---------------------------------------------------------------------------------------------

  private peerHeaders(): Record<string, string> {
    return { "x-fauna-cluster": this.config.clusterName, ...(this.identity.replicaName ? { "x-fauna-zone": this.identity.replicaName } : {}) };
  }
  /** The listen address when it is one IP (a pod IP): peer traffic leaves from it. */
  private sourceAddress(): string | undefined {
    const a = this.config.listenAddress;
    return isIP(a) !== 0 && a !== "0.0.0.0" && a !== "::" ? a : undefined;
  }
  private send(m: Pick<Member, "address" | "peerPort"> & { replica?: string }, path: string, body: unknown, timeout = PEER_TIMEOUT_MS) {
    const level = this.config.peerEncryption.level;
    // dc: a peer of this node's own replica is reached in cleartext on its zone-limited bus port (MessageBus aliases).
    if (level === "none" || (level === "dc" && m.replica !== undefined && m.replica === this.identity.replicaName))
      return postJson(m.address, level === "none" ? m.peerPort : this.config.peerPort, path, body, timeout, this.peerHeaders(), this.sourceAddress());
    return postJson(m.address, m.peerPort, path, body, timeout, this.peerHeaders(), this.sourceAddress(), this.peerAgent);
  }

  /**
   * Replicates a metadata change, computed from this node's state when its turn comes (one change at a time per
   * node): accepted by a majority of the members before the change (model/cluster.ts commitNeeds, FACTS §7.2).
   * Simplification: there is no Raft log; a minority that took a change that then failed keeps it until a state
   * that supersedes it reaches them (model/cluster.ts supersedes), so all nodes end on one state.
   */
  propose(change: (state: ClusterState) => ClusterState): Promise<void> {
    const turn = this.proposing.then(() => this.replicate(change(this.state)));
    this.proposing = turn.catch(() => undefined);
    return turn;
  }

  private async replicate(next: ClusterState): Promise<void> {
    const before = this.state;
    if (next === before) return;
    const targets = new Map<string, Member>();
    for (const m of [...before.members, ...next.members]) if (m.hostId !== this.identity.hostId) targets.set(m.hostId, m);
    const replies = await Promise.allSettled(
      [...targets.values()].map(async (m) => ({ m, r: await this.send(m, "/peer/propose", { state: next }) })),
    );
    const before_ids = new Set(before.members.map((m) => m.hostId));
    let accepted = before_ids.has(this.identity.hostId) ? 1 : 0;
    for (const r of replies) if (r.status === "fulfilled" && r.value.r.body.accepted === true && before_ids.has(r.value.m.hostId)) accepted++;
    if (accepted < commitNeeds(before))
      throw new ClusterError(503, "time out", `Cluster metadata change was not accepted by a majority (${accepted} of ${before.members.length}).`);
    this.adopt(next);
  }

  /** Binds the bus ports of the encryption level (tls.ts); rejects with the port that could not be bound. */
  async startPeer(): Promise<void> {
    const p = this.config.peerEncryption;
    const serve = (zoneOnly: boolean) => (req: IncomingMessage, res: ServerResponse) => {
      const refused = zoneOnly && req.headers["x-fauna-zone"] !== this.identity.replicaName;
      void (refused ? Promise.reject(new ClusterError(403, "zone", "cleartext bus is limited to this node's replica")) : this.handlePeer(req.url ?? "", req.headers["x-fauna-cluster"], req))
        .then((body) => sendJson(res, 200, body))
        .catch((e: unknown) => sendJson(res, e instanceof ClusterError ? e.status : 500, { error: e instanceof Error ? e.message : String(e), ...(e instanceof ClusterError && e.detail ? { detail: e.detail } : {}) }));
    };
    const ports: [Server, number][] = [];
    if (p.level !== "all") ports.push([createServer(serve(p.level === "dc")), this.config.peerPort]);
    if (p.level !== "none") {
      const tls = peerServerTls(p);
      const server = createTlsServer(tls.options, serve(false));
      server.keepAliveTimeout = PEER_KEEP_ALIVE_MS;
      guard(server, tls);
      ports.push([server, this.config.peerSecurePort]);
    }
    for (const [server, port] of ports) {
      await new Promise<void>((ok, fail) => {
        server.once("error", (e) => fail(new Error(`${this.config.listenAddress}:${port}: ${e.message}`)));
        server.listen(port, this.config.listenAddress, () => ok());
      });
      this.peerServers.push(server);
    }
    this.timer = setInterval(() => void this.tick(), this.tuning.checkIntervalMs);
  }

  private async handlePeer(url: string, cluster: string | string[] | undefined, req: import("node:http").IncomingMessage): Promise<unknown> {
    // The peer handshake rejects another cluster name (`InvalidClusterIDException`, FACTS §3.2).
    if (cluster !== this.config.clusterName) throw new ClusterError(403, "cluster", `InvalidClusterIDException: expected ${this.config.clusterName}`);
    if (this.shuttingDown) throw new ClusterError(503, "shutdown", "shutting down");
    const body = parseJsonObject(await readBody(req));
    switch (url) {
      case "/peer/heartbeat":
        this.heard(String(body.hostId), body);
        return this.heartbeatBody();
      case "/peer/needs-cleanup":
        return { needsCleanup: this.needsCleanup() };
      case "/peer/state":
        return { state: this.state };
      case "/peer/propose":
        return { accepted: this.adopt(body.state as ClusterState) };
      case "/peer/hello":
        return this.onHello(body);
      case "/peer/log-append": {
        if (!this.isMember()) throw new ClusterError(503, "member", "not a member");
        for (const d of (body.docs as Doc[] | undefined) ?? [body.doc as Doc]) this.storeLog(d);
        return { ok: true, clock: this.clock.now() };
      }
      case "/peer/txn":
        return this.sequence(body.reads as ReadVersion[], body.writes as Doc[]);
      case "/peer/validate":
        return this.validate(body.reads as ReadVersion[]);
      case "/peer/log-versions": {
        if (!this.isMember()) throw new ClusterError(503, "member", "not a member");
        return { versions: ((body.keys as string[] | undefined) ?? []).map((k) => this.latestVersion(k) ?? null) };
      }
      case "/peer/log-since": {
        const since = Number(body.since ?? 0);
        return { entries: [...this.logEntries.values()].filter((d) => d.ts >= since) };
      }
      case "/peer/apply":
        this.applyIfOwned(body.doc as Doc, true);
        return { ok: true };
      case "/peer/get":
        return { doc: this.owns > 0 ? (this.docs.get(String(body.key)) ?? null) : null, complete: Math.abs(this.owns - ownershipGoal(this.state, this.identity.hostId)) < OWNERSHIP_EPSILON };
      case "/peer/docs": {
        const prefix = typeof body.prefix === "string" ? body.prefix : "";
        return { docs: [...this.docs.values()].filter((d) => d.key.startsWith(prefix)) };
      }
      default:
        throw new ClusterError(404, "not found", url);
    }
  }

  private heartbeatBody() {
    return {
      hostId: this.identity.hostId,
      generation: this.generation,
      beat: this.beat,
      version: this.state.version,
      digest: stateDigest(this.state),
      owns: this.owns,
      needsCleanup: this.needsCleanup(),
      persistedTimestamp: new Date(this.clock.now()).toISOString(),
    };
  }

  /** Hello on the seed (`Hello.scala`): refusals, worker-ID assignment, then a replicated IntroduceHost. */
  private async onHello(body: Record<string, unknown>): Promise<unknown> {
    if (!this.isMember()) throw new ClusterError(503, "hello", "Seed is not a member of a cluster.");
    const hostId = String(body.hostId);
    const replica = String(body.replica);
    const refusal = helloRefusal(this.state, hostId, replica);
    if (refusal === "removed") throw new ClusterError(400, "hello", "This node was previously removed from the cluster. It needs new identity before it can rejoin.");
    if (refusal === "wrong replica") throw new ClusterError(400, "hello", `Host ${hostId} is a member of another replica.`);
    const known = this.state.members.find((m) => m.hostId === hostId);
    if (known) {
      if (known.address !== body.address || known.peerPort !== body.peerPort)
        await this.propose((s) => withAddress(s, hostId, String(body.address), Number(body.peerPort)));
      return { state: this.state, owns: this.ownsMap(), changed: false };
    }
    // The worker ID is picked from the state the change applies to: two Hellos in a row must not share one.
    await this.propose((s) => {
      if (s.members.some((m) => m.hostId === hostId)) return s;
      const workerId = nextWorkerId(s, this.config.minWorkerId, this.config.maxWorkerId);
      if (workerId === undefined) throw new ClusterError(500, "hello", "No free worker IDs are available.");
      const next = withMember(s, { hostId, address: String(body.address), peerPort: Number(body.peerPort), replica, workerId, leaving: false, joinedAt: this.clock.now() });
      return next.dataReplicas.includes(replica) ? withMovementFrom(next, this.clock.now() + this.tuning.movementStartMs) : next;
    });
    return { state: this.state, owns: this.ownsMap(), changed: true };
  }

  /** Join through a seed (`host` or `host:port`, port = peer port, default ours); retries until the Hello timeout. */
  async join(seed: string): Promise<boolean> {
    if (this.isMember()) return false;
    const m = /^(.*?)(?::(\d+))?$/.exec(seed.trim())!;
    const target = { address: m[1]!, peerPort: m[2] ? Number(m[2]) : advertisedPeerPort(this.config) };
    const deadline = Date.now() + this.tuning.helloTimeoutMs;
    let lastError = "no answer";
    while (Date.now() < deadline) {
      try {
        const r = await this.send(target, "/peer/hello", { hostId: this.identity.hostId, address: this.config.broadcastAddress, peerPort: advertisedPeerPort(this.config), replica: this.identity.replicaName }, 5000);
        if (r.status === 200) {
          this.state = emptyState();
          this.adopt(r.body.state as ClusterState);
          this.learnOwns((r.body.owns ?? {}) as Record<string, unknown>);
          this.saveMeta();
          const seedHost = this.state.members.find((x) => x.address === target.address)?.hostId;
          if (seedHost) this.fd.mark(seedHost, this.clock.monotonic());
          // `startDaemonAfter(membership.join(..))`: a member now, the join answers once the daemon has started.
          await sleep(this.tuning.daemonStartMs);
          this.running = true;
          this.onMember?.();
          return r.body.changed === true;
        }
        lastError = String(r.body.error ?? r.status);
        if (r.status === 400) throw new ClusterError(500, "internal server error", lastError);
      } catch (e) {
        if (e instanceof ClusterError) throw e;
        lastError = e instanceof Error ? e.message : String(e);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new ClusterError(500, "hello timeout", `Timed out waiting for a Hello answer from ${seed}: ${lastError}`);
  }

  // ---- the periodic tick: heartbeats, catch-up, movement ------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.ticking || this.shuttingDown) return;
    this.ticking = true;
    try {
      const now = this.clock.monotonic();
      const dt = now - this.lastTick;
      this.lastTick = now;
      this.beat++;
      const others = this.state.members.filter((m) => m.hostId !== this.identity.hostId);
      if (!this.isMember()) return;
      const replies = await Promise.allSettled(others.map((m) => this.send(m, "/peer/heartbeat", this.heartbeatBody())));
      let newest: Member | undefined;
      let newestSeen = { version: this.state.version, digest: stateDigest(this.state) };
      replies.forEach((r, i) => {
        const m = others[i]!;
        if (r.status !== "fulfilled" || r.value.status !== 200) return;
        const b = r.value.body;
        // Liveness is per host ID, not per address: a node that came back at the same address with an empty disk
        // (a new identity) does not keep the old host up (FACTS §3.4); the old one stays down until it is removed.
        if (b.hostId !== m.hostId) return;
        this.heard(m.hostId, b);
        const seen = { version: Number(b.version), digest: String(b.digest ?? "") };
        if (seen.version > newestSeen.version || (seen.version === newestSeen.version && seen.digest > newestSeen.digest)) {
          newest = m;
          newestSeen = seen;
        }
      });
      if (newest) {
        const r = await this.send(newest, "/peer/state", {}).catch(() => undefined);
        if (r?.status === 200) this.adopt(r.body.state as ClusterState);
      }
      this.fd.interpret(others.map((m) => m.hostId), this.clock.monotonic());
      this.electingSegments();
      if (this.sequencer()?.hostId !== this.identity.hostId) this.sequencerLog = undefined;
      if (this.peerOwnsChanged) {
        this.peerOwnsChanged = false;
        this.saveMeta();
      }
      await this.maintenance(dt);
    } catch (e) {
      this.log(`tick failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async maintenance(dt: number): Promise<void> {
    const me = this.self();
    if (!me) return;
    if (this.pendingAddressUpdate) {
      await this.propose((s) => withAddress(s, me.hostId, this.config.broadcastAddress, advertisedPeerPort(this.config))).then(
        () => (this.pendingAddressUpdate = false),
        () => undefined,
      );
    }
    if (this.pendingUnstick) {
      const next = withSegmentUnstuck(this.state, me.hostId);
      if (next === this.state) this.pendingUnstick = false;
      else await this.propose((s) => withSegmentUnstuck(s, me.hostId)).then(() => (this.pendingUnstick = false), () => undefined);
    }
    // A leaving node never leaves membership by itself: it stays `removed` with Owns 0 until a forced remove
    // (NodeRemoval.scala: markLeaving only; the listener its comment names does not exist; FACTS Corrections 2).
    await this.pruneDeparted();
    await this.moveData(dt);
    await this.catchUp();
  }

  /** The first member by host ID prunes departed hosts that own nothing any more (one proposer, no storm). */
  private async pruneDeparted(): Promise<void> {
    if (this.state.departed.length === 0) return;
    const first = [...this.state.members].sort((a, b) => a.hostId.localeCompare(b.hostId))[0];
    if (first?.hostId !== this.identity.hostId) return;
    const views = this.views();
    const gone = this.state.departed.filter((d) => departedOwnership(d, views) === 0).map((d) => d.hostId);
    if (gone.length > 0) await this.propose((s) => withoutDeparted(s, gone)).catch(() => undefined);
  }

  /**
   * Data movement (FACTS §7.3, §7.5; `Repartitioner.scala`, `TopologyReconciler.scala`): a receiving node's Owns
   * moves toward its Goal at a whole ring per ringMoveMs, from the moment the change's movementFrom has passed, while
   * some node of a data replica is up to stream from (if no node holds data at all, the range is claimed without
   * streaming). When it arrives, the node copies the documents it now owns from the holders. A node giving ranges away
   * (leaving, or its replica grew) keeps what the takers do not hold yet (model/status.ts settledOwnership); a replica
   * turned compute drops its topology, so its nodes own nothing at once.
   */
  private async moveData(dt: number): Promise<void> {
    const before = this.owns;
    await this.stepData(dt);
    // Reaching the goal is a topology change FaunaDB replicates to every node at once; gossip would take a beat.
    if (this.owns !== before && this.owns === ownershipGoal(this.state, this.identity.hostId)) this.announce();
  }

  /** Sends this node's heartbeat (same version: not a new arrival for failure detection) to every other member now. */
  private announce(): void {
    const body = this.heartbeatBody();
    for (const m of this.state.members) if (m.hostId !== this.identity.hostId) void this.send(m, "/peer/heartbeat", body).catch(() => undefined);
  }

  private async stepData(dt: number): Promise<void> {
    const me = this.self()!;
    const goal = ownershipGoal(this.state, me.hostId);
    if (this.owns === goal) return;
    if (!this.state.dataReplicas.includes(me.replica)) {
      this.owns = 0;
      this.saveMeta();
      return;
    }
    if (this.owns > goal) {
      this.owns = this.views().get(me.hostId)?.owns ?? this.owns;
      this.saveMeta();
      return;
    }
    if (this.clock.now() < this.state.movementFrom) return;
    const step = dt / Math.max(1, this.tuning.ringMoveMs);
    if (Math.abs(goal - this.owns) < OWNERSHIP_EPSILON) {
      this.owns = goal;
      this.saveMeta();
      return;
    }
    const up = this.upSet();
    const holders = this.state.members.filter(
      (m) => m.hostId !== me.hostId && up.has(m.hostId) && this.state.dataReplicas.includes(m.replica) && (this.peers.get(m.hostId)?.owns ?? 0) > 0,
    );
    const anyHolder = this.state.members.some((m) => m.hostId !== me.hostId && (this.peers.get(m.hostId)?.owns ?? 0) > 0);
    if (this.owns === 0 && this.dataSince === 0) this.dataSince = this.clock.now() - 1000;
    if (holders.length === 0 && anyHolder) return; // every holder is down: retry later
    const next = stepOwnership(this.owns, goal, step);
    if (next === goal) {
      for (const h of holders) {
        const r = await this.send(h, "/peer/docs", {}, 5000).catch(() => undefined);
        if (r?.status !== 200) return; // try again next tick
        for (const d of r.body.docs as Doc[]) this.applyIfOwned(d, false);
      }
      this.owns = goal;
    } else this.owns = next;
    this.saveMeta();
  }

  /** Applies log entries this node owns that were committed since it started holding data (see dataSince). */
  private async catchUp(): Promise<void> {
    const me = this.self()!;
    if (this.owns === 0 || this.clock.now() - this.catchupAt < 1000) return;
    const up = this.upSet();
    const logHosts = logSegments(this.state).flatMap((s) => s.hostIds).filter((h) => h !== me.hostId && up.has(h));
    // From a while before the last catch-up that worked (entries stamped earlier may reach a log host later), not
    // the last attempt: a node cut off from every log host keeps trying, and must not skip what it missed meanwhile.
    const since = Math.max(this.dataSince, this.caughtUpAt - CATCH_UP_OVERLAP_MS);
    const startedAt = this.clock.now();
    this.catchupAt = startedAt;
    for (const d of this.logEntries.values()) if (d.ts >= since) this.applyIfOwned(d, false);
    const host = this.state.members.find((m) => m.hostId === logHosts[Math.floor(Math.random() * logHosts.length)]);
    if (!host) return;
    const r = await this.send(host, "/peer/log-since", { since }, 3000).catch(() => undefined);
    if (r?.status !== 200) return;
    for (const d of r.body.entries as Doc[]) if (d.ts >= this.dataSince) this.applyIfOwned(d, false);
    this.caughtUpAt = startedAt;
  }

  private applyIfOwned(doc: Doc, fromCoordinator: boolean): void {
    const me = this.self();
    if (!me || !this.state.dataReplicas.includes(me.replica)) return;
    if (!fromCoordinator && ownerInReplica(this.state, me.replica, doc.key) !== me.hostId) return;
    this.storeDoc(doc);
  }

  /**
   * `StorageCleaner.scheduleCleanup`: PUT /admin/storage/clean only schedules it (one at a time) and answers `ok`.
   * The cleanup itself `require`s a stable topology for the node's replica (Owns = Goal everywhere in it, nothing
   * departed still owning): otherwise it fails in the background and storage stays unclean, so callers poll
   * GET /admin/storage/clean and schedule again.
   */
  scheduleCleanup(): void {
    if (this.cleaning) {
      this.log("Storage cleanup is already running.");
      return;
    }
    this.cleaning = true;
    this.log("Storage cleanup scheduled.");
    setTimeout(() => {
      this.cleaning = false;
      if (!this.replicaTopologyStable()) {
        this.log("Storage cleanup failed: java.lang.IllegalArgumentException: requirement failed: cannot safely cleanup storage with unstable topology");
        return;
      }
      this.cleanStorage();
    }, this.tuning.cleanupMs).unref();
  }

  private replicaTopologyStable(): boolean {
    const me = this.self();
    if (!me || !this.state.dataReplicas.includes(me.replica)) return true;
    if (this.clock.now() < this.state.movementFrom) return false;
    const views = this.views();
    const moving = this.state.members.some(
      (m) => m.replica === me.replica && Math.abs((views.get(m.hostId)?.owns ?? 0) - ownershipGoal(this.state, m.hostId)) >= OWNERSHIP_EPSILON,
    );
    return !moving && !this.state.departed.some((d) => d.replica === me.replica && departedOwnership(d, views) > 0);
  }

  private cleanStorage(): void {
    const me = this.self();
    if (!me) return;
    const keep = [...this.docs.values()].filter((d) => ownerInReplica(this.state, me.replica, d.key) === me.hostId);
    this.docs = new Map(keep.map((d) => [d.key, d]));
    writeFileSync(this.path("data/docs.jsonl"), keep.map((d) => JSON.stringify(d) + "\n").join(""));
    this.log("Storage cleanup completed successfully.");
  }

  /**
   * `StorageService.allClean(None, deadline, ignore)`: every running member (not leaving, not ignored) is asked
   * whether it needs cleanup, and all must answer before the deadline. Resolves to "clean", "unclean", or the
   * host that did not answer in time.
   */
  async allClean(ignore: string, deadlineMs: number): Promise<{ clean: boolean } | { timedOut: string }> {
    const deadline = Date.now() + deadlineMs;
    const peers = this.state.members.filter((m) => !m.leaving && m.hostId !== ignore);
    const answers = await Promise.all(
      peers.map(async (m): Promise<boolean | undefined> => {
        if (m.hostId === this.identity.hostId) return this.needsCleanup();
        while (Date.now() < deadline) {
          const r = await this.send(m, "/peer/needs-cleanup", {}, Math.max(1, Math.min(5000, deadline - Date.now()))).catch(() => undefined);
          if (r?.status === 200) return r.body.needsCleanup === true;
          await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
        }
        return undefined;
      }),
    );
    const silent = peers.find((_, i) => answers[i] === undefined);
    if (silent) return { timedOut: silent.hostId };
    return { clean: answers.every((a) => a === false) };
  }

  // ---- write and read paths ---------------------------------------------------------------------------------------

  canWrite(): boolean {
    return this.isMember() && !this.shuttingDown && writeAvailable(this.state, this.upSet());
  }
  canServe(): boolean {
    return this.isMember() && hasWholeReplicaAndLog(this.state);
  }

  /**
   * Writes one transaction's documents through the log as one entry: every segment must get a majority of its
   * members to append it (FACTS §7.2); only then is it committed and pushed to the owning data nodes, who also
   * catch up from the log. Resolves to the latest clock among the log nodes that took it (see holdAck).
   */
  private async logAndApply(docs: Doc[]): Promise<number> {
    const segments = logSegments(this.state);
    const up = this.upSet();
    let latestClock = Math.max(...docs.map((d) => d.ts));
    const results = await Promise.all(
      segments.map(async (seg) => {
        const leader = segmentLeader(this.state, seg, up);
        if (leader === undefined) return false;
        const appends = seg.hostIds.map((h) => ({
          host: h,
          ack: (async () => {
            if (h === this.identity.hostId) {
              for (const d of docs) this.storeLog(d);
              return this.clock.now();
            }
            const m = this.state.members.find((x) => x.hostId === h)!;
            const r = await this.send(m, "/peer/log-append", { docs });
            if (r.status !== 200) throw new Error(String(r.body.error));
            return Number(r.body.clock);
          })(),
        }));
        const { clocks, quorum } = await segmentAcks(appends, leader, Math.floor(seg.hostIds.length / 2) + 1);
        for (const c of clocks) latestClock = Math.max(latestClock, c);
        return quorum;
      }),
    );
    if (!results.every(Boolean)) throw timedOut(`log segments without a majority of appends: ${segments.filter((_, i) => !results[i]).map((g) => g.id).join(", ")}`);
    await Promise.allSettled(
      docs.flatMap((doc) =>
        this.state.dataReplicas.map(async (r) => {
          const owner = ownerInReplica(this.state, r, doc.key);
          if (!owner || !up.has(owner)) return;
          if (owner === this.identity.hostId) return this.applyIfOwned(doc, true);
          const m = this.state.members.find((x) => x.hostId === owner)!;
          await this.send(m, "/peer/apply", { doc });
        }),
      ),
    );
    return latestClock;
  }

  /**
   * Clock skew (FACTS §8, `Coordinator.scala` trySuccess): the acknowledgment waits until this node's clock passes
   * the transaction time set by the log's clocks, so a coordinator behind the log sees slow acks.
   */
  private async holdAck(logClock: number): Promise<void> {
    const wait = Math.min(10_000, logClock - this.clock.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /** The sequencer: the leader of log segment 0 as this node sees it (txn.ts). */
  private sequencer(): Member | undefined {
    const seg = logSegments(this.state)[0];
    const leader = seg && segmentLeader(this.state, seg, this.upSet());
    return leader === undefined ? undefined : this.state.members.find((m) => m.hostId === leader);
  }

  private latestVersion = (key: string): number | undefined => this.logEntries.get(key)?.ts;

  /**
   * Before it orders or checks anything, a node that became the sequencer gathers the log from a majority of segment 0
   * (itself included): a committed entry is on a majority, so it then holds every one. Raft elects only a member whose
   * log is complete (`ext/tx/src/main/scala/consensus/Role.scala`); the simulator's leader is the first live member,
   * which may be one that was cut off while others committed, so it completes its log instead of judging reads by a
   * log with holes.
   */
  private completeSequencerLog(): Promise<void> {
    if (this.sequencer()?.hostId !== this.identity.hostId) {
      this.sequencerLog = undefined;
      return Promise.reject(timedOut("not the sequencer"));
    }
    this.sequencerLog ??= this.gatherLog().catch((e: unknown) => {
      this.sequencerLog = undefined;
      throw e;
    });
    return this.sequencerLog;
  }

  /** Segment 0 (the sequencer's), and its other members this node sees up. */
  private liveLogPeers(): { segment: ReturnType<typeof logSegments>[number]; others: Member[] } {
    const segment = logSegments(this.state)[0]!;
    const up = this.upSet();
    return { segment, others: this.state.members.filter((m) => m.hostId !== this.identity.hostId && segment.hostIds.includes(m.hostId) && up.has(m.hostId)) };
  }

  private async gatherLog(): Promise<void> {
    const { segment, others } = this.liveLogPeers();
    const answers = await Promise.all(others.map((m) => this.send(m, "/peer/log-since", { since: 0 }, 5000).catch(() => undefined)));
    const logs = answers.filter((r) => r?.status === 200).map((r) => r!.body.entries as Doc[]);
    if (logs.length + 1 < quorum(segment.hostIds.length)) throw timedOut(`the log of segment 0 from ${logs.length + 1} of ${segment.hostIds.length} members`);
    for (const entries of logs) for (const d of entries) this.storeLog(d);
  }

  /** On the sequencer: lock, check the reads, stamp, log and apply the writes (one entry); answers the times. */
  private async sequence(reads: ReadVersion[], writes: Doc[]): Promise<{ ts: number; logClock: number }> {
    await this.completeSequencerLog();
    const release = await this.locks.acquire([...reads.map(([k]) => k), ...writes.map((d) => d.key)]);
    try {
      if (staleReads(reads, this.latestVersion).length > 0) throw contended();
      const ts = txnTime(this.clock.now(), reads, writes.map((d) => d.key), this.latestVersion);
      const logClock = await this.logAndApply(writes.map((d) => ({ ...d, ts })));
      return { ts, logClock };
    } finally {
      release();
    }
  }

  /**
   * On the sequencer: whether a read-only query's reads are all current: none locked by a commit in flight, none older
   * than the newest version in the logs of a majority of segment 0. Its own log is not enough: cut off, it believes
   * itself the sequencer until it sees the others down, while they may already have committed through another.
   */
  private async validate(reads: ReadVersion[]): Promise<{ ok: true }> {
    await this.completeSequencerLog();
    if (reads.some(([k]) => this.locks.isLocked(k)) || staleReads(reads, this.latestVersion).length > 0) throw contended();
    const { segment, others } = this.liveLogPeers();
    const need = quorum(segment.hostIds.length) - 1;
    const keys = reads.map(([k]) => k);
    const asks = others.map(async (m) => {
      const r = await this.send(m, "/peer/log-versions", { keys });
      if (r.status !== 200) throw new Error(String(r.body.error));
      return r.body.versions as (number | null)[];
    });
    const answers = await firstAnswers(asks, need);
    if (answers.length < need) throw timedOut(`read versions from ${answers.length + 1} of ${segment.hostIds.length} members of segment 0`);
    if (!answers.every((versions) => currentBy(reads, versions))) throw contended();
    return { ok: true };
  }

  /**
   * Commits a query's writes atomically, after checking its reads, through the sequencer; with no writes, only
   * checks the reads (a read-only query sees one snapshot). Resolves to the transaction time; rejects with 409
   * when a read was not current, 503 when no sequencer checked it. Fault switches: DROP_ACKED_WRITES acknowledges without logging or
   * applying anything; NON_ATOMIC logs each write on its own, unlocked, 30 ms apart, and checks no read.
   */
  async transact(reads: ReadVersion[], writes: Doc[]): Promise<number> {
    if (this.dropAckedWrites) return this.clock.now();
    if (writes.length > 0 && !this.canWrite()) throw timedOut("a log segment without a live majority, as this node sees it");
    if (this.nonAtomic) {
      let logClock = 0;
      for (const d of writes) {
        logClock = Math.max(logClock, await this.logAndApply([{ ...d, ts: this.clock.now() }]));
        await new Promise((r) => setTimeout(r, NON_ATOMIC_GAP_MS));
      }
      await this.holdAck(logClock);
      return this.clock.now();
    }
    const seq = this.sequencer();
    if (writes.length === 0) {
      // FaunaDB reads at a snapshot no earlier than the node's read clock (`Query.scala` execute: `repo.clock.time max
      // minSnapTime`), and storage answers only once the log is applied through it (`StorageEngine.scala` readRow:
      // `waitForAppliedTimestamp`), else the query times out. Here a read is known current only once the sequencer
      // has checked it: without one, the query times out rather than answer from what may be an old state.
      if (!seq) throw timedOut("no sequencer");
      if (seq.hostId === this.identity.hostId) await this.validate(reads);
      else await this.onSequencer(seq, "/peer/validate", { reads }, "validate");
      return this.clock.now();
    }
    if (!seq) throw timedOut("no sequencer");
    let answer: { ts: number; logClock: number };
    if (seq.hostId === this.identity.hostId) answer = await this.sequence(reads, writes);
    else {
      const r = await this.onSequencer(seq, "/peer/txn", { reads, writes }, "commit", 10_000);
      answer = { ts: Number(r.body.ts), logClock: Number(r.body.logClock) };
    }
    await this.holdAck(answer.logClock);
    return answer.ts;
  }

  /** A query's check or commit on the sequencer: its 409 is contention, any other failure a time out. */
  private async onSequencer(seq: Member, path: "/peer/validate" | "/peer/txn", body: unknown, what: string, timeout?: number): Promise<PeerReply> {
    const r = await this.send(seq, path, body, timeout).catch((e: Error) => e);
    if (r instanceof Error) throw timedOut(`${what} on the sequencer ${seq.hostId}: ${r.message}`);
    if (r.status === 409) throw contended();
    if (r.status !== 200) throw timedOut(`${what} on the sequencer ${seq.hostId}: ${r.status} ${String(r.body.detail ?? r.body.error ?? "")}`.trim());
    return r;
  }

  /** Every document under a key prefix, the newest version of each, from the up owners of every data replica. */
  async scan(prefix: string): Promise<Doc[]> {
    const up = this.upSet();
    const found = new Map<string, Doc>();
    const keep = (d: Doc) => {
      const old = found.get(d.key);
      if (!old || old.ts < d.ts) found.set(d.key, d);
    };
    const holders = this.state.members.filter((m) => up.has(m.hostId) && this.state.dataReplicas.includes(m.replica));
    if (holders.length === 0) throw timedOut("no live data node");
    await Promise.all(
      holders.map(async (m) => {
        if (m.hostId === this.identity.hostId) return [...this.docs.values()].filter((d) => d.key.startsWith(prefix)).forEach(keep);
        const r = await this.send(m, "/peer/docs", { prefix }, 5000).catch(() => undefined);
        if (r?.status === 200) (r.body.docs as Doc[]).forEach(keep);
      }),
    );
    return [...found.values()];
  }

  /** Reads a key from the owner in each data replica, own replica first. undefined = not found; throws if none up. */
  async read(key: string): Promise<Doc | undefined> {
    const me = this.self();
    const up = this.upSet();
    const replicas = [...this.state.dataReplicas].sort((a, b) => (a === me?.replica ? -1 : b === me?.replica ? 1 : a.localeCompare(b)));
    let asked = 0;
    for (const r of replicas) {
      const owner = ownerInReplica(this.state, r, key);
      if (!owner || !up.has(owner)) continue;
      asked++;
      if (owner === this.identity.hostId) {
        const d = this.owns > 0 ? this.docs.get(key) : undefined;
        if (d) return d;
        continue;
      }
      const m = this.state.members.find((x) => x.hostId === owner)!;
      const res = await this.send(m, "/peer/get", { key }).catch(() => undefined);
      if (res?.status === 200 && res.body.doc) return res.body.doc as Doc;
    }
    if (asked === 0) throw timedOut(`no live owner of ${key}`);
    return undefined;
  }

  async stop(): Promise<void> {
    this.shuttingDown = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.peerServers.map((server) => new Promise<void>((r) => {
      server.close(() => r());
      if ("closeAllConnections" in server && typeof server.closeAllConnections === "function") server.closeAllConnections();
    })));
    this.peerAgent?.destroy();
  }
}
