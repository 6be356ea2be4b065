/**
 * Head office recomputes every uploaded return with the till's own arithmetic
 * (core/engine/returns.ts `computeReturn`, DOMAIN.md 6), as it recomputes sales (recompute.ts):
 * the points a return takes back or gives back are a liability, not the till's word.
 *
 * What the till computed with: the original sale's computation (head office holds it: the sale's
 * till uploaded it before the return, or the till asked head office for it) and the quantities
 * earlier returns had taken back. The till says which (`previouslyReturned` in the record, since
 * this check). Head office does not take that on trust either: it must lie between what this
 * till itself had returned before (the till knows its own returns) and that plus every other
 * till's return head office holds (a till cannot have heard of a return that does not exist). A
 * till of an older version sends no claim; head office then uses this till's earlier returns and
 * other tills' returns it had received before the return happened (what the till was told).
 *
 * Compared: the record's figures and the till's ledger entries for the return (restore, reverse
 * and the reversal's qualifying spend) with the recomputation. The programme's
 * `deductFromRefund` policy lets a till reverse less when the member's balance cannot cover it;
 * a shortfall is noted (`short N`), not flagged, under that policy, and flagged under the default
 * `allowNegative`. A stamp taken back (`stamp_return`) is not compared.
 *
 * Goods taken back twice (two tills each returning the same article, one of them offline) show
 * as `returned_more_than_sold`: every return head office holds of the sale adds up to more than
 * was sold.
 */
import { z } from 'zod';
import { computeReturn, type ReturnResult } from '../../core/engine/returns.js';
import { RuleViolation } from '../../core/engine/types.js';
import type { SaleComputation } from '../../core/sync/protocol.js';

/** Quantity in thousandths per sku. */
export type Quantities = Readonly<Record<string, number>>;

export interface ReturnCheckInput {
  /** the return as the till uploaded it */
  ret: {
    request: Readonly<Record<string, unknown>>;
    pointsReversed: number;
    pointsRestored: number;
    previouslyReturned?: Quantities | undefined;
  };
  /** the original sale as head office holds it; null when it holds none */
  original: { memberNo: string | null; computation: SaleComputation | null } | null;
  /** what this till's earlier returns of the sale took back */
  ownEarlier: Quantities;
  /** what every other till's returns of the sale head office holds took back */
  others: Quantities;
  /** of those, the ones head office had received when the return happened (older tills) */
  othersBefore: Quantities;
  /** the till's ledger entries for this return */
  entries: readonly { kind: string; points: number; spend: number }[];
  policy: 'allowNegative' | 'deductFromRefund';
}

export interface ReturnCheck {
  recomputedReversed: number | null;
  recomputedRestored: number | null;
  mismatch: boolean;
  /** 'ok', 'not_checked: …', 'short N', or what differed */
  note: string;
}

const ReturnLines = z.object({
  lines: z.array(z.object({ sku: z.string(), quantity: z.number() })).min(1),
});
type ReturnLines = z.output<typeof ReturnLines>;

function flagged(note: string): ReturnCheck {
  return { recomputedReversed: null, recomputedRestored: null, mismatch: true, note };
}

function sum(...qs: Quantities[]): Record<string, number> {
  // Null-prototype: a sku may be any string, "__proto__" included.
  const out = Object.create(null) as Record<string, number>;
  for (const q of qs) for (const [sku, milli] of Object.entries(q)) out[sku] = (out[sku] ?? 0) + milli;
  return out;
}

/** The claim lies between this till's own earlier returns and those plus every other till's. */
function claimDiffs(claim: Quantities, own: Quantities, others: Quantities): string[] {
  const most = sum(own, others);
  const skus = new Set([...Object.keys(claim), ...Object.keys(own)]);
  const out: string[] = [];
  for (const sku of [...skus].sort()) {
    const c = claim[sku] ?? 0;
    const lo = own[sku] ?? 0;
    const hi = most[sku] ?? 0;
    if (c < lo || c > hi) out.push(`previouslyReturned ${sku} till=${c} hq=${lo}..${hi}`);
  }
  return out;
}

type Figures = { ok: true; r: ReturnResult } | { ok: false; code: string };

function figures(comp: SaleComputation, previously: Quantities, returning: ReturnLines): Figures {
  try {
    const r = computeReturn({
      lines: comp.lines,
      earned: comp.earned,
      pointsRedeemed: comp.pointsRedeemed,
      previouslyReturned: previously,
      returning: returning.lines,
    });
    return { ok: true, r };
  } catch (e) {
    // Whatever the engine refuses is a finding about this return, never a reason to refuse the batch.
    if (e instanceof RuleViolation) return { ok: false, code: e.code };
    return { ok: false, code: `engine_error:${String(e)}`.slice(0, 200) };
  }
}

function entrySums(entries: ReturnCheckInput['entries']): { restored: number; reversed: number; spend: number } {
  let restored = 0;
  let reversed = 0;
  let spend = 0;
  for (const e of entries) {
    if (e.kind === 'restore') restored += e.points;
    if (e.kind === 'reverse') {
      reversed += e.points;
      spend += e.spend;
    }
  }
  return { restored, reversed, spend };
}

export function checkReturn(input: ReturnCheckInput): ReturnCheck {
  const { ret, original } = input;
  if (!original) return flagged('unknown_original_sale');
  const comp = original.computation;
  if (!comp) {
    return { recomputedReversed: null, recomputedRestored: null, mismatch: false, note: 'not_checked: no computation' };
  }
  const parsed = ReturnLines.safeParse(ret.request);
  if (!parsed.success) return flagged('unparseable_request');
  const diffs: string[] = [];
  const claim = ret.previouslyReturned;
  if (claim) diffs.push(...claimDiffs(claim, input.ownEarlier, input.others));
  const previously = claim ?? sum(input.ownEarlier, input.othersBefore);
  const f = figures(comp, previously, parsed.data);
  if (!f.ok) return flagged([`engine_refused:${f.code}`, ...diffs].join('; '));
  const all = figures(comp, sum(input.ownEarlier, input.others), parsed.data);
  if (!all.ok && all.code === 'return_exceeds_sale') diffs.push('returned_more_than_sold');

  const { r } = f;
  const differ = (what: string, till: number, hq: number): void => {
    if (till !== hq) diffs.push(`${what} till=${till} hq=${hq}`);
  };
  differ('pointsRestored', ret.pointsRestored, r.pointsRestored);
  let note = '';
  if (original.memberNo !== null) {
    const got = entrySums(input.entries);
    differ('restoreEntry', got.restored, r.pointsRestored);
    differ('reverseEntry', got.reversed, ret.pointsReversed);
    differ('reverseSpend', -got.spend, r.returnedQualifying);
    const short = r.pointsReversed - ret.pointsReversed;
    if (short > 0 && input.policy === 'deductFromRefund') note = `short ${short}`;
    else differ('pointsReversed', ret.pointsReversed, r.pointsReversed);
  } else {
    differ('pointsReversed', ret.pointsReversed, r.pointsReversed);
  }
  return {
    recomputedReversed: r.pointsReversed,
    recomputedRestored: r.pointsRestored,
    mismatch: diffs.length > 0,
    note: diffs.join('; ') || note || 'ok',
  };
}
