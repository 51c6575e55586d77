// Test helper: reads the raw HTTP exchanges recorded from real FaunaDB nodes (test/fixtures/golden/real-4f8f8be, see
// its README for the format) and compares an answer with a recorded one: the same status, content headers, ETag and
// body, where volatile values (host IDs, timestamps, up/down, movement progress) are compared by form only.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Exchange {
  file: string;
  at: string;
  method: string;
  url: URL;
  /** The request body (curl's -d). */
  body?: string;
  /** Request headers as sent (REQ> lines), lower-case names. */
  headers: Record<string, string>;
  /** undefined when curl could not connect (rc 7). */
  response?: RecordedResponse;
}

function parseBlock(file: string, block: string): Exchange {
  const [first = "", ...rest] = block.split("\n");
  const m = /^(\S+) (\S+) (\S+)(.*)$/.exec(first.trim())!;
  const dashD = / -d (.*)$/.exec(m[4]!.trimEnd());
  const text = rest.join("\n");
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const h = /REQ> ([A-Za-z-]+): ?(.*)$/.exec(line);
    if (h) headers[h[1]!.toLowerCase()] = h[2]!.trim();
  }
  const exchange: Exchange = { file, at: m[1]!, method: m[2]!, url: new URL(m[3]!), headers, ...(dashD ? { body: dashD[1]! } : {}) };
  const statusLine = /^HTTP\/1\.1 (\d{3})/m.exec(text);
  if (!statusLine) return exchange;
  const afterStatus = text.slice(statusLine.index);
  const blank = afterStatus.indexOf("\n\n");
  const head = afterStatus.slice(0, blank).split("\n").slice(1);
  const tail = afterStatus.slice(blank + 2);
  const req = tail.indexOf("REQ> ");
  const responseHeaders: Record<string, string> = {};
  for (const line of head) {
    const i = line.indexOf(":");
    responseHeaders[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  exchange.response = { status: Number(statusLine[1]), headers: responseHeaders, body: req >= 0 ? tail.slice(0, req) : tail.trimEnd() };
  return exchange;
}

/** Every exchange of one recorded run, in the order they happened. */
export function readRun(dir: string): Exchange[] {
  const out: Exchange[] = [];
  for (const file of readdirSync(dir).filter((f) => /^\d\d-.*\.txt$/.test(f) && f !== "00-timeline.txt")) {
    const text = readFileSync(join(dir, file), "utf8").replace(/\r\n/g, "\n"); // curl keeps the wire's CRLFs
    for (const block of text.split(/^===== /m).slice(1)) out.push(parseBlock(file, block));
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const MOVEMENT = /^(No data movement is currently in progress\.|\s*\d+\.\d\d% of tokens in \d+ segments moving to \d+ nodes in \d+ replicas\.)$/;

/** The form of a volatile field; the value itself for everything else. */
function form(key: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if ((key === "host_id" || key === "identity") && UUID.test(value)) return "<uuid>";
  // A time, or FaunaDB's words for none yet (`not reported` until the host's first health announcement, `none`).
  if (key === "persisted_timestamp" && (INSTANT.test(value) || value === "not reported" || value === "none")) return "<timestamp>";
  if (key === "status" && (value === "up" || value === "down")) return "<up|down>";
  if (key === "movement_status" && MOVEMENT.test(value)) return "<movement>";
  return value;
}

function normalize(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, key));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]));
  return form(key, value);
}

/** Differences between a recorded answer and an actual one, as readable lines; empty when they agree. */
export function compareResponse(recorded: RecordedResponse, actual: RecordedResponse): string[] {
  const diffs: string[] = [];
  if (recorded.status !== actual.status) diffs.push(`status ${actual.status}, recorded ${recorded.status}`);
  for (const h of ["content-type", "etag", "www-authenticate", "x-faunadb-build"])
    if (recorded.headers[h] !== actual.headers[h]) diffs.push(`header ${h}: ${actual.headers[h]}, recorded ${recorded.headers[h]}`);
  if (recorded.body === "" || actual.body === "" || recorded.headers["content-type"]?.startsWith("application/json") !== true) {
    if (recorded.body !== actual.body) diffs.push(`body ${JSON.stringify(actual.body)}, recorded ${JSON.stringify(recorded.body)}`);
    return diffs;
  }
  // Field order and whitespace are part of the wire format: compare the normalized text, not just the values.
  const rec = JSON.stringify(normalize(JSON.parse(recorded.body)));
  const act = JSON.stringify(normalize(JSON.parse(actual.body)));
  if (rec !== act) diffs.push(`body ${act}\n     recorded ${rec}`);
  if (/^\{ /.test(recorded.body) !== /^\{ /.test(actual.body) || recorded.body.endsWith("\n") !== actual.body.endsWith("\n"))
    diffs.push(`body layout ${JSON.stringify(actual.body)}, recorded ${JSON.stringify(recorded.body)}`);
  return diffs;
}
