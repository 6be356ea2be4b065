/**
 * Head office recomputes every uploaded sale with the same engine (DOMAIN.md: "a point
 * computed differently on two machines is a defect").
 *
 * Context: the till computed with its view of the member (DOMAIN.md 12): the merged state head
 * office had confirmed to it (the feed cursor the sale records as its basis) plus the till's own
 * entries for the member not yet confirmed, up to the sale. Head office rebuilds exactly that
 * view (sales.ts: the balance change the till had received, plus the till's chain after
 * it) and derives the context with the till's own function (core/engine/decide.ts
 * memberContextFor): reviewed tier, stamps, win-back, birthday-gift year, the daily cap used and
 * the late budget. A sale is flagged only when no state the till could have held justifies it.
 *
 * Birthday bonuses need the member's birthday; when head office has no member record yet,
 * bonus points are not compared (the note says so).
 *
 * Timing (issue 11, finding 3; DOMAIN.md 12 "Late sales"): the till's own dates are checked
 * against head office's receipt time, which no till controls. A sale that occurred more than the
 * rule set's `lateSaleMaxDays` local days before the day head office received it is flagged
 * `late_sale`, counted as the till counts (a till
 * refuses those itself, so one arriving means a till that does not), and one the till says it
 * recorded after head office received it is flagged `recorded_in_future` (a till whose clock
 * was moved to widen its late budget), beyond the clock skew a signature is allowed anyway.
 */
import { z } from 'zod';
import { computeEarn } from '../../core/engine/earn.js';
import { memberContextFor } from '../../core/engine/decide.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { RuleViolation, type EarnResult, type MemberContext } from '../../core/engine/types.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { emptyState, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { SaleRecord } from '../../core/sync/protocol.js';
import { MAX_CLOCK_SKEW_MS } from '../../core/sync/protocol.js';
import { daysBetween, localDate } from '../../core/time.js';

/** Only what the engine needs from the till's sale request; extra fields a newer till sends are ignored. */
const SaleInputs = z.object({
  lines: z
    .array(
      z.object({
        sku: z.string(),
        name: z.string().optional(),
        category: z.string(),
        quantity: z.number(),
        unitPrice: z.number().int(),
        discount: z.number().int().default(0),
      }),
    )
    .min(1),
  basketDiscount: z.number().int().default(0),
  tenders: z.array(z.looseObject({ type: z.string(), points: z.number().int().optional() })).default([]),
});

export interface SaleCheckInput {
  sale: SaleRecord;
  ruleSet: RuleSet | null;
  /** the till's entries written by this sale (not by its returns), in seq order */
  saleEntries: readonly LedgerEntry[];
  /** the till's view of the member just before the sale's first entry (DOMAIN.md 12) */
  tillView: MemberState | null;
  /** the member's "MM-DD" birthday or null; undefined when head office has no member record */
  birthday: string | null | undefined;
  /** when head office received the sale (ISO); absent: timing is not checked */
  receivedAt?: string;
}

/** `late_sale` / `recorded_in_future` against head office's receipt time (see the header). */
export function timingFlags(sale: SaleRecord, rs: RuleSet, receivedAt: string | undefined): string[] {
  if (receivedAt === undefined) return [];
  const received = Date.parse(receivedAt);
  const flags: string[] = [];
  // Counted in the programme's local days, as the till counts (main/service/sales.ts
  // refuseTooLate); the receipt's day is taken a clock skew earlier, for a till whose clock runs
  // behind head office's across midnight.
  const saleDay = localDate(sale.occurredAt, rs.timeZone).date;
  const receivedDay = localDate(new Date(received - MAX_CLOCK_SKEW_MS), rs.timeZone).date;
  if (daysBetween(saleDay, receivedDay) > rs.lateSaleMaxDays) flags.push('late_sale');
  if (sale.recordedAt !== undefined && Date.parse(sale.recordedAt) - received > MAX_CLOCK_SKEW_MS) {
    flags.push('recorded_in_future');
  }
  return flags;
}

export interface SaleCheck {
  recomputedPoints: number | null;
  recomputedBonus: number | null;
  mismatch: boolean;
  /** 'ok', 'anonymous', 'pending', or what differed */
  note: string;
}

function context(rs: RuleSet, input: SaleCheckInput, memberNo: string): MemberContext {
  const view = input.tillView ?? emptyState(memberNo, lowestTier(rs).code);
  const saleDay = localDate(input.sale.occurredAt, rs.timeZone).date;
  const recordedOn = localDate(input.sale.recordedAt ?? input.sale.occurredAt, rs.timeZone).date;
  return memberContextFor(rs, view, { birthday: input.birthday ?? null, saleDay, recordedOn });
}

export function checkSale(input: SaleCheckInput): SaleCheck {
  const c = checkPoints(input);
  if (!input.ruleSet || c.note === 'pending') return c;
  const flags = timingFlags(input.sale, input.ruleSet, input.receivedAt);
  if (flags.length === 0) return c;
  const note = [...flags, ...(c.mismatch ? [c.note] : [])].join('; ');
  return { ...c, mismatch: true, note };
}

function checkPoints(input: SaleCheckInput): SaleCheck {
  const { sale, ruleSet: rs } = input;
  if (!rs) return { recomputedPoints: null, recomputedBonus: null, mismatch: true, note: 'unknown_rule_version' };
  if (sale.memberNo !== null && input.saleEntries.length === 0) {
    // The entries travel in a later batch; the sale is checked when they arrive.
    return { recomputedPoints: null, recomputedBonus: null, mismatch: false, note: 'pending' };
  }
  const parsed = SaleInputs.safeParse(sale.request);
  if (!parsed.success) {
    return { recomputedPoints: null, recomputedBonus: null, mismatch: true, note: 'unparseable_request' };
  }
  const req = parsed.data;
  const redeemed = req.tenders.reduce((a, t) => (t.type === 'points' ? a + (t.points ?? 0) : a), 0);
  let r: EarnResult;
  try {
    r = computeEarn(rs, {
      lines: req.lines,
      basketDiscount: req.basketDiscount,
      pointsRedeemed: redeemed,
      occurredAt: sale.occurredAt,
      member: sale.memberNo === null ? null : context(rs, input, sale.memberNo),
    });
  } catch (e) {
    // Whatever the engine refuses is a finding about this sale, never a reason to refuse the
    // till's whole batch (it would resend it forever).
    const note = e instanceof RuleViolation ? `engine_refused:${e.code}` : `engine_error:${String(e)}`.slice(0, 200);
    return { recomputedPoints: null, recomputedBonus: null, mismatch: true, note };
  }

  const diffs: string[] = [];
  const differ = (what: string, till: number, hq: number): void => {
    if (till !== hq) diffs.push(`${what} till=${till} hq=${hq}`);
  };
  differ('total', sale.total, r.total);
  differ('pointsRedeemed', sale.pointsRedeemed, redeemed);
  if (sale.memberNo === null) {
    // An anonymous sale grants nothing; the engine's figure is only what a member would have had.
    differ('pointsEarned', sale.pointsEarned, 0);
    return {
      recomputedPoints: 0,
      recomputedBonus: 0,
      mismatch: diffs.length > 0,
      note: diffs.join('; ') || 'anonymous',
    };
  }
  const bonus = r.bonuses.reduce((a, b) => a + b.points, 0);
  differ('pointsEarned', sale.pointsEarned, r.points);
  const earn = input.saleEntries.find((e) => e.kind === 'earn');
  differ('earnEntry', earn?.points ?? -1, r.points);
  let note = '';
  if (input.birthday === undefined) note = 'bonus not compared: member record not received';
  else differ('bonusPoints', sale.bonusPoints, bonus);
  return {
    recomputedPoints: r.points,
    recomputedBonus: bonus,
    mismatch: diffs.length > 0,
    note: diffs.join('; ') || note || 'ok',
  };
}
