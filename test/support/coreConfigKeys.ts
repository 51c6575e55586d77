// The @Config names of FaunaDB's CoreConfig.scala at the commit images/faunadb/Dockerfile pins, kept as a data fixture
// (test/fixtures/faunadb/coreconfig-keys.txt: the commit on its first line, then one key per line with its annotation
// argument if any). Regenerate after moving the pin:
//   git -C <fauna/faunadb clone> show <commit>:ext/config/src/main/scala/CoreConfig.scala \
//     | grep -oE '@Config(\([^)]*\)+)? +(var|val|lazy val) +[A-Za-z0-9_]+'   (then one name per line, as in the file)
import { readFileSync } from "node:fs";

const FIXTURE = new URL("../fixtures/faunadb/coreconfig-keys.txt", import.meta.url);
const DOCKERFILE = new URL("../../images/faunadb/Dockerfile", import.meta.url);

export interface CoreConfigKeys {
  commit: string;
  /** Every key FaunaDB's loader recognizes (deprecated and renamed ones warn but are accepted). */
  keys: Set<string>;
}

export function coreConfigKeys(): CoreConfigKeys {
  const [header = "", ...lines] = readFileSync(FIXTURE, "utf8").split("\n");
  const commit = /\b([0-9a-f]{40})\b/.exec(header)?.[1];
  if (!commit) throw new Error(`${FIXTURE.pathname}: the first line must name the fauna/faunadb commit`);
  return { commit, keys: new Set(lines.filter((l) => l.trim() !== "").map((l) => l.split(" ")[0]!)) };
}

/** The commit images/faunadb/Dockerfile builds (ARG FAUNADB_COMMIT). */
export function pinnedFaunaCommit(): string {
  const m = /^ARG FAUNADB_COMMIT=([0-9a-f]{40})$/m.exec(readFileSync(DOCKERFILE, "utf8"));
  if (!m) throw new Error("images/faunadb/Dockerfile has no ARG FAUNADB_COMMIT=<40 hex digits>");
  return m[1]!;
}
