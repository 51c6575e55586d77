// The harness's one wait: ask again until the answer is yes or the time is up (errors count as "not yet").
export async function until(what: () => Promise<boolean>, withinMs: number, everyMs = 1000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await what().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
