// The node's clock, honouring libfaketime's `FAKETIME` relative form (`+5s`, `-2m`, `+1h`, `+1d`, `+1.5`): the offset applies to everything the node reports and decides with
// (epochs, txn timestamps, persisted timestamps), as libfaketime would for a real JVM. Absolute `@...` forms are
// not supported: the simulator exits with an error saying so.
export interface Clock {
  now(): number;
  offsetMs: number;
}

const UNIT_MS: Record<string, number> = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 31_536_000_000 };

/** Offset in ms for a FAKETIME value; undefined when unset; throws for forms the simulator does not model. */
export function parseFakeTime(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const m = /^([+-]\d+(?:\.\d+)?)([smhdy]?)$/.exec(value.trim());
  if (!m) throw new Error(`FAKETIME=${value}: only the relative form [+-]N[s|m|h|d|y] is supported by the simulator`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

export function systemClock(offsetMs = 0): Clock {
  return { offsetMs, now: () => Date.now() + offsetMs };
}
