/**
 * Basket validation and DOMAIN.md 3 step 1: what each line really costs after its own
 * discount and its share of the basket discount. Bad input is refused with the line and
 * field named, because the POS developer reading the error has only the request to go on.
 */
import { allocateLargestRemainder, lineGross, MAX_FEN, quantityToMilli } from '../money.js';
import { RuleViolation, type BasketLineInput } from './types.js';

export interface PricedLine {
  sku: string;
  category: string;
  quantityMilli: number;
  unitPrice: number;
  gross: number;
  ownDiscount: number;
  basketShare: number;
  net: number;
}

function invalid(message: string): never {
  throw new RuleViolation('invalid_basket', message);
}

function isFen(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** POS quantity (up to three decimals) to thousandths; returns use the same format. */
export function parseQuantity(quantity: unknown, where: string): number {
  if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0) {
    invalid(`${where}.quantity must be a number > 0, got ${String(quantity)}`);
  }
  let milli: number;
  try {
    milli = quantityToMilli(quantity);
  } catch {
    invalid(`${where}.quantity has more than three decimals: ${quantity}`);
  }
  if (milli <= 0 || !Number.isSafeInteger(milli)) invalid(`${where}.quantity is out of range: ${quantity}`);
  return milli;
}

export function priceLines(lines: readonly BasketLineInput[], basketDiscount: number): PricedLine[] {
  let sumGross = 0;
  const priced = lines.map((line, i) => {
    const where = `lines[${i}]`;
    if (typeof line.sku !== 'string' || line.sku === '') invalid(`${where}.sku must be a non-empty string`);
    if (typeof line.category !== 'string') invalid(`${where}.category must be a string`);
    const quantityMilli = parseQuantity(line.quantity, where);
    if (!isFen(line.unitPrice)) invalid(`${where}.unitPrice must be an integer >= 0 (fen), got ${line.unitPrice}`);
    const gross = lineGross(quantityMilli, line.unitPrice);
    if (!Number.isSafeInteger(gross)) invalid(`${where}: quantity × unitPrice is too large`);
    if (!isFen(line.discount) || line.discount > gross) {
      invalid(`${where}.discount must be an integer between 0 and ${gross} (the line total), got ${line.discount}`);
    }
    sumGross += gross;
    // Every later sum is bounded by Σ gross, so checking it once keeps all Number sums exact.
    if (!Number.isSafeInteger(sumGross) || sumGross > MAX_FEN) {
      invalid(`basket total is too large: at most ${MAX_FEN} fen`);
    }
    return { line, quantityMilli, gross };
  });
  const weights = priced.map((p) => p.gross - p.line.discount);
  const afterOwn = weights.reduce((a, w) => a + w, 0);
  if (!isFen(basketDiscount) || basketDiscount > afterOwn) {
    invalid(`basketDiscount must be an integer between 0 and ${afterOwn} (the basket after line discounts)`);
  }
  const shares = allocateLargestRemainder(basketDiscount, weights);
  return priced.map(({ line, quantityMilli, gross }, i) => {
    const basketShare = shares[i] ?? 0;
    return {
      sku: line.sku,
      category: line.category,
      quantityMilli,
      unitPrice: line.unitPrice,
      gross,
      ownDiscount: line.discount,
      basketShare,
      net: gross - line.discount - basketShare,
    };
  });
}
