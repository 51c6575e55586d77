// The node's clock, skewed the way libfaketime skews a real JVM: by `FAKETIME` (a relative offset fixed at start:
// `+5s`, `-2m`, `+1h`, `+1d`, `+1.5`), or by the content of the file `FAKETIME_TIMESTAMP_FILE` names (same syntax),
// re-read while the node runs, so that a fault injector can skew a running node and take the skew away again. The
// offset applies to everything the node reports and decides with (epochs, txn timestamps, persisted timestamps).
// Absolute `@...` forms and speed modifiers are not supported.
//
// Only the wall clock is skewed: `monotonic()` (peer liveness, tick intervals) is not. That is how a clock fault hits a
// real FaunaDB: the QA clock-skew nemesis shifts `date` (FACTS §8), Chaos Mesh's TimeChaos skews CLOCK_REALTIME
// unless told otherwise (`clockIds` default), and libfaketime under a JVM needs FAKETIME_DONT_FAKE_MONOTONIC=1
// (libfaketime README, "java -version" example), so System.nanoTime keeps running true in all three.
import { readFileSync } from "node:fs";

export interface Clock {
  /** Milliseconds since the epoch as this node sees them: real time plus the fake offset. */
  now(): number;
  /** The fake offset in force, in ms. */
  readonly offsetMs: number;
  /** Milliseconds for measuring intervals; the fake offset never moves it. */
  monotonic(): number;
}

const UNIT_MS: Record<string, number> = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 31_536_000_000 };
const RELATIVE_FORM = "[+-]N[s|m|h|d|y]";

/** Offset in ms for a relative FAKETIME form, undefined for anything else. */
function relativeOffsetMs(value: string): number | undefined {
  const m = /^([+-]\d+(?:\.\d+)?)([smhdy]?)$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]!]!) : undefined;
}

/** Offset in ms for a FAKETIME value; undefined when unset; throws for forms the simulator does not model. */
export function parseFakeTime(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const ms = relativeOffsetMs(value);
  if (ms === undefined) throw new Error(`FAKETIME=${value}: only the relative form ${RELATIVE_FORM} is supported by the simulator`);
  return ms;
}

/**
 * A timestamp file's content as libfaketime reads it (`prepare_config_contents` in src/libfaketime.c, wolfcw/libfaketime
 * @bbb6c08): lines starting with `#` or `;` are comments, line breaks are dropped.
 */
export function fakeTimeFileValue(content: string): string {
  return content.split("\n").filter((l) => !/^[#;]/.test(l)).join("").replaceAll("\r", "").trim();
}

/**
 * The pod annotation that skews a node's clock where no runner writes FAKETIME_TIMESTAMP_FILE (kind: the harness sets
 * it through the API and kubelet updates the pod's downward API file, PATHS.podAnnotations). Same value syntax.
 */
export const CLOCK_OFFSET_ANNOTATION = "local.fauna-operator.io/clock-offset";
/** How often the annotations file is re-read (kubelet rewrites it within seconds of the change). */
const ANNOTATIONS_REREAD_MS = 1000;

/** One value of a downward API labels/annotations file (`key="value"` lines, Go-quoted), undefined when absent. */
export function downwardApiValue(content: string, key: string): string | undefined {
  const line = content.split("\n").find((l) => l.startsWith(`${key}=`));
  if (line === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(key.length + 1));
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function systemClock(offsetMs = 0): Clock {
  return { offsetMs, now: () => Date.now() + offsetMs, monotonic: () => performance.now() };
}

export interface FakeTimeDeps {
  realNow?: () => number;
  monotonic?: () => number;
  /** The file's content, or undefined when it does not exist; throws for other failures. */
  readFile?: (path: string) => string | undefined;
  log?: (line: string) => void;
  /** The pod's downward API annotations file: CLOCK_OFFSET_ANNOTATION there, when neither FAKETIME variable is set. */
  podAnnotationsFile?: string;
}

const DEFAULT_CACHE_SECONDS = 10; // libfaketime's `cache_duration`

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

function cacheMs(env: NodeJS.ProcessEnv): number {
  if (env.FAKETIME_NO_CACHE === "1") return 0;
  const raw = env.FAKETIME_CACHE_DURATION;
  if (raw === undefined || raw.trim() === "") return DEFAULT_CACHE_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`FAKETIME_CACHE_DURATION=${raw}: a number of seconds, 0 or more`);
  return seconds * 1000;
}

/**
 * The node's clock from its environment. Precedence is libfaketime's: FAKETIME, when set, wins and the timestamp file
 * is never read (README "the FAKETIME environment variable _always_ has priority over the files"; `ftpl_init` clears
 * `parse_config_file`). A missing file means no offset (libfaketime falls back to ~/.faketimerc, /etc/faketimerc and
 * then "+0"; the simulator reads neither). The file is re-read at most every FAKETIME_CACHE_DURATION seconds
 * (default 10; FAKETIME_NO_CACHE=1 reads it at every call), lazily from now(). Where libfaketime exits on content it
 * cannot parse (`parse_ft_string`), a running node must survive a bad write: an empty file means no offset, and
 * anything else invalid keeps the offset in force and is logged once.
 */
export function fakeTimeClock(env: NodeJS.ProcessEnv, deps: FakeTimeDeps = {}): Clock {
  const realNow = deps.realNow ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const log = deps.log ?? (() => {});
  const fixed = parseFakeTime(env.FAKETIME);
  const timestampFile = env.FAKETIME_TIMESTAMP_FILE?.trim() || undefined;
  const file = timestampFile ?? deps.podAnnotationsFile;
  if (fixed !== undefined || !file) {
    if (fixed !== undefined && timestampFile) log(`FAKETIME is set, so FAKETIME_TIMESTAMP_FILE (${timestampFile}) is not read (libfaketime gives FAKETIME priority)`);
    const offsetMs = fixed ?? 0;
    return { offsetMs, now: () => realNow() + offsetMs, monotonic };
  }
  const readFile = deps.readFile ?? readIfExists;
  const source = timestampFile ? `FAKETIME_TIMESTAMP_FILE ${file}` : `annotation ${CLOCK_OFFSET_ANNOTATION} in ${file}`;
  const valueIn = (content: string) => (timestampFile ? fakeTimeFileValue(content) : (downwardApiValue(content, CLOCK_OFFSET_ANNOTATION) ?? "").trim());
  const every = timestampFile ? cacheMs(env) : ANNOTATIONS_REREAD_MS;
  let offset = 0;
  let readAt = -Infinity;
  let lastProblem = "";
  const refresh = () => {
    const t = realNow();
    if (t - readAt < every) return;
    readAt = t;
    let next: number | undefined;
    let problem = "";
    try {
      const value = valueIn(readFile(file) ?? "");
      next = value === "" ? 0 : relativeOffsetMs(value);
      if (next === undefined) problem = `"${value}" is not a relative offset ${RELATIVE_FORM}`;
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    if (next === undefined) {
      if (problem !== lastProblem) log(`${source}: ${problem}; the clock offset stays ${offset} ms`);
      lastProblem = problem;
      return;
    }
    lastProblem = "";
    if (next !== offset) log(`clock offset ${offset} ms -> ${next} ms (${source})`);
    offset = next;
  };
  refresh();
  return {
    get offsetMs() {
      refresh();
      return offset;
    },
    now: () => {
      refresh();
      return realNow() + offset;
    },
    monotonic,
  };
}
