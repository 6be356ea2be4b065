/**
 * Exact decimals for multipliers and ratios. DOMAIN.md 1: multipliers are decimal strings
 * computed with integers scaled to thousandths, so every machine gets the same points.
 */
export const MILLI = 1000n;

const DECIMAL_RE = /^(\d{1,9})(?:\.(\d{1,3}))?$/;

/** "1.25" -> 1250n. Throws on anything that is not a non-negative decimal with <= 3 places. */
export function parseMilli(value: string): bigint {
  const m = DECIMAL_RE.exec(value);
  if (!m) throw new RangeError(`not a decimal with at most 3 places: ${JSON.stringify(value)}`);
  const whole = BigInt(m[1] ?? '0');
  const frac = BigInt((m[2] ?? '').padEnd(3, '0'));
  return whole * MILLI + frac;
}

export function isMilliString(value: string): boolean {
  return DECIMAL_RE.test(value);
}

/** 1250n -> "1.25" (for breakdown text). */
export function formatMilli(milli: bigint): string {
  const whole = milli / MILLI;
  const frac = (milli % MILLI).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** floor(a / b) for non-negative or negative bigint numerators, b > 0. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

export function toSafeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`value out of safe integer range: ${v}`);
  }
  return Number(v);
}
