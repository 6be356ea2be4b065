/**
 * A seeded POS workload for the crash test: baskets, points tenders, returns and enrolments,
 * built only from the public request shapes of CONTRACTS.md. Everything random comes from
 * one seeded generator, so CRASH_SEED replays the same requests (kill timing still depends
 * on the machine).
 */
import { ean13CheckDigit } from '../../core/cards/checkdigit.js';

/** mulberry32: small, fast, good enough to drive a test. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[Math.floor(next() * xs.length)] as T;
    },
  };
}

export interface Rng {
  next(): number;
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

interface Product {
  sku: string;
  name: string;
  category: string;
  unitPrice: number;
  weighed: boolean;
}

/** Includes excluded categories (tobacco, gift-card) and weighed goods with 3-decimal quantities. */
export const CATALOGUE: readonly Product[] = [
  { sku: 'rice-5kg', name: 'Rice 5 kg', category: 'grocery', unitPrice: 4990, weighed: false },
  { sku: 'oil-1l', name: 'Peanut oil 1 L', category: 'grocery', unitPrice: 2590, weighed: false },
  { sku: 'milk-1l', name: 'Milk 1 L', category: 'dairy', unitPrice: 1290, weighed: false },
  { sku: 'yogurt', name: 'Yogurt', category: 'dairy', unitPrice: 690, weighed: false },
  { sku: 'apples', name: 'Apples (kg)', category: 'fresh', unitPrice: 1280, weighed: true },
  { sku: 'pork', name: 'Pork belly (kg)', category: 'fresh', unitPrice: 3580, weighed: true },
  { sku: 'tea', name: 'Green tea', category: 'beverage', unitPrice: 8800, weighed: false },
  { sku: 'cola-6', name: 'Cola x6', category: 'beverage', unitPrice: 1980, weighed: false },
  { sku: 'cigs', name: 'Cigarettes', category: 'tobacco', unitPrice: 2500, weighed: false },
  { sku: 'gift-100', name: 'Gift card 100', category: 'gift-card', unitPrice: 10000, weighed: false },
  { sku: 'kettle', name: 'Kettle', category: 'home', unitPrice: 15900, weighed: false },
  { sku: 'towel', name: 'Towel', category: 'home', unitPrice: 3900, weighed: false },
];

export interface SaleLine {
  sku: string;
  name: string;
  category: string;
  quantity: number;
  unitPrice: number;
  discount: number;
}

export type Tender = { type: 'cash' | 'card' | 'other'; amount: number } | { type: 'points'; points: number };

export interface SaleBody {
  saleId: string;
  memberNo?: string;
  memberCode?: string;
  lines: SaleLine[];
  tenders: Tender[];
  staffId?: string;
}

export interface ReturnBody {
  returnId: string;
  originalSaleId: string;
  lines: { sku: string; quantity: number }[];
}

export interface EnrolBody {
  name: string;
  phone: string;
  birthday?: string;
  consent: { marketing: boolean; text: string };
  cardCode: string;
}

/** A basket of 1-6 distinct products (distinct skus keep return bookkeeping simple). */
export function makeLines(r: Rng): SaleLine[] {
  const n = r.int(1, 6);
  const chosen = new Set<Product>();
  while (chosen.size < n) chosen.add(r.pick(CATALOGUE));
  return [...chosen].map((p) => {
    const quantity = p.weighed ? r.int(100, 2500) / 1000 : r.int(1, 3);
    const gross = Math.round(quantity * p.unitPrice);
    const discount = r.chance(0.2) ? r.int(0, Math.floor(gross / 10)) : 0;
    return { sku: p.sku, name: p.name, category: p.category, quantity, unitPrice: p.unitPrice, discount };
  });
}

/** Quantities still with the customer, in thousandths per sku. */
export function quantitiesMilli(lines: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.sku, (m.get(l.sku) ?? 0) + Math.round(l.quantity * 1000));
  return m;
}

/** Some of what remains: whole units for counted goods, any thousandths for weighed goods. */
export function makeReturnLines(r: Rng, remaining: Map<string, number>): { sku: string; quantity: number }[] {
  const open = [...remaining.entries()].filter(([, q]) => q > 0);
  const out: { sku: string; quantity: number }[] = [];
  for (const [sku, q] of open) {
    if (out.length > 0 && !r.chance(0.5)) continue;
    const weighed = CATALOGUE.find((p) => p.sku === sku)?.weighed ?? false;
    let milli: number;
    if (r.chance(0.4)) milli = q;
    else if (weighed) milli = r.int(1, q);
    else milli = r.int(1, Math.max(1, Math.floor(q / 1000))) * 1000;
    milli = Math.min(milli, q);
    out.push({ sku, quantity: milli / 1000 });
  }
  return out;
}

/** A member card code that cannot collide with till member numbers (those start with 2). */
export function cardCodeFor(n: number): string {
  const first12 = `69${String(n).padStart(10, '0')}`;
  return `${first12}${ean13CheckDigit(first12)}`;
}

/** Mainland mobile numbers, unique per n. */
export function phoneFor(seed: number, n: number): string {
  return `139${String((seed % 1000) * 100_000 + n).padStart(8, '0')}`;
}
