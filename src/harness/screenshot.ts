// A PNG of report.html from headless Chromium (Debian's `chromium`), kept beside it. Optional: without a browser
// the report is complete anyway, and the caller says so.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { execa } from "execa";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return [env.CHROMIUM, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
}

/** Renders `html` (a file) at 1200 px wide and writes `png`; resolves to false without a browser. */
export async function screenshot(html: string, png: string, height = 2400): Promise<boolean> {
  const chromium = findChromium();
  if (!chromium) return false;
  await execa(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-dev-shm-usage",
    // Nothing may be fetched: the page must stand on its own.
    "--host-resolver-rules=MAP * ~NOTFOUND", `--window-size=1200,${height}`, `--screenshot=${png}`, pathToFileURL(html).href,
  ], { timeout: 60_000, env: { ...process.env, HOME: process.env.HOME ?? "/tmp" } });
  return existsSync(png);
}
