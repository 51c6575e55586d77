// The Manager runs Runnables the way controller-runtime does: caches and servers on every replica, controllers only
// while this replica holds the lease. Shutdown order: drain reconciles, release the lease, stop caches, close the
// server, so a successor never overlaps with a pass still writing.
import type { Clock } from "./clock.ts";
import { type HealthServer, type ReadyCheck, startHealthServer } from "./health.ts";
import { LEADERSHIP_LOST, type LeaderElector } from "./leader.ts";
import type { Logger } from "./log.ts";
import type { ControllerMetrics } from "./metrics.ts";

export type Runnable = {
  name: string;
  /** true: runs only while leading (reconcile workers). false: runs on every replica (informers). */
  needsLeader: boolean;
  /** Runs until `signal` aborts; resolves once it has fully stopped. */
  run(signal: AbortSignal): Promise<void>;
};

export type ManagerOptions = {
  clock: Clock;
  log: Logger;
  metrics: ControllerMetrics;
  election?: { elector: LeaderElector; name: string } | undefined;
  health?: { port: number; host?: string | undefined } | undefined;
};

export type ManagerExit = "stopped" | "lost-leadership" | "runnable-failed";

export class Manager {
  readonly #o: ManagerOptions;
  readonly #runnables: Runnable[] = [];
  readonly #readyChecks: ReadyCheck[] = [];
  #health: HealthServer | undefined;
  #electionRunning = false;

  constructor(o: ManagerOptions) {
    this.#o = o;
    this.#readyChecks.push({ name: "leader-election", check: () => !o.election || this.#electionRunning });
  }

  add(r: Runnable): this {
    this.#runnables.push(r);
    return this;
  }

  addReadyCheck(c: ReadyCheck): this {
    this.#readyChecks.push(c);
    return this;
  }

  get isReady(): boolean {
    return this.#readyChecks.every((c) => c.check());
  }

  /** The health server's port once running (useful with port 0). */
  get healthPort(): number | undefined {
    return this.#health?.port;
  }

  async run(signal: AbortSignal): Promise<ManagerExit> {
    const { log, election, metrics } = this.#o;
    let exit: ManagerExit = "stopped";
    let wake!: () => void;
    const stopRequested = new Promise<void>((resolve) => (wake = resolve));
    const stop = (why: ManagerExit) => {
      if (exit === "stopped") exit = why;
      wake();
    };
    signal.addEventListener("abort", () => stop("stopped"), { once: true });
    if (signal.aborted) wake();

    if (this.#o.health) {
      this.#health = await startHealthServer({
        port: this.#o.health.port,
        host: this.#o.health.host,
        registry: metrics.registry,
        readyChecks: () => this.#readyChecks,
      });
      log.info({ port: this.#health.port }, "health and metrics server listening");
    }

    const launch = (rs: Runnable[], s: AbortSignal) =>
      rs.map((r) =>
        r.run(s).catch((err: unknown) => {
          log.error({ err, runnable: r.name }, "runnable failed: shutting down");
          stop("runnable-failed");
        }),
      );
    const cachesStop = new AbortController();
    const always = launch(this.#runnables.filter((r) => !r.needsLeader), cachesStop.signal);
    const leaderStop = new AbortController();
    let leading: Promise<void>[] = [];
    const startLeading = () => {
      leading = launch(this.#runnables.filter((r) => r.needsLeader), leaderStop.signal);
    };

    const electionStop = new AbortController();
    let electing: Promise<unknown> = Promise.resolve();
    if (election) {
      this.#electionRunning = true;
      electing = election.elector
        .run(electionStop.signal, {
          onStartedLeading: () => {
            log.info({ identity: election.elector.identity }, "became leader");
            metrics.leader(election.name, true);
            startLeading();
          },
          onStoppedLeading: () => metrics.leader(election.name, false),
          onNewLeader: (identity) => log.info({ leader: identity }, "leader observed"),
          onAttemptFailed: (err) => log.warn({ err }, "leader election attempt failed"),
        })
        .then((outcome) => {
          if (outcome === "lost") {
            log.error("leader lease lost: stopping reconciles");
            stop("lost-leadership");
          }
        });
    } else {
      startLeading();
    }

    await stopRequested;
    log.info({ reason: exit }, "shutting down");
    // A lost lease stops reconciles at once (their writes are fenced already); a requested stop lets them drain.
    leaderStop.abort((exit as ManagerExit) === "lost-leadership" ? LEADERSHIP_LOST : undefined);
    await Promise.all(leading);
    electionStop.abort();
    await electing;
    this.#electionRunning = false;
    cachesStop.abort();
    await Promise.all(always);
    await this.#health?.close();
    log.info({ reason: exit }, "manager stopped");
    return exit;
  }
}

/** SIGTERM/SIGINT abort `controller` (graceful drain); a second signal exits at once. */
export function abortOnSignals(controller: AbortController, log: Logger): () => void {
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn({ signal: sig }, "second signal: exiting without draining");
      process.exit(130);
    }
    log.info({ signal: sig }, "signal received: draining");
    controller.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
