/**
 * Returns against an original sale (DOMAIN.md 6).
 *
 * Every figure is computed as what the sale keeps after a return; the return moves the
 * difference between the kept figure before it and after it:
 *
 *   kept = floor(earned × remainingEligible / originalEligible)
 *
 * with remainingEligible = Σ eligible_i × remainingQty_i / qty_i held as an exact rational
 * (bigint numerator over the lcm of the line quantities), floored once. Because each return
 * is a difference of kept figures, any series of returns telescopes: the amounts add up to
 * exactly the original when everything is back, and never exceed it on the way.
 */
import { toSafeNumber } from '../decimal.js';
import { parseQuantity } from './basket.js';
import { RuleViolation, type LineResult } from './types.js';

export interface ReturnInput {
  /** the original sale's EarnResult.lines */
  lines: readonly LineResult[];
  /** sale points actually granted for the original sale (after caps; 0 if anonymous) */
  earned: number;
  /** points tendered on the original sale */
  pointsRedeemed: number;
  /** quantity (thousandths) per sku already returned by earlier returns of this sale */
  previouslyReturned: Readonly<Record<string, number>>;
  /** what is being returned now, in POS quantities (up to three decimals) */
  returning: readonly { sku: string; quantity: number }[];
}

export interface ReturnResult {
  /** sale points to take back from the member now */
  pointsReversed: number;
  /** redeemed points to give back to the member now */
  pointsRestored: number;
  /** drop of qualifying spend (non-excluded net), fen */
  returnedQualifying: number;
  /** net amount of the returned goods, fen */
  returnedAmount: number;
  /** quantity (thousandths) per sku returned by this return */
  returned: Record<string, number>;
  /** quantity (thousandths) per sku still with the customer after this return */
  remaining: Record<string, number>;
  /** sale points the member keeps after this return */
  pointsKept: number;
  /** redeemed points that stay spent after this return */
  redeemedKept: number;
  fullyReturned: boolean;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Σ w_i × rem_i / qty_i as numerator over the common denominator `den`. */
function weighted(
  lines: readonly LineResult[],
  rem: readonly number[],
  den: bigint,
  weight: (l: LineResult) => number,
): bigint {
  let num = 0n;
  lines.forEach((l, i) => {
    num += BigInt(weight(l)) * BigInt(rem[i] ?? 0) * (den / BigInt(l.quantityMilli));
  });
  return num;
}

/** floor(total × part / whole); an empty whole keeps everything until nothing remains. */
function keptShare(total: number, part: bigint, whole: bigint, anyLeft: boolean): number {
  if (whole === 0n) return anyLeft ? total : 0;
  return toSafeNumber((BigInt(total) * part) / whole);
}

/** Takes a sku's quantity from its lines in line order (first line first). */
function takeFromLines(lines: readonly LineResult[], left: number[], sku: string, milli: number): void {
  let rest = milli;
  lines.forEach((l, i) => {
    if (l.sku !== sku || rest === 0) return;
    const take = Math.min(rest, left[i] ?? 0);
    left[i] = (left[i] ?? 0) - take;
    rest -= take;
  });
  if (rest > 0) {
    throw new RuleViolation('return_exceeds_sale', `sku ${sku}: returning more than remains of the sale`);
  }
}

function checkCount(v: number, field: string): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RuleViolation('invalid_basket', `${field} must be an integer >= 0, got ${v}`);
  }
}

export function computeReturn(input: ReturnInput): ReturnResult {
  const { lines } = input;
  checkCount(input.earned, 'earned');
  checkCount(input.pointsRedeemed, 'pointsRedeemed');
  lines.forEach((l, i) => {
    if (!Number.isSafeInteger(l.quantityMilli) || l.quantityMilli <= 0) {
      throw new RuleViolation('invalid_basket', `lines[${i}].quantityMilli must be an integer > 0`);
    }
  });
  const skus = new Set(lines.map((l) => l.sku));

  const before = lines.map((l) => l.quantityMilli);
  for (const [sku, milli] of Object.entries(input.previouslyReturned)) {
    if (!skus.has(sku)) throw new RuleViolation('unknown_sku', `sku ${sku} is not on the original sale`);
    checkCount(milli, `previouslyReturned.${sku}`);
    takeFromLines(lines, before, sku, milli);
  }

  if (input.returning.length === 0) throw new RuleViolation('invalid_basket', 'nothing to return');
  const after = [...before];
  // Null-prototype records: a sku may be any string, "__proto__" included.
  const returned: Record<string, number> = Object.create(null) as Record<string, number>;
  input.returning.forEach((r, i) => {
    if (!skus.has(r.sku)) throw new RuleViolation('unknown_sku', `returning[${i}]: sku ${r.sku} is not on the sale`);
    const milli = parseQuantity(r.quantity, `returning[${i}]`);
    takeFromLines(lines, after, r.sku, milli);
    returned[r.sku] = (returned[r.sku] ?? 0) + milli;
  });

  // lcm rather than the product of quantities: a 1000-line basket of mostly equal
  // quantities keeps a small denominator.
  const den = lines.reduce((d, l) => {
    const q = BigInt(l.quantityMilli);
    return (d / gcd(d, q)) * q;
  }, 1n);
  const anyBefore = before.some((q) => q > 0);
  const anyAfter = after.some((q) => q > 0);

  const eligible = (l: LineResult): number => l.eligible;
  const tender = (l: LineResult): number => l.pointsTender;
  const qualifying = (l: LineResult): number => (l.excluded ? 0 : l.net);
  const net = (l: LineResult): number => l.net;
  const whole = (w: (l: LineResult) => number): bigint => BigInt(lines.reduce((a, l) => a + w(l), 0)) * den;

  const keptPointsBefore = keptShare(input.earned, weighted(lines, before, den, eligible), whole(eligible), anyBefore);
  const keptPointsAfter = keptShare(input.earned, weighted(lines, after, den, eligible), whole(eligible), anyAfter);
  const spentBefore = keptShare(input.pointsRedeemed, weighted(lines, before, den, tender), whole(tender), anyBefore);
  const spentAfter = keptShare(input.pointsRedeemed, weighted(lines, after, den, tender), whole(tender), anyAfter);
  // Money figures use the same scheme with "total" = the weights themselves: floor(Σ w_i × rem_i / qty_i).
  const amount = (w: (l: LineResult) => number, rem: number[]): number =>
    toSafeNumber(weighted(lines, rem, den, w) / den);

  const remaining: Record<string, number> = Object.create(null) as Record<string, number>;
  lines.forEach((l, i) => {
    remaining[l.sku] = (remaining[l.sku] ?? 0) + (after[i] ?? 0);
  });

  return {
    pointsReversed: keptPointsBefore - keptPointsAfter,
    pointsRestored: spentBefore - spentAfter,
    returnedQualifying: amount(qualifying, before) - amount(qualifying, after),
    returnedAmount: amount(net, before) - amount(net, after),
    returned,
    remaining,
    pointsKept: keptPointsAfter,
    redeemedKept: spentAfter,
    fullyReturned: !anyAfter,
  };
}

/**
 * Under `deductFromRefund` (DOMAIN.md 6) the points a return takes back that the member's
 * balance cannot cover: the sale points' reversal and each campaign bonus's (`due`, sale points
 * first), less what the balance in the till's view plus the points the return gives back covers.
 */
export function pointsShortOf(due: readonly number[], balance: number, restored: number): number {
  const coverable = Math.max(0, balance + restored);
  return Math.max(0, due.reduce((a, b) => a + b, 0) - coverable);
}

/**
 * `due` less a shortfall, taken from the last amounts first: the balance covers the sale
 * points' reversal before a campaign bonus's (docs/decisions.md).
 */
export function lessShort(due: readonly number[], short: number): number[] {
  let left = short;
  return due
    .toReversed()
    .map((a) => {
      const take = Math.min(a, left);
      left -= take;
      return a - take;
    })
    .toReversed();
}
