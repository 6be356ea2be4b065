/** Identify, enrol and summarise members (CONTRACTS.md /v1/members*). */
import { classifyCode, memberNumberIn } from '../../core/cards/classify.js';
import { ean13CheckDigit } from '../../core/cards/checkdigit.js';
import { verifyMemberQrWithAny } from '../../core/cards/memberqr.js';
import { servicesAvailable } from '../../core/engine/free-services.js';
import { lowestTier, progressToNextTier, tierDef } from '../../core/engine/tiers.js';
import { EXPIRING_SOON_DAYS, expiryDate } from '../../core/ledger/expiry.js';
import { expiringBetween, offerKind, openOffers, rollingSpend, type MemberState } from '../../core/ledger/state.js';
import { daysLeft, offersLine } from '../../core/campaigns.js';
import { maskName, maskPhone, normaliseBirthday, normalisePhone } from '../../core/members.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { addDays, localDate } from '../../core/time.js';
import { lifecycle } from '../../core/segments.js';
import type { CardRecord, MemberRecord } from '../db/members.js';
import type { EnrolRequest, IdentifyRequest, MemberSummary } from '../api/schemas.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { settleMember } from './settle.js';
import { memberView } from './view.js';
import { memberFromHqByPhone } from './members-elsewhere.js';

export function lockedAfter(rs: RuleSet, today: string): string | null {
  return rs.redemption.pointsLockDays > 0 ? addDays(today, -rs.redemption.pointsLockDays) : null;
}

export function summarise(
  ctx: TillContext,
  rs: RuleSet,
  m: MemberRecord,
  s: MemberState,
  today: string,
): MemberSummary {
  const view = memberView(ctx, rs, s, today, lockedAfter(rs, today));
  const v = view.state;
  const spend = rollingSpend(v, today);
  const next = progressToNextTier(rs, { tier: view.tier, rollingSpend: spend });
  const def = tierDef(rs, view.tier);
  const offers = openOffers(v, today);
  return {
    memberNo: m.memberNo,
    name: maskName(m.name),
    phone: maskPhone(m.phone),
    tier: view.tier,
    tierName: def.name,
    class: m.class,
    status: m.status,
    balance: view.balance,
    spendable: view.spendable,
    balanceAsOf: balanceAsOf(ctx),
    expiringSoon: expiringBetween(v, today, addDays(today, EXPIRING_SOON_DAYS)),
    rollingSpend: spend,
    nextTier: { tier: next.next, remaining: next.remaining },
    stamps: v.stamps,
    lifecycle: lifecycle(today, {
      firstSaleOn: v.firstSaleOn ?? null,
      lastSaleOn: v.lastSaleOn,
      enrolledOn: localDate(m.createdAt, rs.timeZone).date,
    }),
    servicesAvailable: servicesAvailable(rs, { tier: view.tier, state: v, today }),
    offers: offers.map((o) => ({
      campaignId: o.campaignId,
      name: o.name,
      kind: offerKind(o),
      multiplierMilli: o.multiplierMilli,
      ...(o.minSpend !== undefined ? { minSpend: o.minSpend } : {}),
      ...(o.bonusPoints !== undefined ? { bonusPoints: o.bonusPoints } : {}),
      ...(o.couponCode !== undefined ? { couponCode: o.couponCode } : {}),
      ...(o.couponValue !== undefined ? { couponValue: o.couponValue } : {}),
      ...(o.service !== undefined ? { service: o.service } : {}),
      until: o.until,
      daysLeft: daysLeft(o.until, today),
    })),
    offersText: offersLine(offers, today),
  };
}

/** null when the till is sure of the balance (standalone, or heard from head office lately). */
export function balanceAsOf(ctx: TillContext): string | null {
  if (!ctx.connected || ctx.isOnline()) return null;
  return ctx.lastSyncAt() ?? 'never';
}

/** Resolves a scanned code to an active member; every refusal is typed and nothing is guessed. */
export function memberByCode(
  ctx: TillContext,
  rs: RuleSet,
  raw: string,
  source?: 'barcode' | 'nfc' | 'qr',
): { member: MemberRecord; card: CardRecord | null } {
  // Member numbers are always EAN-13 (see nextMemberNo), whatever scheme the chain's own cards
  // use, in any spelling a barcode may come in.
  const ownNumber = source === 'nfc' ? null : memberNumberIn(raw);
  const c = ownNumber
    ? ({ ok: true, kind: 'barcode', code: ownNumber } as const)
    : classifyCode(raw, { barcodeCheck: rs.cards.barcodeCheck, ...(source ? { source } : {}) });
  if (!c.ok) throw new TillError(c.code, c.message, 'code');
  let memberNo: string;
  let card: CardRecord | null = null;
  switch (c.kind) {
    case 'qr': {
      const v = verifyMemberQrWithAny([ctx.qrKey, ...(ctx.hqQrKeys?.keys() ?? [])], c.text, ctx.now().getTime(), {
        windowSeconds: rs.cards.qrWindowSeconds,
      });
      if (!v.ok) throw new TillError(v.code, `member QR refused: ${v.code}`, 'code');
      memberNo = v.memberNo;
      break;
    }
    case 'barcode':
    case 'nfc': {
      const code = c.kind === 'barcode' ? c.code : c.uid;
      card = ctx.members.card(code);
      if (!card) throw new TillError('unknown_card', 'no member holds this card', 'code');
      if (card.status === 'blocked')
        throw new TillError('card_blocked', 'this card is blocked (lost or stolen)', 'code');
      memberNo = card.memberNo;
      break;
    }
    default: {
      const never: never = c;
      throw new Error(`unhandled code kind ${JSON.stringify(never)}`);
    }
  }
  const member = ctx.members.get(memberNo);
  if (!member) throw new TillError('unknown_member', 'no such member', 'code');
  if (member.status === 'blocked') throw new TillError('member_blocked', 'this member is blocked', 'code');
  return { member, card };
}

export function memberByPhone(ctx: TillContext, raw: string): MemberRecord {
  const phone = normalisePhone(raw);
  if (!phone) throw new TillError('invalid_phone', 'not a mainland China mobile number', 'phone');
  const member = ctx.members.byPhone(phone);
  if (!member) throw new TillError('unknown_member', 'no member with this mobile number', 'phone');
  if (member.status === 'blocked') throw new TillError('member_blocked', 'this member is blocked', 'phone');
  return member;
}

export function identify(ctx: TillContext, req: IdentifyRequest): MemberSummary {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const member = 'code' in req ? memberByCode(ctx, rs, req.code, req.source).member : memberByPhone(ctx, req.phone);
  const today = localDate(now, rs.timeZone).date;
  // Identification is the member's "first activity": settle expiry and reviews so the balance shown is true.
  const state = ctx.db
    .transaction(() => settleMember(ctx, rs, member.memberNo, { occurredAt: now, localDate: today }))
    .immediate();
  ctx.events.publish({
    type: 'member',
    memberNo: member.memberNo,
    via: 'code' in req ? 'code' : 'phone',
    ...(req.requestId ? { requestId: req.requestId } : {}),
  });
  return summarise(ctx, rs, member, state, today);
}

/**
 * identify, asking head office first for a mobile number this till does not know
 * (members-elsewhere.ts): a member of another store is found here too while online.
 */
export async function identifyAnywhere(ctx: TillContext, req: IdentifyRequest): Promise<MemberSummary> {
  if ('phone' in req) await memberFromHqByPhone(ctx, req.phone);
  return identify(ctx, req);
}

/**
 * Member numbers are EAN-13 in the in-store range (prefix 2), so a printed card needs no
 * separate code: 2 + 5-digit till code + 6-digit counter + check digit. The till code makes
 * numbers issued offline at different tills distinct.
 */
function nextMemberNo(ctx: TillContext): string {
  const row = ctx.db.prepare("SELECT value FROM meta WHERE key = 'member_counter'").get() as
    { value: string } | undefined;
  let n = Number(row?.value ?? '0');
  let memberNo: string;
  // A number already in use as a card (a pre-printed card in the in-store range linked at an
  // earlier enrolment) is skipped: issuing it would collide with that card forever.
  do {
    n += 1;
    if (n > 999_999) throw new Error('member number range of this till exhausted');
    const first12 = `2${ctx.identity.tillCode}${String(n).padStart(6, '0')}`;
    memberNo = `${first12}${ean13CheckDigit(first12)}`;
  } while (ctx.members.card(memberNo) || ctx.members.get(memberNo));
  ctx.db
    .prepare(
      "INSERT INTO meta (key, value) VALUES ('member_counter', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .run(String(n));
  return memberNo;
}

export function enrol(ctx: TillContext, req: EnrolRequest): { summary: MemberSummary; bonusPoints: number } {
  const phone = normalisePhone(req.phone);
  if (!phone) throw new TillError('invalid_phone', 'not a mainland China mobile number', 'phone');
  let birthday: string | null = null;
  if (req.birthday !== undefined) {
    birthday = normaliseBirthday(req.birthday);
    if (!birthday) throw new TillError('invalid_birthday', 'birthday must be MM-DD or YYYY-MM-DD', 'birthday');
  }
  // DOMAIN.md 10: personal data only with recorded consent. `marketing` may be false (the member
  // joins without marketing messages), but the consent text version is always recorded.
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const today = localDate(now, rs.timeZone).date;
  let card: { code: string; kind: CardRecord['kind'] } | null = null;
  if (req.cardCode !== undefined) {
    // The reader that produced the code knows what it is; its shape alone cannot tell an
    // all-digit NFC UID from a barcode (issue 14).
    const c = classifyCode(req.cardCode, { barcodeCheck: rs.cards.barcodeCheck, source: req.cardSource });
    if (!c.ok) throw new TillError(c.code, c.message, 'cardCode');
    if (c.kind === 'qr') throw new TillError('unrecognised_code', 'a member QR cannot be linked as a card', 'cardCode');
    card = c.kind === 'barcode' ? { code: c.code, kind: 'barcode' } : { code: c.uid, kind: 'nfc' };
  }

  return ctx.db
    .transaction(() => {
      if (ctx.members.phoneTaken(phone))
        throw new TillError('phone_in_use', 'a member already has this mobile number', 'phone');
      if (card && ctx.members.card(card.code))
        throw new TillError('card_in_use', 'this card already belongs to a member', 'cardCode');
      let referrer: MemberRecord | null = null;
      if (req.referrerMemberNo !== undefined) {
        referrer = ctx.members.get(req.referrerMemberNo);
        if (!referrer) throw new TillError('unknown_member', 'no such referring member', 'referrerMemberNo');
      }
      const memberNo = nextMemberNo(ctx);
      const record = {
        memberNo,
        name: req.name,
        phone,
        birthday,
        gender: req.gender ?? null,
        ageBand: req.ageBand ?? null,
        // 'none' means no marketing at all (core/preferences.ts): consent without a channel named goes by SMS.
        preferredChannel: req.preferredChannel ?? (req.consent.marketing ? 'sms' : 'none'),
        interests: req.interests,
        consentMarketing: req.consent.marketing,
        consentText: req.consent.text,
        consentAt: now,
        referrerMemberNo: referrer?.memberNo ?? null,
        enrolledStore: ctx.identity.storeId,
        enrolledTill: ctx.identity.tillId,
        enrolledBy: req.staffId ?? null,
      };
      ctx.members.insert(record);
      ctx.members.linkCard(memberNo, 'barcode', memberNo, now, record.enrolledBy);
      // The scanned card may carry the very number just issued: it is then already linked.
      if (card && card.code !== memberNo) ctx.members.linkCard(card.code, card.kind, memberNo, now, record.enrolledBy);

      const first = lowestTier(rs).code;
      let state = ctx.ledger.state(memberNo, first);
      const expiresOn = expiryDate(rs, today);
      const at = { occurredAt: now, localDate: today, expiresOn };
      let bonusPoints = 0;
      const staff = req.staffId ? { staffId: req.staffId } : {};
      // The cached state row exists from enrolment on, so a member with no sales still rebuilds.
      state = ctx.ledger.append(state, [
        {
          memberNo,
          kind: 'tier',
          points: 0,
          ...at,
          data: { fromTier: first, toTier: first, reason: 'threshold', rank: 0, ...staff },
        },
      ]).state;
      if (rs.bonuses.enrolment > 0) {
        state = ctx.ledger.append(state, [
          { memberNo, kind: 'bonus', points: rs.bonuses.enrolment, ...at, data: { bonus: 'enrolment', ...staff } },
        ]).state;
        bonusPoints += rs.bonuses.enrolment;
      }
      if (referrer && rs.bonuses.referral > 0) {
        state = ctx.ledger.append(state, [
          { memberNo, kind: 'bonus', points: rs.bonuses.referral, ...at, data: { bonus: 'referral', ...staff } },
        ]).state;
        bonusPoints += rs.bonuses.referral;
        const rState = settleMember(ctx, rs, referrer.memberNo, { occurredAt: now, localDate: today });
        ctx.ledger.append(rState, [
          {
            memberNo: referrer.memberNo,
            kind: 'bonus',
            points: rs.bonuses.referral,
            ...at,
            data: { bonus: 'referral', note: `referred ${memberNo}`, ...staff },
          },
        ]);
      }
      ctx.outbox.add('member', memberNo, now);
      ctx.log.log('info', 'member_enrolled', { memberNo, store: ctx.identity.storeId, staffId: req.staffId ?? null });
      const saved = ctx.members.get(memberNo);
      if (!saved) throw new Error('enrolled member vanished');
      return { summary: summarise(ctx, rs, saved, state, today), bonusPoints };
    })
    .immediate();
}
