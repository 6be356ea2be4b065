/** Money is integer fen (DOMAIN.md 1). Quantities are thousandths (weighed goods). */

/**
 * The largest amount any one sale, line or entry may carry: ¥10,000,000,000 in fen. The sync
 * protocol carries amounts up to it (core/sync/protocol.ts), so the till refuses a basket past
 * it rather than record a sale head office would refuse to take, which would stop the till's
 * uploads for good.
 */
export const MAX_FEN = 1e12;

/** 1.5 -> 1500. Rejects more than three decimals (the POS contract allows three). */
export function quantityToMilli(quantity: number): number {
  const milli = Math.round(quantity * 1000);
  if (Math.abs(milli - quantity * 1000) > 1e-6) {
    throw new RangeError(`quantity has more than three decimals: ${quantity}`);
  }
  return milli;
}

/**
 * Line gross amount in fen: quantity x unit price, rounded half up to the fen.
 * DOMAIN.md is silent on rounding weighed goods; half-up is what a scale label prints.
 */
export function lineGross(quantityMilli: number, unitPrice: number): number {
  const product = BigInt(quantityMilli) * BigInt(unitPrice);
  return Number((product + 500n) / 1000n);
}

/**
 * Split `total` over `weights` pro rata, with the largest-remainder method so the shares
 * sum exactly to `total` (DOMAIN.md 3.1 and 3.3). Ties in remainder go to the earlier index,
 * which keeps the result deterministic on every machine.
 */
export function allocateLargestRemainder(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0 || total === 0) return weights.map(() => 0);
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0) throw new RangeError('cannot allocate over zero weights');
  const T = BigInt(total);
  const S = BigInt(sum);
  const shares: bigint[] = [];
  const rems: { i: number; r: bigint }[] = [];
  let allocated = 0n;
  weights.forEach((w, i) => {
    const num = T * BigInt(w);
    const q = num / S;
    shares.push(q);
    rems.push({ i, r: num % S });
    allocated += q;
  });
  let left = T - allocated;
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of rems) {
    if (left <= 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map(Number);
}

/** ¥12.34 for breakdown text; the UI formats with Intl. */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
