/**
 * Campaigns (issue 15, docs/campaigns.md) as store steps: drafts, the second operator's
 * approval, the start that chooses the members and writes one offer entry per granted target
 * member to head office's chain (decisions.ts appendDecisions, so the offer reaches every till
 * in the member's merged state), the end, and the result against the holdout.
 *
 * Who is chosen: every active, not erased member record whose facts (class, lifecycle and tier
 * as the Members report scores them today, enrolment store, distance to the next tier, and the
 * birthday month, decrypted only when the target asks for it) match the
 * target and who is not chosen yet, in the campaign's grant order (core/campaigns.ts). Each is
 * put in the holdout or the target group by the holdout hash; a target member is granted while
 * the budget's estimate allows, and stays in the target group ungranted after.
 */
import {
  budgetUnit,
  normaliseOffer,
  grantOrder,
  grantsLeft,
  isHeldOut,
  offerWindow,
  transitionRefusal,
  welchUplift,
  extraPoints,
  returnOnCost,
  scheduledTransition,
  type Campaign,
  type Transition,
} from '../../core/campaigns.js';
import { bonusReturnOf } from '../../core/engine/bonus-return.js';
import { newCouponCode } from '../../core/engine/redeem.js';
import { CAMPAIGN_PREFIX } from '../../core/engine/promotions.js';
import type { EntryData, LedgerEntry } from '../../core/ledger/entry.js';
import { addDays, localDate } from '../../core/time.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type {
  CampaignCreateRequest,
  CampaignPreview,
  CampaignPreviewRequest,
  CampaignResult,
  CampaignView,
} from '../campaign-schemas.js';
import type { HqCipher } from '../crypto.js';
import type { Decision } from '../domain/decisions.js';
import type { HqEntry } from '../domain/order.js';
import { HQ_TILL_ID, appendDecisions } from './decisions.js';
import { matchingMembers, segmentRule } from './targeting.js';
import { plainEntry } from './rows.js';
import type { RuleSetCache } from './rulesets.js';
import type { Tx as Db } from './tx.js';

interface CampaignRow {
  campaign_id: string;
  name: string;
  status: Campaign['status'];
  target: string;
  offer: string;
  holdout_percent: number;
  budget_points: number;
  cost_per_grant: number;
  created_by: string;
  created_at: string;
  approved_by: string | null;
  approved_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  start_on: string | null;
  end_on: string | null;
}

function fromRow(r: CampaignRow): Campaign {
  return {
    id: r.campaign_id,
    name: r.name,
    status: r.status,
    target: JSON.parse(r.target) as Campaign['target'],
    offer: normaliseOffer(JSON.parse(r.offer) as Record<string, unknown>),
    holdoutPercent: Number(r.holdout_percent),
    budgetPoints: Number(r.budget_points),
    costPerGrant: Number(r.cost_per_grant),
    budgetUnit: budgetUnit(normaliseOffer(JSON.parse(r.offer) as Record<string, unknown>)),
    createdBy: r.created_by,
    createdAt: r.created_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    startOn: r.start_on,
    endOn: r.end_on,
  };
}

const COLUMNS =
  'campaign_id, name, status, target, offer, holdout_percent, budget_points, cost_per_grant, created_by, ' +
  'created_at, approved_by, approved_at, started_at, ended_at, start_on, end_on';

export function* campaignById(id: string): Sql<Campaign | null> {
  const r = (yield* get(`SELECT ${COLUMNS} FROM campaigns WHERE campaign_id = ?`, id)) as CampaignRow | undefined;
  return r ? fromRow(r) : null;
}

export function* listCampaigns(): Sql<CampaignView[]> {
  const rows = (yield* all(`SELECT ${COLUMNS} FROM campaigns ORDER BY created_at, campaign_id`)) as CampaignRow[];
  return rows.map(fromRow);
}

export type CreateOutcome =
  { kind: 'created'; campaign: CampaignView } | { kind: 'exists' } | { kind: 'unknown_segment'; segmentId: string };

/** A draft by `author` (the token's operator). */
export function* createCampaign(req: CampaignCreateRequest, author: string, now: Date): Sql<CreateOutcome> {
  const id = req.id ?? `c-${now.getTime().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  if (yield* campaignById(id)) return { kind: 'exists' };
  const segmentId = req.target.segmentId;
  if (segmentId !== undefined) {
    const seg = yield* segmentRule(segmentId);
    if (!seg || seg.deleted) return { kind: 'unknown_segment', segmentId };
  }
  yield* run(
    `INSERT INTO campaigns (${COLUMNS}) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?)`,
    id,
    req.name,
    JSON.stringify(req.target),
    JSON.stringify(req.offer),
    req.holdoutPercent,
    req.budgetPoints,
    req.costPerGrant,
    author,
    now.toISOString(),
    req.startOn ?? null,
    req.endOn ?? null,
  );
  return { kind: 'created', campaign: (yield* campaignById(id)) as Campaign };
}

/** How many members a target matches now (the editor's preview before a draft is saved). */
export function* previewCampaign(
  cipher: HqCipher,
  rules: RuleSetCache,
  req: CampaignPreviewRequest,
  now: Date,
): Sql<CampaignPreview | { kind: 'unknown_segment'; segmentId: string }> {
  const segmentId = req.target.segmentId;
  if (segmentId !== undefined) {
    const seg = yield* segmentRule(segmentId);
    if (!seg || seg.deleted) return { kind: 'unknown_segment', segmentId };
  }
  const { today, memberNos } = yield* matchingMembers(cipher, rules, now, req.target);
  return {
    asOf: today,
    matching: memberNos.length,
    expectedHoldout: Math.round((memberNos.length * req.holdoutPercent) / 100),
  };
}

/**
 * The ledger entry that grants `c`'s offer to a member (docs/campaigns.md "Offer kinds"): an
 * `offer` entry for a multiplier, a bonus or a service; for a coupon a `reward` entry of 0 points
 * carrying a new coupon code, so the coupon is the member's like any catalogue coupon (known
 * chain-wide, used once by a `coupon_use` entry).
 */
export function grantDecision(c: Campaign, memberNo: string, window: { from: string; until: string }): Decision {
  const common = {
    campaignId: c.id,
    offerName: c.offer.name,
    operator: c.approvedBy ?? c.createdBy,
    note: `campaign ${c.id}`,
  };
  const offer = (data: Decision['data']): Decision => ({
    memberNo,
    kind: 'offer',
    points: 0,
    expiresOn: null,
    data: { ...common, ...window, ...data },
  });
  const o = c.offer;
  switch (o.kind) {
    case 'multiplier':
      return offer({ multiplierMilli: o.multiplierMilli });
    case 'bonus':
      return offer({ offerKind: 'bonus', minSpend: o.minSpend, bonusPoints: o.bonusPoints });
    case 'service':
      return offer({ offerKind: 'service', service: o.service });
    case 'coupon':
      return {
        memberNo,
        kind: 'reward',
        points: 0,
        expiresOn: null,
        data: {
          ...common,
          couponCode: newCouponCode(),
          rewardId: `${CAMPAIGN_PREFIX}${c.id}`,
          couponValue: o.value,
          validFrom: window.from,
          validTo: window.until,
        },
      };
    default: {
      const never: never = o;
      throw new Error(`unknown offer kind ${JSON.stringify(never)}`);
    }
  }
}

export interface GrantRun {
  chosen: number;
  granted: number;
  budgetExhausted: boolean;
  entries: LedgerEntry[];
}

/**
 * Chooses the matching members not chosen yet and grants the target ones the budget allows
 * (see the header). Runs at the start; running it again (a later day) adds members who newly
 * match, each keeping the group the hash gives them.
 */
export function* grantCampaign(db: Db, cipher: HqCipher, rules: RuleSetCache, c: Campaign, now: Date): Sql<GrantRun> {
  const rs = yield* rules.latest();
  const matching = yield* matchingMembers(cipher, rules, now, c.target);
  const today = matching.today;
  const chosen = new Set(
    ((yield* all('SELECT member_no FROM campaign_members WHERE campaign_id = ?', c.id)) as { member_no: string }[]).map(
      (r) => r.member_no,
    ),
  );
  const grantedRow = (yield* get(
    'SELECT count(*) AS n FROM campaign_members WHERE campaign_id = ? AND granted_at IS NOT NULL',
    c.id,
  )) as { n: number | string };
  let granted = Number(grantedRow.n);
  const eligible = matching.memberNos.filter((no) => !chosen.has(no));
  const window = offerWindow(c.offer, today);
  const at = now.toISOString();
  const decisions: Decision[] = [];
  let budgetExhausted = false;
  for (const memberNo of grantOrder(c.id, eligible)) {
    const holdout = isHeldOut(c.id, memberNo, c.holdoutPercent);
    yield* run(
      'INSERT INTO campaign_members (campaign_id, member_no, member_group, chosen_at) VALUES (?, ?, ?, ?)',
      c.id,
      memberNo,
      holdout ? 'holdout' : 'target',
      at,
    );
    if (holdout) continue;
    if (grantsLeft(c, granted) <= 0) {
      budgetExhausted = true;
      continue;
    }
    granted += 1;
    decisions.push(grantDecision(c, memberNo, window));
  }
  const written = yield* appendDecisions(db, decisions, { now, rs, today });
  for (const e of written) {
    yield* run(
      'UPDATE campaign_members SET granted_at = ?, entry = ? WHERE campaign_id = ? AND member_no = ?',
      at,
      `${HQ_TILL_ID}:${e.seq}`,
      c.id,
      e.memberNo,
    );
  }
  return {
    chosen: eligible.length,
    granted: written.length,
    budgetExhausted,
    entries: written.map((e) => plainEntry(e as HqEntry)),
  };
}

export type TransitionOutcome =
  | { kind: 'unknown' }
  | { kind: 'refused'; message: string }
  | { kind: 'done'; campaign: CampaignView; run: GrantRun | null };

/** approve (a second operator), start (chooses and grants at once), end (no grant after; offers run out). */
export function* transitionCampaign(
  db: Db,
  cipher: HqCipher,
  rules: RuleSetCache,
  id: string,
  t: Transition,
  operatorId: string,
  now: Date,
): Sql<TransitionOutcome> {
  const c = yield* campaignById(id);
  if (!c) return { kind: 'unknown' };
  const today = localDate(now, (yield* rules.latest()).timeZone).date;
  const refusal = transitionRefusal(c, t, operatorId, today);
  if (refusal) return { kind: 'refused', message: refusal };
  const at = now.toISOString();
  let grantRun: GrantRun | null = null;
  if (t === 'approve') {
    yield* run(
      "UPDATE campaigns SET status = 'approved', approved_by = ?, approved_at = ? WHERE campaign_id = ?",
      operatorId,
      at,
      id,
    );
  } else if (t === 'start') {
    yield* run("UPDATE campaigns SET status = 'running', started_at = ? WHERE campaign_id = ?", at, id);
    grantRun = yield* grantCampaign(db, cipher, rules, { ...c, status: 'running', startedAt: at }, now);
  } else {
    yield* run("UPDATE campaigns SET status = 'ended', ended_at = ? WHERE campaign_id = ?", at, id);
  }
  return { kind: 'done', campaign: (yield* campaignById(id)) as Campaign, run: grantRun };
}

/** Who the log and the row credit with a transition the schedule made. */
export const SCHEDULE_ACTOR = 'schedule';

/**
 * The end-of-day run's campaign step: each campaign's schedule first (an approved one whose
 * start day has come starts, choosing and granting as an operator's start does; one past its
 * last day ends), then every running campaign grants to members who newly match.
 */
export function* grantRunningCampaigns(db: Db, cipher: HqCipher, rules: RuleSetCache, now: Date): Sql<number> {
  const today = localDate(now, (yield* rules.latest()).timeZone).date;
  let granted = 0;
  for (const c of yield* listCampaigns()) {
    const t = scheduledTransition(c, today);
    if (t !== null) {
      const out = yield* transitionCampaign(db, cipher, rules, c.id, t, SCHEDULE_ACTOR, now);
      if (out.kind === 'done' && out.run) granted += out.run.granted;
      continue; // a start granted already; an end grants nothing more
    }
    if (c.status === 'running') granted += (yield* grantCampaign(db, cipher, rules, c, now)).granted;
  }
  return granted;
}

interface SaleRow {
  member_no: string;
  total: number | string;
  points_earned: number | string;
  occurred_at: string;
  computation: string | null;
}

function underOffer(computation: string | null, promotionId: string): boolean {
  if (computation === null || !computation.includes(promotionId)) return false;
  const c = JSON.parse(computation) as { lines?: { promotionId?: string | null }[] };
  return (c.lines ?? []).some((l) => l.promotionId === promotionId);
}

interface EntryRow {
  member_no: string;
  kind: string;
  points: number | string;
  data: string;
}

/**
 * The actual use of a bonus, coupon or service offer since the start's local day (docs/campaigns.md
 * "Budget"): members who used it, points (bonus) and fen (coupon, service) it cost. Read from the
 * ledger: bonus entries and service_use entries naming the campaign, and the first coupon_use of
 * each coupon the campaign's reward entries issued. A bonus a return took back (a `reverse` entry
 * with `bonusReturn`) costs nothing: its points come off; the member still counts as having used it.
 */
function* offerUse(
  c: Campaign,
  members: ReadonlySet<string>,
  since: string,
): Sql<{ used: Set<string>; points: number; fen: number }> {
  const used = new Set<string>();
  let points = 0;
  let fen = 0;
  const o = c.offer;
  // The campaign id is [a-z0-9-]: no LIKE wildcard in it; the parse below decides.
  const named = `%${c.id}%`;
  const rows = (yield* all(
    'SELECT member_no, kind, points, data FROM ledger WHERE kind IN (?, ?, ?, ?) AND local_date >= ? AND data LIKE ?',
    'bonus',
    'reverse',
    'service_use',
    'reward',
    since,
    named,
  )) as EntryRow[];
  const codes = new Set<string>();
  for (const r of rows) {
    if (!members.has(r.member_no)) continue;
    const d = JSON.parse(r.data) as EntryData;
    if (d.campaignId !== c.id) continue;
    if (bonusReturnOf({ kind: r.kind, data: d }) !== null) {
      points -= Number(r.points);
    } else if (r.kind === 'bonus' && d.bonus === 'campaign') {
      used.add(r.member_no);
      points += Number(r.points);
    } else if (r.kind === 'service_use' && o.kind === 'service') {
      used.add(r.member_no);
      fen += o.value;
    } else if (r.kind === 'reward' && d.couponCode !== undefined) {
      codes.add(d.couponCode);
    }
  }
  if (codes.size > 0 && o.kind === 'coupon') {
    const uses = (yield* all(
      "SELECT member_no, kind, points, data FROM ledger WHERE kind = 'coupon_use' AND local_date >= ?",
      since,
    )) as EntryRow[];
    const seen = new Set<string>();
    for (const r of uses) {
      const code = (JSON.parse(r.data) as { couponCode?: string }).couponCode;
      // A second use (two tills offline) is a case for review, not a second cost.
      if (code === undefined || !codes.has(code) || seen.has(code)) continue;
      seen.add(code);
      used.add(r.member_no);
      fen += o.value;
    }
  }
  return { used, points, fen };
}

/**
 * The campaign's measures (docs/campaigns.md "Result"): spend and visits per member since the
 * start, every target member against every held-out one (intent to treat), Welch's interval.
 */
export function* campaignResult(rules: RuleSetCache, id: string): Sql<CampaignResult | null> {
  const c = yield* campaignById(id);
  if (!c) return null;
  const rows = (yield* all(
    'SELECT member_no, member_group, granted_at FROM campaign_members WHERE campaign_id = ?',
    id,
  )) as { member_no: string; member_group: 'target' | 'holdout'; granted_at: string | null }[];
  const spend = new Map<string, number>();
  const visits = new Map<string, number>();
  let used = new Set<string>();
  let pointsCost = 0;
  let moneyCost = 0;
  if (c.startedAt !== null) {
    const rs = yield* rules.latest();
    // From the start's local day, as the offer itself (its dates are local days, docs/campaigns.md).
    const since = localDate(c.startedAt, rs.timeZone).date;
    // occurred_at carries the till's offset: a day's margin in SQL, the local date here.
    const sales = (yield* all(
      'SELECT member_no, total, points_earned, occurred_at, computation FROM sales WHERE member_no IS NOT NULL AND occurred_at >= ?',
      addDays(since, -1),
    )) as SaleRow[];
    const promotionId = `${CAMPAIGN_PREFIX}${id}`;
    const members = new Set(rows.map((r) => r.member_no));
    for (const s of sales) {
      if (!members.has(s.member_no) || localDate(s.occurred_at, rs.timeZone).date < since) continue;
      spend.set(s.member_no, (spend.get(s.member_no) ?? 0) + Number(s.total));
      visits.set(s.member_no, (visits.get(s.member_no) ?? 0) + 1);
      if (c.offer.kind === 'multiplier' && underOffer(s.computation, promotionId)) {
        used.add(s.member_no);
        pointsCost += extraPoints(Number(s.points_earned), c.offer.multiplierMilli);
      }
    }
    if (c.offer.kind !== 'multiplier') {
      const u = yield* offerUse(c, members, since);
      used = u.used;
      pointsCost = u.points;
      moneyCost = u.fen;
    }
  }
  const target = rows.filter((r) => r.member_group === 'target');
  const holdout = rows.filter((r) => r.member_group === 'holdout');
  const of = (m: Map<string, number>, rs: typeof rows) => rs.map((r) => m.get(r.member_no) ?? 0);
  const u = welchUplift(of(spend, target), of(spend, holdout));
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, x) => a + x, 0) / xs.length);
  const granted = target.filter((r) => r.granted_at !== null).length;
  // reached: target members the channel delivered the offer's message to (notify.ts dedupe key)
  const reachedRow = (yield* get(
    "SELECT count(*) AS n FROM outbox WHERE dedupe = ? AND status = 'sent'",
    `campaign:${id}`,
  )) as { n: number | string };
  const current = yield* rules.latest();
  const segment = c.target.segmentId === undefined ? null : yield* segmentRule(c.target.segmentId);
  return {
    campaign: c,
    targeted: target.length,
    heldOut: holdout.length,
    granted,
    reached: Number(reachedRow.n),
    used: used.size,
    spendPerMember: {
      target: u.targetMean,
      holdout: u.holdoutMean,
      difference: u.difference,
      low: u.low,
      high: u.high,
      df: u.df,
    },
    visitsPerMember: { target: mean(of(visits, target)), holdout: mean(of(visits, holdout)) },
    pointsCost,
    moneyCost,
    estimatedCost: granted * c.costPerGrant,
    returnOnCost: returnOnCost({
      difference: u.difference,
      low: u.low,
      high: u.high,
      targeted: target.length,
      pointsCost,
      moneyCost,
      pointsPerCurrencyUnit: current.redemption.pointsPerCurrencyUnit,
    }),
    segmentName: segment?.name ?? null,
  };
}
