// FaunaDB's pretty JSON rendering, used by the query port's utility routes such as /ping (golden 10-ping-*:
// `{ "resource": "Scope node is OK" }` plus a newline). Follows `JSValue.toPrettyString` (ext/codex/src/main/scala/
// json/JSValue.scala): a container whose members fit in the width (60, minus 2 per level) or that holds one scalar
// goes on one line with its whitespace collapsed; otherwise one member per line, indented by two spaces.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const WIDTH = 60;

function render(value: Json, width: number): string {
  if (Array.isArray(value)) return container("[", "]", value.map((v) => render(v, width - 2).trim()), value.length === 1 && !isContainer(value[0]!), width);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    return container("{", "}", entries.map(([k, v]) => `${JSON.stringify(k)}: ${render(v, width - 2).trim()}`), entries.length === 1 && !isContainer(entries[0]![1]), width);
  }
  return `${JSON.stringify(value)}\n`;
}

const isContainer = (v: Json) => v !== null && typeof v === "object";

function container(open: string, close: string, members: string[], oneScalar: boolean, width: number): string {
  const text = members.join(",\n");
  if (text.length < width || oneScalar) return `${open} ${text.replace(/\s+/g, " ")} ${close}\n`;
  return [open, ...text.split("\n").map((l) => `  ${l}`), `${close}\n`].join("\n");
}

export function prettyJson(value: unknown): string {
  return render(value as Json, WIDTH);
}
