// Kubernetes resource.Quantity and JVM size strings as numbers, for sizing and validation.

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** The value of a quantity (`512Mi` -> 536870912, `500m` -> 0.5), or undefined when it is not one. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const suffix = m[2] ?? "";
  const factor = suffix.startsWith("e") || suffix.startsWith("E") ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return factor === undefined ? undefined : base * factor;
}

const JVM_SIZE = /^([0-9]+)([kKmMgG]?)$/;

/** Bytes of a JVM `-Xmx`-style size (`4G`, `512m`, `1048576`), or undefined. */
export function parseJvmSize(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = JVM_SIZE.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  const factor = unit === "k" ? 2 ** 10 : unit === "m" ? 2 ** 20 : unit === "g" ? 2 ** 30 : 1;
  return Number(m[1]) * factor;
}

export const MiB = 2 ** 20;
