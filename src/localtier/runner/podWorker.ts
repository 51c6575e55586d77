// Plays the kubelet for one pod: init containers to completion, then the main container as a process, restarted
// with backoff (restartPolicy Always); readiness, liveness and startup probes; SIGTERM on deletion, SIGKILL after the
// grace period, then the pod is removed. Only the pod's first container runs (enough for the FaunaDB pods).
import { mkdir, rename, rmdir, stat } from "node:fs/promises";
import { join, dirname } from "node:path";
import type { V1Container, V1Pod, V1Probe } from "@kubernetes/client-node";
import { resolveEnv, expandVars, PodConfigError, type KeyLookup } from "./env.ts";
import { prepareMounts, type VolumeLookup } from "./volumes.ts";
import { launchContainer, type Launched, type Stage } from "./launch.ts";
import { REPO_ROOT } from "../paths.ts";
import { runProbe, execIn } from "./probes.ts";
import type { ContainerView } from "./podStatus.ts";
import { ClockOffsetFile, clockOffsetContent, clockOffsetEnv } from "./clockOffset.ts";
import { simEnv } from "./simEnv.ts";
import { isolationWanted, type NetworkIsolation } from "./networkIsolation.ts";

/** Probes run at most this often so that tests and demos do not wait out production-sized periods. */
export const MAX_PROBE_PERIOD_MS = 2000;
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

export interface WorkerDeps {
  lookup: KeyLookup & VolumeLookup;
  podsDir: string;
  basePath: string;
  /** Where in-cluster clients reach the apiserver (the kubelet injects KUBERNETES_SERVICE_HOST/PORT). */
  apiServer: { host: string; port: number };
  /** Pod IPs cut off by the `local.fauna-operator.io/network: isolated` annotation (absent in unit tests). */
  network?: NetworkIsolation;
  reportStatus(pod: V1Pod, containers: ContainerView[]): Promise<void>;
  removePod(pod: V1Pod): Promise<void>;
  log(msg: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PodWorker {
  pod: V1Pod;
  private readonly deps: WorkerDeps;
  private proc: Launched | undefined;
  private view: ContainerView;
  private terminating = false;
  private wake: () => void = () => {};
  readonly done: Promise<void>;
  readonly dir: string;
  /** Outlives the pod's processes, so a restarted container keeps the pod's clock offset. */
  private readonly clockOffset: ClockOffsetFile;

  constructor(pod: V1Pod, deps: WorkerDeps) {
    this.pod = pod;
    this.deps = deps;
    const c = this.container;
    this.view = { name: c.name, image: c.image ?? "", ready: false, started: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } };
    this.dir = join(deps.podsDir, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
    this.clockOffset = new ClockOffsetFile(join(this.dir, "clock"), (m) => deps.log(`${this.key}: ${m}`));
    void this.clockOffset.set(clockOffsetContent(pod));
    void deps.network?.set(this.key, pod.status?.podIP, isolationWanted(pod));
    this.done = this.run().catch((err: unknown) => deps.log(`${this.key}: worker failed: ${String(err)}`));
  }

  get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }
  private get container(): V1Container {
    const c = this.pod.spec?.containers[0];
    if (!c) throw new Error(`${this.key}: pod has no containers`);
    return c;
  }
  logFile(container = this.container.name): string {
    return join(this.dir, `${container}.log`);
  }

  update(pod: V1Pod): void {
    this.pod = pod;
    void this.clockOffset.set(clockOffsetContent(pod));
    void this.deps.network?.set(this.key, pod.status?.podIP, isolationWanted(pod));
    if (pod.metadata?.deletionTimestamp && !this.terminating) {
      this.terminating = true;
      this.wake();
    }
  }

  /** The pod object is gone (force-deleted): kill at once, as a kubelet would on noticing. */
  kill(): void {
    this.terminating = true;
    if (this.proc) this.signal("SIGKILL");
    this.wake();
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.proc || this.proc.pid < 0) return;
    try {
      process.kill(-this.proc.pid, sig);
    } catch {
      /* already exited */
    }
  }

  private async report(): Promise<void> {
    await this.deps.reportStatus(this.pod, [this.view]).catch((err: unknown) => this.deps.log(`${this.key}: status: ${String(err)}`));
  }

  private async interruptibleSleep(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((r) => (this.wake = r))]);
  }

  private async start(c: V1Container, logFile: string): Promise<Launched> {
    const pod = this.pod;
    const env = await resolveEnv(pod, c, this.deps.lookup);
    const mounts = await prepareMounts(pod, c, this.dir, this.deps.lookup);
    await this.clockOffset.set(clockOffsetContent(pod));
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => expandVars(a, env));
    if (argv.length === 0) throw new PodConfigError(`container ${c.name} has no command: the local tier cannot run an image's entrypoint`);
    const stage: Stage = {
      dir: `/run/fauna-localtier/${pod.metadata?.uid}`,
      binds: [
        { source: REPO_ROOT, name: "repo" },
        { source: this.deps.basePath, name: "bin" },
        { source: dirname(process.execPath), name: "node" },
        { source: this.clockOffset.dir, name: "clock" },
      ],
    };
    const fullEnv = {
      HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? "",
      KUBERNETES_SERVICE_HOST: this.deps.apiServer.host,
      KUBERNETES_SERVICE_PORT: String(this.deps.apiServer.port),
      ...env,
      FAUNA_LOCALTIER_ROOT: stage.dir,
      ...clockOffsetEnv(`${stage.dir}/clock`),
      ...simEnv(pod),
      PATH: `${stage.dir}/bin:${env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}`,
    };
    return launchContainer(argv, fullEnv, mounts, pod.spec?.hostname ?? pod.metadata?.name ?? "pod", c.workingDir, logFile, stage);
  }

  private async runInitContainers(): Promise<boolean> {
    for (const c of this.pod.spec?.initContainers ?? []) {
      let backoff = BACKOFF_START_MS;
      for (;;) {
        if (this.terminating) return false;
        try {
          const p = await this.start(c, this.logFile(c.name));
          this.proc = p;
          const { code } = await p.exited;
          this.proc = undefined;
          if (code === 0) break;
          this.deps.log(`${this.key}: init container ${c.name} exited ${code}`);
        } catch (err) {
          this.deps.log(`${this.key}: init container ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
        await this.interruptibleSleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
    return true;
  }

  private async run(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.report();
    let backoff = BACKOFF_START_MS;
    if (await this.runInitContainers()) {
      while (!this.terminating) {
        const startedAt = Date.now();
        try {
          await this.rotateLog();
          this.proc = await this.start(this.container, this.logFile());
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.view.state = { waiting: { reason: err instanceof PodConfigError ? "CreateContainerConfigError" : "RunContainerError", message } };
          await this.report();
          await this.interruptibleSleep(2000);
          continue;
        }
        this.view = { ...this.view, started: true, ready: false, state: { running: { startedAt: new Date(startedAt) } } };
        await this.report();
        const exit = await this.superviseRunning(this.proc);
        if (this.terminating) break;
        this.proc = undefined;
        const finishedAt = new Date();
        this.view = {
          ...this.view, ready: false, started: false, restartCount: this.view.restartCount + 1,
          lastState: { terminated: { exitCode: exit.code ?? 137, signal: undefined, reason: exit.code === 0 ? "Completed" : "Error", startedAt: new Date(startedAt), finishedAt } },
          state: { waiting: { reason: "CrashLoopBackOff", message: `back-off restarting failed container ${this.view.name}` } },
        };
        this.deps.log(`${this.key}: container exited (${exit.code ?? exit.signal}); restarting in ${backoff} ms`);
        await this.report();
        if (Date.now() - startedAt > 60_000) backoff = BACKOFF_START_MS;
        await this.interruptibleSleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      }
    }
    await this.terminate();
  }

  private async rotateLog(): Promise<void> {
    const cur = this.logFile();
    if (await stat(cur).then(() => true, () => false)) await rename(cur, `${cur}.previous`);
  }

  /** Probes while the process runs; resolves when it exits, after liveness killed it, or once termination starts. */
  private async superviseRunning(p: Launched) {
    const c = this.container;
    let exited = false;
    const exitP = p.exited.then((e) => {
      exited = true;
      this.wake();
      return e;
    });
    const podIP = this.pod.status?.podIP ?? "127.0.0.1";
    const ctx = { podIP, container: c, exec: execIn(p.pid, {}) };
    const period = (probe: V1Probe | undefined) => Math.min((probe?.periodSeconds ?? 10) * 1000, MAX_PROBE_PERIOD_MS);
    let startupOk = !c.startupProbe;
    let readyStreak = 0;
    let failStreak = 0;
    let livenessFails = 0;
    let startupFails = 0;
    const began = Date.now();
    const delayOver = (probe: V1Probe | undefined) => Date.now() - began >= Math.min((probe?.initialDelaySeconds ?? 0) * 1000, 5000);
    while (!exited && !this.terminating) {
      if (!startupOk) {
        if (delayOver(c.startupProbe) && (await runProbe(c.startupProbe!, ctx))) startupOk = true;
        else if (delayOver(c.startupProbe) && ++startupFails >= (c.startupProbe?.failureThreshold ?? 3) * 20) this.signal("SIGKILL");
      } else {
        if (c.livenessProbe && delayOver(c.livenessProbe)) {
          livenessFails = (await runProbe(c.livenessProbe, ctx)) ? 0 : livenessFails + 1;
          if (livenessFails >= (c.livenessProbe.failureThreshold ?? 3)) {
            this.deps.log(`${this.key}: liveness probe failed ${livenessFails} times; killing the container`);
            this.signal("SIGTERM");
          }
        }
        const ok = c.readinessProbe ? delayOver(c.readinessProbe) && (await runProbe(c.readinessProbe, ctx)) : true;
        readyStreak = ok ? readyStreak + 1 : 0;
        failStreak = ok ? 0 : failStreak + 1;
        const wasReady = this.view.ready;
        if (!wasReady && readyStreak >= (c.readinessProbe?.successThreshold ?? 1)) this.view.ready = true;
        if (wasReady && failStreak >= (c.readinessProbe?.failureThreshold ?? 3)) this.view.ready = false;
        if (wasReady !== this.view.ready) await this.report();
      }
      await this.interruptibleSleep(period(c.readinessProbe ?? c.livenessProbe ?? c.startupProbe));
    }
    // On termination, return at once: terminate() signals the process and waits for it within the grace period.
    if (this.terminating && !exited) return { code: null, signal: null };
    return exitP;
  }

  private async terminate(): Promise<void> {
    const pod = this.pod;
    const grace = (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const p = this.proc;
    if (p) {
      this.deps.log(`${this.key}: SIGTERM, grace ${grace} ms`);
      this.signal("SIGTERM");
      const killed = await Promise.race([p.exited.then(() => false), sleep(grace).then(() => true)]);
      if (killed) {
        this.deps.log(`${this.key}: grace period over; SIGKILL`);
        this.signal("SIGKILL");
        await p.exited;
      }
    }
    this.view = { ...this.view, ready: false, state: { terminated: { exitCode: 0, reason: "Completed", finishedAt: new Date() } } };
    await this.deps.network?.set(this.key, undefined, false);
    // The stage's mount points are empty directories out here (the mounts lived in the pod's namespace): rmdir only.
    const stageDir = `/run/fauna-localtier/${pod.metadata?.uid}`;
    for (const d of ["repo", "bin", "node", "clock", ""]) await rmdir(join(stageDir, d)).catch(() => undefined);
    if (pod.metadata?.deletionTimestamp) await this.deps.removePod(pod);
  }
}
