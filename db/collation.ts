const encoder = new TextEncoder();

/** Byte order of UTF-8: the order of Postgres' "C" collation, used for id lists and lock order. */
export function compareC(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
