import { test } from "node:test";
import assert from "node:assert/strict";
import { launcherEnvError, resolveConfig } from "./faunadb.ts";

test("config lookup follows the launcher: -c, then FAUNADB_CONFIG, then ./faunadb.yml, then /etc/faunadb.yml", () => {
  const has = (...files: string[]) => (p: string) => files.includes(p);
  assert.equal(resolveConfig("/x.yml", { FAUNADB_CONFIG: "/y.yml" }, has("/x.yml", "/y.yml")), "/x.yml");
  assert.equal(resolveConfig(undefined, { FAUNADB_CONFIG: "/y.yml" }, has("/y.yml", "./faunadb.yml")), "/y.yml");
  assert.equal(resolveConfig(undefined, {}, has("./faunadb.yml", "/etc/faunadb.yml")), "./faunadb.yml");
  assert.equal(resolveConfig(undefined, {}, has("/etc/faunadb.yml")), "/etc/faunadb.yml");
  assert.equal(resolveConfig(undefined, {}, has()), undefined);
  assert.equal(resolveConfig("/missing.yml", {}, has("/etc/faunadb.yml")), undefined, "a named file that is missing is not replaced");
});

test("JAVA_OPTS must be defined (set -u), heap and direct sizes must be JVM sizes; nothing else is checked", () => {
  assert.equal(launcherEnvError({}), "faunadb: JAVA_OPTS: unbound variable");
  assert.equal(launcherEnvError({ JAVA_OPTS: "" }), undefined);
  assert.equal(launcherEnvError({ JAVA_OPTS: "-ea", MAX_HEAP_SIZE: "2G", MAX_DIRECT_SIZE: "1536m" }), undefined);
  assert.match(launcherEnvError({ JAVA_OPTS: "", MAX_HEAP_SIZE: "2 GB" }) ?? "", /^Invalid maximum heap size: -Xmx2 GB\n/);
  assert.match(launcherEnvError({ JAVA_OPTS: "", MAX_DIRECT_SIZE: "lots" }) ?? "", /MaxDirectMemorySize=lots/);
});
