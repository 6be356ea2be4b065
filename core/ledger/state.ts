/**
 * A member's derived state, folded from ledger entries. The till caches it; a test rebuilds
 * it from the ledger and compares. Everything here is a pure function of the entries in
 * order, so the cache and the rebuild cannot disagree unless an entry is missing.
 */
import { addDays, addMonthsClamped } from '../time.js';
import { type LedgerEntry, isCredit, isDebit, lotIdOf } from './entry.js';

export interface Lot {
  id: string;
  earnedOn: string;
  /** last local date the points can be used; null = never expires */
  expiresOn: string | null;
  remaining: number;
}

export interface MemberState {
  memberNo: string;
  balance: number;
  tier: string;
  /** open lots, ordered by consumption priority (earliest expiry first) */
  lots: Lot[];
  /** points owed after a debit exceeded the lots (a return with too low a balance) */
  debt: number;
  /** qualifying spend by local date, kept for the rolling 12-month window */
  spend: { on: string; amount: number }[];
  /**
   * Spend booked on an earlier date than its entry's (a return's reduction belongs to its sale's
   * date), with the entry's date `at`, kept while a review not yet recorded may fall between the
   * two: a review judges the spend known on its date (DOMAIN.md 5), so a return made after it is
   * not in its window. Absent when there is none.
   */
  spendBookedBack?: { on: string; amount: number; at: string }[];
  stamps: number;
  /**
   * The most stamps the card has held, kept only while returns have taken stamps back below it
   * (absent otherwise): a stamp re-earned up to it grants no reward, since the reward for that
   * position was granted and is not reversed (DOMAIN.md 4: a buy-and-return loop mints nothing).
   */
  stampsHigh?: number;
  birthdayGiftYear: number | null;
  /** sale points granted per local day over the last EARNED_DAYS_KEPT days (for the daily cap) */
  earnedDays: { on: string; points: number }[];
  winBackUntil: string | null;
  /**
   * Campaign offers granted by head office (docs/campaigns.md), one per campaign, dropped once
   * `until` is before the date of a later entry; absent until the first offer.
   */
  offers?: LiveOffer[];
  /**
   * Position of `tier` in the programme's list, when a ranked tier entry set it (see
   * EntryData.rank); absent on states folded only from entries without ranks.
   */
  tierRank?: number;
  /** late-sale points per local day of recording (DOMAIN.md 12 late budget), same window as earnedDays */
  lateDays?: { on: string; points: number }[];
  /** the member's coupons by code (DOMAIN.md 12: known chain-wide), pruned 35 days after validTo */
  coupons?: Record<string, MemberCoupon>;
  /**
   * Coupon uses folded before the reward entry that issues their coupon, by code. Head office
   * merges tills by time, so a coupon issued at one till and used at another in the same
   * millisecond (or under clock skew) can arrive in fold order use-first; the use waits here and
   * the issue then starts used. Pruned COUPON_KEPT_DAYS after the use's date.
   */
  couponUsesAhead?: Record<string, CouponUseAhead>;
  /**
   * Uses of a campaign's bonus or service offer folded before the offer entry itself, by
   * campaign: head office merges by time, and a till whose clock runs behind head office's dates
   * its sale before the grant it saw. The use waits here and the offer then starts used (as
   * couponUsesAhead). Pruned COUPON_KEPT_DAYS after the use's date.
   */
  offerUsesAhead?: Record<string, { on: string; usedBy: string }>;
  /** free services claimed per year: "2026:car-wash" -> count (DOMAIN.md 5 tier benefit) */
  servicesUsed?: Record<string, number>;
  /** local date of the member's first sale (DOMAIN.md 8 "new") */
  firstSaleOn?: string | null;
  /** local date the current tier was reached (reviews only judge a tier held a whole period) */
  tierSince: string | null;
  /** the last review date applied */
  reviewedThrough: string | null;
  lastSaleOn: string | null;
  lastSeq: string | null;
}

/** What a campaign offer gives (docs/campaigns.md "Offer kinds"); absent on an offer entry = multiplier. */
export type OfferKind = 'multiplier' | 'bonus' | 'coupon' | 'service';

/**
 * A campaign's offer to a member, live on local dates from..until (inclusive). `kind` absent is
 * an earn multiplier (states folded before the other kinds existed). The kind-specific fields:
 * multiplier: `multiplierMilli`; bonus: `minSpend` (eligible fen) and `bonusPoints`, once per
 * member and campaign; coupon: `couponCode` and `couponValue` (the coupon itself is in
 * MemberState.coupons, where its use is recorded); service: `service`, claimed once.
 * `usedBy` is the entry that used a bonus or service offer ("till:seq"), null while open.
 */
export interface LiveOffer {
  campaignId: string;
  kind?: OfferKind;
  /** thousandths: 2000 = x2; 1000 on the kinds that multiply nothing */
  multiplierMilli: number;
  from: string;
  until: string;
  name: { zh: string; en: string };
  minSpend?: number;
  bonusPoints?: number;
  couponCode?: string;
  couponValue?: number;
  service?: string;
  usedBy?: string | null;
}

export function offerKind(o: Pick<LiveOffer, 'kind'>): OfferKind {
  return o.kind ?? 'multiplier';
}

/** The offers live on `day`, in campaign id order. */
export function liveOffers(state: Pick<MemberState, 'offers'>, day: string): LiveOffer[] {
  return (state.offers ?? []).filter((o) => o.from <= day && day <= o.until);
}

/** Whether a live offer can still give something: a bonus, service or coupon not used yet. */
export function isOfferOpen(state: Pick<MemberState, 'coupons'>, o: LiveOffer): boolean {
  const kind = offerKind(o);
  switch (kind) {
    case 'multiplier':
      return true;
    case 'bonus':
    case 'service':
      return (o.usedBy ?? null) === null;
    case 'coupon': {
      const c = o.couponCode === undefined ? undefined : state.coupons?.[o.couponCode];
      return c !== undefined && c.usedBy === null;
    }
    default: {
      const never: never = kind;
      throw new LedgerStateError(`unknown offer kind ${String(never)}`);
    }
  }
}

/** The offers live on `day` that can still give something (the cashier's line, the receipt). */
export function openOffers(state: Pick<MemberState, 'offers' | 'coupons'>, day: string): LiveOffer[] {
  return liveOffers(state, day).filter((o) => isOfferOpen(state, o));
}

/**
 * A bonus or service use of the campaign's offer by entry `by`: the offer is marked used; with no
 * offer of the campaign folded yet, the use waits in offerUsesAhead. A use of an offer already
 * used changes nothing (the first holds).
 */
function useOffer(s: MemberState, campaignId: string, by: string, on: string): void {
  const offers = s.offers ?? [];
  if (offers.some((o) => o.campaignId === campaignId)) {
    s.offers = offers.map((o) =>
      o.campaignId === campaignId && (o.usedBy ?? null) === null ? { ...o, usedBy: by } : o,
    );
    return;
  }
  if (s.offerUsesAhead?.[campaignId] !== undefined) return;
  const keepFrom = addDays(on, -COUPON_KEPT_DAYS);
  const kept = Object.entries(s.offerUsesAhead ?? {}).filter(([, v]) => v.on >= keepFrom);
  s.offerUsesAhead = { ...Object.fromEntries(kept), [campaignId]: { on, usedBy: by } };
}

/** A newly folded offer that a use folded before it already used (offerUsesAhead). */
function withUseAhead(s: MemberState, o: LiveOffer): LiveOffer {
  const ahead = s.offerUsesAhead?.[o.campaignId];
  if (ahead === undefined || (o.kind !== 'bonus' && o.kind !== 'service')) return o;
  const rest = Object.entries(s.offerUsesAhead ?? {}).filter(([k]) => k !== o.campaignId);
  if (rest.length > 0) s.offerUsesAhead = Object.fromEntries(rest);
  else delete s.offerUsesAhead;
  return { ...o, usedBy: ahead.usedBy };
}

/** The state's offers with `o` in place of any offer of its campaign, less those ended before `today`. */
function withOffer(offers: readonly LiveOffer[] | undefined, o: LiveOffer, today: string): LiveOffer[] {
  const kept = (offers ?? []).filter((x) => x.campaignId !== o.campaignId && x.until >= today);
  return [...kept, o].sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0));
}

export interface MemberCoupon {
  rewardId: string;
  value: number;
  validFrom: string;
  validTo: string;
  /** the reward entry that issued it, "till:seq" */
  issuedBy: string;
  usedAt: string | null;
  usedSaleId: string | null;
  /** the coupon_use entry that used it, "till:seq" */
  usedBy: string | null;
}

export interface CouponUseAhead {
  /** local date of the use */
  on: string;
  usedAt: string;
  usedSaleId: string | null;
  usedBy: string;
}

export function emptyState(memberNo: string, tier: string): MemberState {
  return {
    memberNo,
    balance: 0,
    tier,
    lots: [],
    debt: 0,
    spend: [],
    stamps: 0,
    birthdayGiftYear: null,
    earnedDays: [],
    winBackUntil: null,
    tierSince: null,
    reviewedThrough: null,
    lastSaleOn: null,
    lastSeq: null,
  };
}

/**
 * Takes `points` from the lots: the lot `first` names first (a reversal takes back its own
 * earn's lot), then FIFO. Lots past their expiry on `today` cannot pay: they wait for the
 * expire entry (head office's end-of-day run, or a standalone till's next activity), which then
 * finds exactly the points it removes. Lots left untouched are shared with the input, never
 * copied or changed: states are values, no caller mutates a lot.
 */
function consume(
  lots: readonly Lot[],
  points: number,
  today: string,
  first?: { lotId?: string | undefined; earnedOn?: string | undefined },
): { lots: Lot[]; shortfall: number } {
  let left = points;
  const live = (l: Lot): boolean => l.expiresOn === null || l.expiresOn >= today;
  // The lot named, or (its credit having joined its day's lot) the lot of the sale's day.
  let own = first?.lotId ? lots.findIndex((l) => l.id === first.lotId && live(l)) : -1;
  if (own < 0 && first?.earnedOn) own = lots.findIndex((l) => l.earnedOn === first.earnedOn && live(l));
  let ownTaken = 0;
  if (own >= 0) {
    ownTaken = Math.min((lots[own] as Lot).remaining, left);
    left -= ownTaken;
  }
  const next: Lot[] = [];
  for (let i = 0; i < lots.length; i++) {
    const l = lots[i] as Lot;
    let remaining = i === own ? l.remaining - ownTaken : l.remaining;
    if (left !== 0 && live(l)) {
      const t = Math.min(remaining, left);
      remaining -= t;
      left -= t;
    }
    if (remaining > 0) next.push(remaining === l.remaining ? l : { ...l, remaining });
  }
  return { lots: next, shortfall: left };
}

/**
 * A lot's identity: the day its points were earned and the day they expire. Points alike in
 * both are alike in every way anything can observe (expiry, the spending lock, FIFO order), so
 * each day's credits form one lot: a member's state grows with the days they earned on, not
 * with their number of sales (DOMAIN.md 12: a member's history must not slow the counter).
 */
export function lotKey(earnedOn: string, expiresOn: string | null): string {
  return `${earnedOn}>${expiresOn ?? 'never'}`;
}

function keyOrder(a: Pick<Lot, 'earnedOn' | 'expiresOn'>, b: Pick<Lot, 'earnedOn' | 'expiresOn'>): number {
  const ae = a.expiresOn ?? '9999-99-99';
  const be = b.expiresOn ?? '9999-99-99';
  if (ae !== be) return ae < be ? -1 : 1;
  return a.earnedOn < b.earnedOn ? -1 : a.earnedOn > b.earnedOn ? 1 : 0;
}

/**
 * Adds a credit to the lot of its day, or inserts a new lot where a sort by lotOrder would put
 * it: `lots` is always in lotOrder (MemberState), so a binary search finds the place. A new
 * lot usually expires last: then it is one comparison.
 */
function withLot(lots: readonly Lot[], lot: Lot): Lot[] {
  const n = lots.length;
  if (n === 0 || keyOrder(lots[n - 1] as Lot, lot) < 0) return [...lots, lot];
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOrder(lots[mid] as Lot, lot) < 0) lo = mid + 1;
    else hi = mid;
  }
  const same = lots[lo];
  if (same !== undefined && keyOrder(same, lot) === 0) {
    const next = lots.slice();
    next[lo] = { ...same, remaining: same.remaining + lot.remaining };
    return next;
  }
  return [...lots.slice(0, lo), lot, ...lots.slice(lo)];
}

/**
 * Days of earnings kept for the daily cap: the latest day and the EARNED_DAYS_KEPT before it. A
 * POS may deliver a sale late (dated an earlier day, at most lateSaleMaxDays <= 35 before the
 * till's date, which is on or after the latest day held); its day is still held, so it counts
 * against that day's cap. Older days are dropped.
 */
export const EARNED_DAYS_KEPT = 35;

/**
 * The reducer trims every entry's windows relative to the entry's own date, and a member's
 * entries come day after day: the last answer of each window is kept at hand (the same pure
 * date arithmetic, without building a cache key per entry).
 */
let spendKeptFor = '';
let spendKeepAfter = '';

function spendKeepAfterOf(localDate: string): string {
  if (localDate !== spendKeptFor) {
    spendKeepAfter = addMonthsClamped(localDate, -13);
    spendKeptFor = localDate;
  }
  return spendKeepAfter;
}

/** spendKeepAfterFor's last answer for a review or tier date (the same few dates, entry after entry) */
let pendingKeptFor = '';
let pendingKeepAfter = '';

/**
 * Spend dated after this is kept: 13 months before the entry's date, and further back while a
 * review may still be due that asks about it. Reviews not yet recorded fall after the date the
 * tier was reached or last reviewed, and each looks back 12 months from its own date: a linked
 * till that has not heard from head office for months judges them in memory (DOMAIN.md 5, 12).
 * Only a tier above the lowest is reviewed (a ranked tier entry tells; states folded from
 * entries without ranks keep the 13 months); once its reviews are recorded, the next spend trims
 * the rest.
 */
function spendKeepAfterFor(s: MemberState, entryDate: string): string {
  const recent = spendKeepAfterOf(entryDate);
  if (s.tierRank === undefined || s.tierRank === 0) return recent;
  const since =
    s.reviewedThrough !== null && (s.tierSince === null || s.reviewedThrough > s.tierSince)
      ? s.reviewedThrough
      : s.tierSince;
  if (since === null || since >= entryDate) return recent;
  if (since !== pendingKeptFor) {
    pendingKeepAfter = addMonthsClamped(since, -13);
    pendingKeptFor = since;
  }
  return pendingKeepAfter < recent ? pendingKeepAfter : recent;
}

let earnedKeptFor = '';
let earnedKeepAfter = '';

function earnedKeepAfterOf(latest: string): string {
  if (latest !== earnedKeptFor) {
    earnedKeepAfter = addDays(latest, -EARNED_DAYS_KEPT - 1);
    earnedKeptFor = latest;
  }
  return earnedKeepAfter;
}

function addEarned(
  days: readonly { on: string; points: number }[],
  on: string,
  points: number,
): { on: string; points: number }[] {
  let at = -1;
  for (let i = 0; i < days.length; i++) {
    if ((days[i] as { on: string }).on === on) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    const next = [...days, { on, points }].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
    const keepAfter = earnedKeepAfterOf((next[next.length - 1] as { on: string }).on);
    return next.filter((d) => d.on > keepAfter);
  }
  // The day is there already: it takes the points, in place of the old item (days.map).
  const keepAfter = earnedKeepAfterOf((days[days.length - 1] as { on: string }).on);
  const next: { on: string; points: number }[] = [];
  for (let i = 0; i < days.length; i++) {
    const d = days[i] as { on: string; points: number };
    if (d.on === on) {
      if (on > keepAfter) next.push({ on, points: d.points + points });
    } else if (d.on > keepAfter) {
      next.push(d);
    }
  }
  return next;
}

/**
 * One item per local date, in date order: a busy member's state stays small. `on` may be an
 * earlier date than the entry's own (a return's reduction belongs to its sale's date), so the
 * item is found or inserted in place; what is dated after `keepAfter` is kept (spendKeepAfterFor).
 */
function addSpend(
  prev: readonly { on: string; amount: number }[],
  on: string,
  amount: number,
  keepAfter: string,
): { on: string; amount: number }[] {
  const out: { on: string; amount: number }[] = [];
  let placed = false;
  for (let i = 0; i < prev.length; i++) {
    const x = prev[i] as { on: string; amount: number };
    if (!placed && x.on >= on) {
      placed = true;
      if (x.on === on) {
        if (on > keepAfter) out.push({ on, amount: x.amount + amount });
        continue;
      }
      if (on > keepAfter) out.push({ on, amount });
    }
    if (x.on > keepAfter) out.push(x);
  }
  if (!placed && on > keepAfter) out.push({ on, amount });
  return out;
}

/** Sale points already granted on a local day (DOMAIN.md 3.7 daily cap). */
export function earnedOn(state: MemberState, day: string): number {
  return state.earnedDays.find((d) => d.on === day)?.points ?? 0;
}

/** Late-sale points already counted against the late budget of a day of recording (DOMAIN.md 12). */
export function lateEarnedOn(state: MemberState, day: string): number {
  return state.lateDays?.find((d) => d.on === day)?.points ?? 0;
}

/**
 * What counts as "already earned" for a sale dated `saleDay` and recorded on `recordedOn`: its
 * own day's points, or, for a late sale, the larger of that and the late budget used on the day
 * of recording. The engine's daily cap then leaves min(cap - own day, cap - late budget).
 */
export function capUsed(state: MemberState, saleDay: string, recordedOn: string): number {
  const own = earnedOn(state, saleDay);
  return recordedOn > saleDay ? Math.max(own, lateEarnedOn(state, recordedOn)) : own;
}

/** Rolling window: spend on dates after `asOf` minus 12 months counts. */
export function rollingSpend(state: MemberState, asOf: string): number {
  const from = addMonthsClamped(asOf, -12);
  return state.spend.reduce((s, e) => (e.on > from && e.on <= asOf ? s + e.amount : s), 0);
}

/**
 * The rolling spend as it stood on `asOf`: what a review on that date judges (DOMAIN.md 5). Spend
 * booked back into the window by entries dated after `asOf` (a later return of an earlier sale)
 * is left out, so a review judged late, in memory or at head office, sees what a review recorded
 * on the day would have seen.
 */
export function rollingSpendKnownOn(state: MemberState, asOf: string): number {
  const from = addMonthsClamped(asOf, -12);
  const later = (state.spendBookedBack ?? []).reduce(
    (t, x) => (x.at > asOf && x.on > from && x.on <= asOf ? t + x.amount : t),
    0,
  );
  return rollingSpend(state, asOf) - later;
}

export class LedgerStateError extends Error {
  readonly code = 'ledger_state';
  constructor(message: string) {
    super(message);
    this.name = 'LedgerStateError';
  }
}

/** Folds one entry into the state. Throws only when the entry contradicts the state (a defect). */
export function applyEntry(state: MemberState, e: LedgerEntry): MemberState {
  if (e.memberNo !== state.memberNo) throw new LedgerStateError(`entry for ${e.memberNo} applied to ${state.memberNo}`);
  const id = lotIdOf(e);
  const s: MemberState = { ...state, lastSeq: id };

  if (e.spend !== 0) {
    const on = e.data.spendOn ?? e.localDate;
    s.spend = addSpend(s.spend, on, e.spend, spendKeepAfterFor(s, e.localDate));
    if (on < e.localDate) s.spendBookedBack = [...(s.spendBookedBack ?? []), { on, amount: e.spend, at: e.localDate }];
  }

  if (isCredit(e.kind)) {
    s.balance += e.points;
    let add = e.points;
    if (s.debt > 0) {
      const pay = Math.min(s.debt, add);
      s.debt -= pay;
      add -= pay;
    }
    if (add > 0) {
      s.lots = withLot(s.lots, {
        id: lotKey(e.localDate, e.expiresOn),
        earnedOn: e.localDate,
        expiresOn: e.expiresOn,
        remaining: add,
      });
    }
  } else if (isDebit(e.kind)) {
    s.balance -= e.points;
    if (e.kind === 'expire') {
      const before = e.data.before ?? e.localDate;
      const expiring = s.lots.filter((l) => l.expiresOn !== null && l.expiresOn < before);
      const sum = expiring.reduce((a, l) => a + l.remaining, 0);
      if (sum !== e.points) {
        throw new LedgerStateError(`expire entry ${lotIdOf(e)} removes ${e.points} but ${sum} are due`);
      }
      s.lots = s.lots.filter((l) => !(l.expiresOn !== null && l.expiresOn < before));
    } else {
      const r = consume(
        s.lots,
        e.points,
        e.localDate,
        e.kind === 'reverse' ? { lotId: e.data.lotId, earnedOn: e.data.spendOn } : undefined,
      );
      s.lots = r.lots;
      s.debt += r.shortfall;
    }
  }

  switch (e.kind) {
    case 'earn': {
      if (s.lastSaleOn === null || e.localDate > s.lastSaleOn) s.lastSaleOn = e.localDate;
      if (e.saleId !== null && (s.firstSaleOn == null || e.localDate < s.firstSaleOn)) s.firstSaleOn = e.localDate;
      s.stamps += e.data.stamp ?? 0;
      if (s.stampsHigh !== undefined && s.stamps >= s.stampsHigh) delete s.stampsHigh;
      s.earnedDays = addEarned(s.earnedDays, e.localDate, e.points);
      if (e.data.recordedOn !== undefined && e.data.recordedOn > e.localDate) {
        s.lateDays = addEarned(s.lateDays ?? [], e.data.recordedOn, e.points);
      }
      break;
    }
    case 'bonus':
      if (e.data.bonus === 'birthday') s.birthdayGiftYear = Number(e.localDate.slice(0, 4));
      // A campaign's bonus is given once per member (docs/campaigns.md): the offer is used.
      if (e.data.bonus === 'campaign' && e.data.campaignId !== undefined) {
        useOffer(s, e.data.campaignId, id, e.localDate);
      }
      break;
    case 'stamp_return':
      if ((e.data.stamp ?? 0) > 0) s.stampsHigh = Math.max(s.stampsHigh ?? s.stamps, s.stamps);
      s.stamps -= e.data.stamp ?? 0;
      break;
    case 'tier': {
      if (!e.data.toTier) throw new LedgerStateError(`tier entry ${lotIdOf(e)} has no target tier`);
      const review = e.data.reason === 'review';
      if (review) {
        // A review judged the tier it names. Folded onto another (an upgrade dated before it was
        // uploaded after it was written: an offline till's), it judged a state the member is no
        // longer in, and is void: the tier stays and the review stays due, to be judged again on
        // the state as it now is (in memory at the tills, by head office's next end-of-day run).
        if (e.data.fromTier !== undefined && e.data.fromTier !== s.tier) break;
        const on = e.data.before ?? e.localDate;
        if (s.reviewedThrough === null || on > s.reviewedThrough) s.reviewedThrough = on;
        // A review judges the tier held on its date: a tier reached after that date stays.
        if (s.tierSince !== null && s.tierSince > on) break;
        // A downgrade judged without spend dated before it that reached head office later (an
        // offline till's sales): on the spend now known the member met the tier, so it is kept.
        if (
          e.data.toTier !== s.tier &&
          e.data.threshold !== undefined &&
          rollingSpendKnownOn(s, on) >= e.data.threshold
        )
          break;
      }
      // An upgrade decided on a smaller view than this state's never lowers a tier reached elsewhere,
      // unless it was decided below the stored tier on reviews this state has not recorded, each
      // judged as the till judged it: then it stands, from its date, as any upgrade.
      const rank = e.data.rank;
      const belowOnOwnReviews = !review && rank !== undefined && rank < (s.tierRank ?? 0) && reviewedAsStated(s, e);
      if (!review && rank !== undefined && s.tierRank !== undefined && rank <= s.tierRank && !belowOnOwnReviews) {
        // Re-reaching the tier held, decided below it after the state's own pending reviews,
        // applied in memory by a linked till: it saw a review's lower tier. The tier is held
        // anew from this date, and that review, which judges the tier held on its own date, no
        // longer lowers it. Decided below it without such reviews, the till had not heard of the
        // tier (head office's upgrade on merged spend): the tier is held from when it was reached.
        if (
          rank === s.tierRank &&
          e.data.fromTier !== undefined &&
          e.data.fromTier !== s.tier &&
          reviewedAsStated(s, e)
        ) {
          if (s.tierSince === null || e.localDate > s.tierSince) s.tierSince = e.localDate;
        }
        break;
      }
      // A review's tier begins on the review date, however late the member was next seen.
      // Head office's upgrade on spend that reached the tier before it was written: from then.
      if (e.data.toTier !== s.tier) {
        s.tierSince = review ? (e.data.before ?? e.localDate) : (e.data.reachedOn ?? e.localDate);
      }
      s.tier = e.data.toTier;
      if (rank !== undefined) s.tierRank = rank;
      else delete s.tierRank;
      break;
    }
    case 'reward':
      if (e.data.couponCode !== undefined && e.data.validTo !== undefined) {
        const code = e.data.couponCode;
        const ahead = s.couponUsesAhead?.[code];
        s.coupons = withCoupon(s.coupons, e.localDate, code, {
          rewardId: e.data.rewardId ?? '',
          value: e.data.couponValue ?? 0,
          validFrom: e.data.validFrom ?? e.localDate,
          validTo: e.data.validTo,
          issuedBy: id,
          usedAt: ahead?.usedAt ?? null,
          usedSaleId: ahead?.usedSaleId ?? null,
          usedBy: ahead?.usedBy ?? null,
        });
        if (ahead) s.couponUsesAhead = withoutUseAhead(s.couponUsesAhead, e.localDate, code);
        // A campaign's coupon (head office's reward entry, 0 points) is also shown as its offer.
        if (e.data.campaignId !== undefined) {
          s.offers = withOffer(
            s.offers,
            {
              campaignId: e.data.campaignId,
              kind: 'coupon',
              multiplierMilli: 1000,
              from: e.data.validFrom ?? e.localDate,
              until: e.data.validTo,
              name: e.data.offerName ?? { zh: e.data.campaignId, en: e.data.campaignId },
              couponCode: code,
              couponValue: e.data.couponValue ?? 0,
            },
            e.localDate,
          );
        }
      }
      break;
    case 'coupon_use': {
      const code = e.data.couponCode;
      if (code === undefined) break;
      const c = s.coupons?.[code];
      const use = { usedAt: e.occurredAt, usedSaleId: e.data.usedOnSale ?? null, usedBy: id };
      // The first use in fold order holds; a second (two stores offline) is listed by head office.
      if (c !== undefined) {
        if (c.usedBy === null) s.coupons = withCoupon(s.coupons, e.localDate, code, { ...c, ...use });
      } else if (s.couponUsesAhead?.[code] === undefined) {
        s.couponUsesAhead = {
          ...withoutUseAhead(s.couponUsesAhead, e.localDate, null),
          [code]: { on: e.localDate, ...use },
        };
      }
      break;
    }
    case 'service_use': {
      // A campaign's free service uses the offer, not the tier's yearly allowance.
      if (e.data.campaignId !== undefined) {
        useOffer(s, e.data.campaignId, id, e.localDate);
        break;
      }
      const key = `${e.localDate.slice(0, 4)}:${e.data.service ?? ''}`;
      s.servicesUsed = { ...s.servicesUsed, [key]: (s.servicesUsed?.[key] ?? 0) + 1 };
      break;
    }
    case 'offer': {
      const d = e.data;
      if (d.campaignId !== undefined) {
        s.offers = withOffer(s.offers, withUseAhead(s, offerOf(d, d.campaignId, e.localDate)), e.localDate);
      } else {
        s.winBackUntil = d.winBackUntil ?? null;
      }
      break;
    }
    case 'restore':
    case 'adjust_credit':
    case 'redeem':
    case 'reverse':
    case 'expire':
    case 'adjust_debit':
      break;
    default: {
      const never: never = e.kind;
      throw new LedgerStateError(`unknown entry kind ${String(never)}`);
    }
  }
  if (s.spendBookedBack !== undefined) pruneBookedBack(s, e.localDate);
  return s;
}

/**
 * Whether an upgrade's in-memory reviews (EntryData.reviewedInMemory) are this state's own
 * pending reviews, judged as the till judged them: they start from the tier held, all fall after
 * the last review recorded and after the tier was reached, chain from one tier to the next down to
 * the tier the upgrade started from, and each keeps or lowers the tier as the spend known on its
 * date says. Otherwise the upgrade was decided on a smaller view and the rank rule applies.
 */
function reviewedAsStated(s: MemberState, e: LedgerEntry): boolean {
  const steps = e.data.reviewedInMemory;
  if (steps === undefined || steps.length === 0) return false;
  let tier = s.tier;
  for (const step of steps) {
    if (step.from !== tier) return false;
    if (s.reviewedThrough !== null && step.before <= s.reviewedThrough) return false;
    if (s.tierSince !== null && step.before < s.tierSince) return false;
    const met = rollingSpendKnownOn(s, step.before) >= step.threshold;
    if (met !== (step.to === step.from)) return false;
    tier = step.to;
  }
  return tier === e.data.fromTier;
}

/**
 * Drops what no review can still ask about: spend booked back before the last review recorded
 * (every review between its two dates is recorded), or out of the spend history's own window.
 */
function pruneBookedBack(s: MemberState, entryDate: string): void {
  const keepAfter = spendKeepAfterFor(s, entryDate);
  const reviewed = s.reviewedThrough ?? '';
  const kept = (s.spendBookedBack ?? []).filter((x) => x.at > reviewed && x.on > keepAfter);
  if (kept.length) s.spendBookedBack = kept;
  else delete s.spendBookedBack;
}

/** The offer an `offer` entry grants: kind-specific fields only for its kind (docs/campaigns.md). */
function offerOf(d: LedgerEntry['data'], campaignId: string, localDate: string): LiveOffer {
  const base = {
    campaignId,
    multiplierMilli: d.multiplierMilli ?? 1000,
    from: d.from ?? localDate,
    until: d.until ?? localDate,
    name: d.offerName ?? { zh: campaignId, en: campaignId },
  };
  switch (d.offerKind) {
    case undefined:
    case 'multiplier':
      return base;
    case 'bonus':
      return { ...base, kind: 'bonus', minSpend: d.minSpend ?? 0, bonusPoints: d.bonusPoints ?? 0, usedBy: null };
    case 'service':
      return { ...base, kind: 'service', service: d.service ?? '', usedBy: null };
    case 'coupon':
      // A coupon is granted by a reward entry (it carries the code): an offer entry naming the
      // kind has no coupon to show, and stays closed (isOfferOpen) rather than stop the fold.
      return { ...base, kind: 'coupon' };
    default: {
      const never: never = d.offerKind;
      throw new LedgerStateError(`unknown offer kind ${String(never)}`);
    }
  }
}

/** Days after validTo a coupon stays in the state (so "expired" and "used" can still be told apart). */
export const COUPON_KEPT_DAYS = 35;

function withCoupon(
  coupons: Record<string, MemberCoupon> | undefined,
  today: string,
  code: string,
  c: MemberCoupon,
): Record<string, MemberCoupon> {
  const keepFrom = addDays(today, -COUPON_KEPT_DAYS);
  const out: Record<string, MemberCoupon> = {};
  for (const [k, v] of Object.entries(coupons ?? {})) if (v.validTo >= keepFrom) out[k] = v;
  out[code] = c;
  return out;
}

/** The uses waiting for their coupon, less `code` and those older than COUPON_KEPT_DAYS; undefined when none. */
function withoutUseAhead(
  ahead: Record<string, CouponUseAhead> | undefined,
  today: string,
  code: string | null,
): Record<string, CouponUseAhead> | undefined {
  const keepFrom = addDays(today, -COUPON_KEPT_DAYS);
  const out: Record<string, CouponUseAhead> = {};
  let n = 0;
  for (const [k, v] of Object.entries(ahead ?? {})) {
    if (k === code || v.on < keepFrom) continue;
    out[k] = v;
    n++;
  }
  return n > 0 ? out : undefined;
}

/**
 * A coupon_use entry for a coupon already used: a second use (two stores offline, DOMAIN.md 12).
 * Head office lists it for review.
 */
export function isSecondCouponUse(state: MemberState, e: LedgerEntry): boolean {
  if (e.kind !== 'coupon_use' || e.data.couponCode === undefined) return false;
  const c = state.coupons?.[e.data.couponCode];
  if (c !== undefined) return c.usedBy !== null;
  return state.couponUsesAhead?.[e.data.couponCode] !== undefined;
}

export function foldEntries(memberNo: string, firstTier: string, entries: Iterable<LedgerEntry>): MemberState {
  let s = emptyState(memberNo, firstTier);
  for (const e of entries) s = applyEntry(s, e);
  return s;
}

/** Points whose lots expired before `today` and are still on the books. */
export function expiredDue(state: MemberState, today: string): number {
  return state.lots.reduce((a, l) => (l.expiresOn !== null && l.expiresOn < today ? a + l.remaining : a), 0);
}

/** The balance a person may be shown on `today`: never including expired points (DOMAIN.md 7). */
export function visibleBalance(state: MemberState, today: string): number {
  return state.balance - expiredDue(state, today);
}

/** Points that may be spent today: unexpired, unlocked lots, less any debt. */
export function spendablePoints(state: MemberState, today: string, lockedAfter: string | null): number {
  const open = state.lots.reduce((a, l) => {
    if (l.expiresOn !== null && l.expiresOn < today) return a;
    if (lockedAfter !== null && l.earnedOn > lockedAfter) return a;
    return a + l.remaining;
  }, 0);
  return Math.max(0, open - state.debt);
}

/** Lots expiring within [today, until], summed per expiry date, soonest first. */
export function expiringBetween(state: MemberState, today: string, until: string): { on: string; points: number }[] {
  const byDate = new Map<string, number>();
  for (const l of state.lots) {
    if (l.expiresOn !== null && l.expiresOn >= today && l.expiresOn <= until) {
      byDate.set(l.expiresOn, (byDate.get(l.expiresOn) ?? 0) + l.remaining);
    }
  }
  return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([on, points]) => ({ on, points }));
}
