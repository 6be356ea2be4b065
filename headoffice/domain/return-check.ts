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
 * `deductFromRefund` policy lets a till reverse less when the member's balance cannot cover it:
 * head office rebuilds the till's view from the return's basis (store/returns.ts) and the
 * shortfall must be exactly what that balance left, split as the till splits it (noted `short N`;
 * anything else flagged). A till before `basis` sends none: its shortfall is noted
 * `short N unchecked`. Under the default `allowNegative` any shortfall is flagged.
 *
 * A campaign bonus taken back (docs/campaigns.md "Returns") is recomputed too, from the sale's
 * computation (`campaignBonuses`, each with its offer's minSpend), the eligible spend the sale keeps
 * after the return (on the same earlier returns as the points) and the campaigns an earlier return
 * head office holds already took back (core/engine/bonus-return.ts). The till's bonus reversals
 * (`reverse` with `data.bonusReturn`) are compared per campaign, apart from the sale points'
 * reversal: a missing one, one of other points, or one where none is due (a second one, when two
 * tills each took it back without hearing of the other) is flagged; less under `deductFromRefund`
 * is part of the shortfall. A sale of a till before `campaignBonuses` has no bonus to take back.
 *
 * A stamp taken back (`stamp_return`) is recomputed the same way: due, once, when the
 * return leaves the sale's kept eligible spend below the stamp card's threshold in the sale's own
 * rule set (core/engine/bonus-return.ts `stampTakenBack`), unless an earlier return head office
 * holds took it back. A missing one (the member keeps a stamp towards a free item), one where none
 * is due, or a second one is flagged (`stampReturn till=… hq=…`). A sale whose rule set head office
 * does not hold is not compared for its stamp.
 *
 * Goods taken back twice (two tills each returning the same article, one of them offline) show
 * as `returned_more_than_sold`: every return head office holds of the sale adds up to more than
 * was sold.
 */
import { z } from 'zod';
import { bonusReturnOf, bonusesTakenBack, keptEligible, stampTakenBack } from '../../core/engine/bonus-return.js';
import { computeReturn, lessShort, pointsShortOf, type ReturnResult } from '../../core/engine/returns.js';
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
    /** fen the till kept back from the refund (absent from older tills) */
    refundDeduction?: number | undefined;
  };
  /** the original sale as head office holds it; null when it holds none */
  original: { memberNo: string | null; computation: SaleComputation | null } | null;
  /** what this till's earlier returns of the sale took back */
  ownEarlier: Quantities;
  /** what every other till's returns of the sale head office holds took back */
  others: Quantities;
  /** of those, the ones head office had received when the return happened (older tills) */
  othersBefore: Quantities;
  /** campaigns whose bonus an earlier return of the sale head office holds took back (absent: none) */
  bonusesTaken?: readonly string[];
  /** the stamp card's threshold in the sale's rule set, and whether an earlier return head office holds took the stamp back (absent: not compared) */
  stamp?: { threshold: number | undefined; takenBefore: boolean };
  /** the till's ledger entries for this return */
  entries: readonly ReturnEntry[];
  policy: 'allowNegative' | 'deductFromRefund';
  /**
   * The member's visible balance in the till's view just before the return, rebuilt from the
   * return's basis (DOMAIN.md 12); absent when head office cannot rebuild it (a till before
   * `basis`): a shortfall under `deductFromRefund` is then noted unchecked.
   */
  viewBalance?: number | undefined;
  /**
   * The fen a refund keeps for points short, at the member's tier in that same view
   * (core/engine/redeem.ts refundDeduction); absent with `viewBalance`.
   */
  deductionFor?: ((pointsShort: number) => number) | undefined;
}

export interface ReturnEntry {
  kind: string;
  points: number;
  spend: number;
  data?: { bonusReturn?: boolean | undefined; campaignId?: string | undefined };
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
    // A campaign bonus's reversal is compared on its own (bonusDiffs).
    if (e.kind === 'reverse' && bonusReturnOf(e) === null) {
      reversed += e.points;
      spend += e.spend;
    }
  }
  return { restored, reversed, spend };
}

/**
 * The till's bonus reversals against what it should have taken back per campaign (`want`, in the
 * order the till takes them): the differences, and the points it reversed short where `want` is
 * not exact (a till before `basis`: less is allowed under `deductFromRefund`, unchecked).
 */
function bonusDiffs(
  input: ReturnCheckInput,
  want: ReadonlyMap<string, number>,
  exact: boolean,
): { diffs: string[]; short: number } {
  const got = new Map<string, number>();
  for (const e of input.entries) {
    const id = bonusReturnOf(e);
    if (id !== null) got.set(id, (got.get(id) ?? 0) + e.points);
  }
  const diffs: string[] = [];
  let short = 0;
  for (const id of [...new Set([...want.keys(), ...got.keys()])].sort()) {
    const w = want.get(id);
    const till = got.get(id);
    if (!exact && w !== undefined && till !== undefined && till < w && input.policy === 'deductFromRefund') {
      short += w - till;
    } else if (till !== w) {
      diffs.push(`bonusReverse ${id} till=${till ?? 'none'} hq=${w ?? 'none'}`);
    }
  }
  return { diffs, short };
}

/**
 * What the till should have taken back: the sale points' reversal and each campaign bonus's,
 * less, under `deductFromRefund` with the till's view rebuilt, what its balance could not cover
 * (core/engine/returns.ts, the till's own arithmetic). `exact`: false when the view is unknown.
 */
function dueReversals(
  input: ReturnCheckInput,
  r: ReturnResult,
  comp: SaleComputation,
  previously: Quantities,
  returning: ReturnLines,
): { sale: number; bonuses: Map<string, number>; total: number; short: number; exact: boolean } {
  const kept = keptEligible(comp.lines, previously, returning.lines);
  const bonuses = bonusesTakenBack(comp.campaignBonuses, kept, new Set(input.bonusesTaken));
  const due = [r.pointsReversed, ...bonuses.map((b) => b.points)];
  const exact = input.policy === 'allowNegative' || input.viewBalance !== undefined;
  const short =
    input.policy === 'deductFromRefund' && input.viewBalance !== undefined
      ? pointsShortOf(due, input.viewBalance, r.pointsRestored)
      : 0;
  const [sale = 0, ...rest] = lessShort(due, short);
  const total = due.reduce((a, b) => a + b, 0);
  return { sale, bonuses: new Map(bonuses.map((b, i) => [b.campaignId, rest[i] ?? 0])), total, short, exact };
}

/** The till's stamp taken back against the recomputed one (none, or one). */
function stampDiffs(
  input: ReturnCheckInput,
  comp: SaleComputation,
  previously: Quantities,
  returning: ReturnLines,
): string[] {
  if (!input.stamp) return [];
  const kept = keptEligible(comp.lines, previously, returning.lines);
  const want = stampTakenBack(comp.stampEarned, input.stamp.threshold, kept, input.stamp.takenBefore) ? 1 : 0;
  const till = input.entries.filter((e) => e.kind === 'stamp_return').length;
  return till === want ? [] : [`stampReturn till=${till} hq=${want}`];
}

function bonusEntryPoints(entries: readonly ReturnEntry[]): number {
  return entries.reduce((a, e) => a + (bonusReturnOf(e) === null ? 0 : e.points), 0);
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
    const want = dueReversals(input, r, comp, previously, parsed.data);
    const bonus = bonusDiffs(input, want.bonuses, want.exact);
    diffs.push(...bonus.diffs);
    diffs.push(...stampDiffs(input, comp, previously, parsed.data));
    const short = r.pointsReversed - ret.pointsReversed;
    if (want.exact) {
      differ('pointsReversed', ret.pointsReversed, want.sale);
      if (input.policy === 'deductFromRefund') {
        const tillShort = want.total - ret.pointsReversed - bonusEntryPoints(input.entries);
        if (tillShort !== want.short) {
          diffs.push(`pointsShort till=${tillShort} hq=${want.short} balance=${input.viewBalance ?? 'unknown'}`);
        }
        if (want.short > 0) note = `short ${want.short}`;
        if (ret.refundDeduction !== undefined && input.deductionFor) {
          differ('refundDeduction', ret.refundDeduction, input.deductionFor(want.short));
        }
      } else if (ret.refundDeduction !== undefined) differ('refundDeduction', ret.refundDeduction, 0);
    } else if (short >= 0 && short + bonus.short > 0) {
      // A till before `basis`: its view cannot be rebuilt, so the shortfall is its word.
      note = `short ${short + bonus.short} unchecked`;
    } else differ('pointsReversed', ret.pointsReversed, r.pointsReversed);
  } else {
    differ('pointsReversed', ret.pointsReversed, r.pointsReversed);
    if (ret.refundDeduction !== undefined) differ('refundDeduction', ret.refundDeduction, 0);
  }
  return {
    recomputedReversed: r.pointsReversed,
    recomputedRestored: r.pointsRestored,
    mismatch: diffs.length > 0,
    note: diffs.join('; ') || note || 'ok',
  };
}
