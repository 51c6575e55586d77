// Container logs in the CRI format the kubelet writes and kwok's Logs resource parses:
// `<RFC3339Nano time> <stdout|stderr> <F|P> <text>` — one record per line.
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";

export function criLine(stream: "stdout" | "stderr", text: string, now: Date): string {
  return `${now.toISOString().replace("Z", "000000Z")} ${stream} F ${text}\n`;
}

export function pipeCriLog(file: string, streams: { stdout: Readable | null; stderr: Readable | null }): Promise<void> {
  const out = createWriteStream(file, { flags: "a" });
  const pending: Promise<void>[] = [];
  for (const name of ["stdout", "stderr"] as const) {
    const s = streams[name];
    if (!s) continue;
    pending.push(new Promise((resolve) => {
      let buf = "";
      s.setEncoding("utf8");
      s.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          out.write(criLine(name, buf.slice(0, i), new Date()));
          buf = buf.slice(i + 1);
        }
      });
      s.on("end", () => {
        if (buf) out.write(criLine(name, buf, new Date()));
        resolve();
      });
      s.on("error", () => resolve());
    }));
  }
  return Promise.all(pending).then(() => new Promise<void>((r) => out.end(r)));
}
