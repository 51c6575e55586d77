import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { Redactor } from "../kube/redact.ts";
import { createLogger } from "./log.ts";

describe("createLogger", () => {
  it("keeps secrets out of messages, errors and credential-named fields", async () => {
    const redactor = new Redactor();
    redactor.add("hunter2-root");
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on("data", (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ redactor, destination: out });
    log.info("joining with key hunter2-root");
    log.error({ err: new Error("auth failed for hunter2-root") }, "admin call failed");
    log.info({ cfg: { rootKey: "anything" }, password: "p" }, "config");
    log.info({ reconcileId: "abc" }, "kept");
    await new Promise((r) => setImmediate(r));
    const text = chunks.join("");
    assert.doesNotMatch(text, /hunter2-root|anything|"p"/);
    assert.match(text, /\[REDACTED\]/);
    assert.match(text, /"reconcileId":"abc"/);
  });
});
