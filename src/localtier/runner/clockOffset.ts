// The tier's stand-in for Chaos Mesh's TimeChaos: the pod annotation `local.fauna-operator.io/clock-offset` (a
// libfaketime relative offset such as "+0.5", "-2s", "+5s", "+1m") is kept in a per-pod file that every process of
// the pod reads through FAKETIME_TIMESTAMP_FILE, re-read each second (FAKETIME_CACHE_DURATION=1). The simulator honours
// it (src/sim/clock.ts); a real kubelet has no such thing.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";

export const CLOCK_OFFSET_ANNOTATION = "local.fauna-operator.io/clock-offset";
/** The file's name inside its directory; the directory, not the file, is bind-mounted into the pod's stage. */
export const CLOCK_OFFSET_FILE = "faketime";

/**
 * What the pod's timestamp file holds: the annotation as written, or "+0" without one ("+0" rather than an empty
 * file, which libfaketime itself could not parse).
 */
export function clockOffsetContent(pod: V1Pod): string {
  return pod.metadata?.annotations?.[CLOCK_OFFSET_ANNOTATION]?.trim() || "+0";
}

/** The environment that points a pod process at the file, seen from inside the pod at `dirInPod`. */
export function clockOffsetEnv(dirInPod: string): Record<string, string> {
  return { FAKETIME_TIMESTAMP_FILE: `${dirInPod}/${CLOCK_OFFSET_FILE}`, FAKETIME_CACHE_DURATION: "1" };
}

/** Keeps one pod's timestamp file in `dir` up to date; writes are serialized and replace the file atomically. */
export class ClockOffsetFile {
  readonly dir: string;
  private content: string | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly log: (m: string) => void;

  constructor(dir: string, log: (m: string) => void) {
    this.dir = dir;
    this.log = log;
  }

  /** Writes the content unless it is already there; resolves once every write so far is done. */
  set(content: string): Promise<void> {
    if (content === this.content) return this.writes;
    const first = this.content === undefined;
    this.content = content;
    this.writes = this.writes.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const file = join(this.dir, CLOCK_OFFSET_FILE);
      // A reader never sees a half-written file: the new content arrives by rename.
      await writeFile(`${file}.tmp`, `${content}\n`);
      await rename(`${file}.tmp`, file);
      if (!first || content !== "+0") this.log(`clock offset ${content}`);
    }).catch((err: unknown) => this.log(`clock offset file: ${String(err)}`));
    return this.writes;
  }
}
