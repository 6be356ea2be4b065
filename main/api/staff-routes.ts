/**
 * The cashier UI's own endpoints (under /v1/staff): sign-in and sessions, supervisor
 * approvals, the event-stream ticket, read-only views the screens need (programme, member
 * summary without an identification event, a sale for returns, a member's cards), card
 * block/unblock/link, and the admin's POS key settings. Everything else the UI does goes
 * through the same POS API routes as the POS, with a staff session instead of the key.
 */
import { z } from 'zod';
import { classifyCode } from '../../core/cards/classify.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { localDate } from '../../core/time.js';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { summarise } from '../service/members.js';
import { adjustmentRoutes } from './adjust-routes.js';
import { feedbackRoutes } from './feedback-routes.js';
import { preferenceRoutes } from './preference-routes.js';
import type { Route, RouteInput } from './routes.js';
import { MemberSummary } from './schemas.js';

const RedemptionLockView = z
  .object({ lock: z.object({ since: z.string(), count: z.number().int() }).nullable() })
  .meta({ id: 'RedemptionLock' });
import { PIN_PATTERN, ROLES, STAFF_ID_PATTERN, type PosKey, type Role, type Session, type StaffAuth } from './staff.js';

const StaffId = z.string().regex(STAFF_ID_PATTERN, '1-32 letters or digits');
const Pin = z.string().regex(PIN_PATTERN, '4 to 12 digits');

export const SignInRequest = z.object({ staffId: StaffId, pin: Pin }).meta({ id: 'StaffSignInRequest' });

const StaffInfo = z.object({ staffId: z.string(), name: z.string(), role: z.enum(ROLES) });

export const SessionResponse = z
  .object({
    staff: StaffInfo,
    expiresAt: z.string().describe('the session ends then at the latest'),
    idleMinutes: z.number().int().describe('the session ends after this long without a request'),
  })
  .meta({ id: 'StaffSession' });

export const SignInResponse = SessionResponse.extend({
  token: z.string().describe('present as Authorization: Bearer <token>'),
}).meta({ id: 'StaffSignInResponse' });

export const ApprovalAction = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('redeem_points'),
    memberNo: z.string().min(1).max(256),
    points: z.number().int().positive(),
  }),
  z.object({
    kind: z.literal('redeem_reward'),
    memberNo: z.string().min(1).max(32),
    rewardId: z.string().min(1).max(40),
  }),
  z.object({ kind: z.literal('unblock_card'), code: z.string().min(1).max(256) }),
]);

export const ApprovalRequest = z
  .object({ supervisorId: StaffId, pin: Pin, action: ApprovalAction })
  .meta({ id: 'SupervisorApprovalRequest' });

export const ApprovalResponse = z
  .object({
    approval: z.string().describe('send once as X-Supervisor-Approval with the approved request'),
    supervisor: StaffInfo,
    expiresAt: z.string(),
  })
  .meta({ id: 'SupervisorApproval' });

const Ticket = z.object({ ticket: z.string(), expiresAt: z.string() }).meta({ id: 'EventTicket' });

export const Programme = z
  .object({
    tillId: z.string(),
    storeId: z.string(),
    ruleVersion: z.number().int(),
    currency: z.string(),
    timeZone: z.string(),
    supervisorThreshold: z.number().int(),
    pointsPerCurrencyUnit: z.number().int(),
    minimumPoints: z.number().int(),
    maxShareOfBasket: z.string(),
    tiers: z.array(
      z.object({ code: z.string(), name: z.object({ zh: z.string(), en: z.string() }), threshold: z.number() }),
    ),
    categories: z.array(z.string()).describe('categories the rule set names, for keyed sales'),
    excludedCategories: z.array(z.string()),
    consentText: z.string().describe('the consent text version the enrolment screen records'),
  })
  .meta({ id: 'Programme' });

const SaleLine = z.object({
  sku: z.string(),
  name: z.string().nullable(),
  category: z.string(),
  quantity: z.number(),
  unitPrice: z.number().int(),
  net: z.number().int(),
  returned: z.number().describe('quantity already returned'),
});

export const SaleView = z
  .object({
    saleId: z.string(),
    memberNo: z.string().nullable(),
    occurredAt: z.string(),
    total: z.number().int(),
    pointsEarned: z.number().int(),
    pointsRedeemed: z.number().int(),
    lines: z.array(SaleLine),
  })
  .meta({ id: 'SaleView' });

export const CardCode = z.object({ code: z.string().min(1).max(256) }).meta({ id: 'CardCodeRequest' });
export const LinkCard = z
  .object({
    memberNo: z.string().min(1).max(32),
    code: z.string().min(1).max(256),
    source: z
      .enum(['barcode', 'nfc', 'qr'])
      .optional()
      .describe(
        "what read the code, as the reader's card event said: nfc = a UID (an all-digit UID is then a UID, not a barcode); without it the code is classified by its shape",
      ),
  })
  .meta({ id: 'LinkCardRequest' });
const Card = z.object({
  code: z.string(),
  kind: z.enum(['barcode', 'nfc', 'qr']),
  status: z.enum(['active', 'blocked']),
});
const Cards = z.array(Card).meta({ id: 'Cards' });
const PosKeyView = z
  .object({
    fingerprint: z.string().describe('first 8 hex digits of the SHA-256 of the key in force'),
    file: z.string(),
    fromEnvironment: z.boolean(),
  })
  .meta({ id: 'PosKeyView' });
const RotatedPosKey = PosKeyView.extend({
  key: z.string().describe('the new key, shown this once: give it to the POS'),
}).meta({ id: 'RotatedPosKey' });

/** The consent text version recorded at enrolment (docs/cashier-ui.md). */
export const CONSENT_TEXT_VERSION = 'privacy-2026-01';

/** A staff request naming a card: the card must exist; who acts and when. */
function cardRequest(ctx: TillContext, body: unknown, input: RouteInput) {
  staffOnly(input);
  const { code } = CardCode.parse(body);
  const card = ctx.members.card(code);
  if (!card) throw new TillError('unknown_card', 'no member holds this card', 'code');
  return { code, card, now: ctx.now().toISOString(), by: actingStaffId(body, input) };
}

/** The signed-in staff member, if they have one of `roles`; else a 403. */
export function staffOnly(input: RouteInput, roles: readonly Role[] = ROLES): Session {
  const p = input.principal;
  if (!p || p.kind !== 'staff') throw new TillError('forbidden', 'this endpoint is for signed-in staff');
  if (!roles.includes(p.session.role)) {
    throw new TillError('forbidden', `this needs one of the roles: ${roles.join(', ')}`);
  }
  return p.session;
}

function sessionBody(staff: StaffAuth, s: Session): z.output<typeof SessionResponse> {
  return {
    staff: { staffId: s.staffId, name: s.name, role: s.role },
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleMinutes: Math.round((staff.idleDeadline(s) - s.lastSeenAt) / 60_000),
  };
}

function actingStaffId(body: unknown, input: RouteInput): string | null {
  const id = (body as { staffId?: unknown } | null)?.staffId;
  if (typeof id === 'string') return id;
  return input.principal?.kind === 'staff' ? input.principal.session.staffId : null;
}

function memberOrThrow(ctx: TillContext, memberNo: string) {
  const m = ctx.members.get(memberNo);
  if (!m) throw new TillError('unknown_member', 'no such member', 'memberNo');
  return m;
}

export function staffRoutes(staff: StaffAuth, posKey: PosKey): Route[] {
  return [
    ...adjustmentRoutes(staff),
    ...feedbackRoutes(),
    ...preferenceRoutes(),
    {
      method: 'POST',
      path: '/v1/staff/sessions',
      operationId: 'signIn',
      summary: 'Staff sign-in with staff number and PIN (locks the number after repeated wrong PINs)',
      public: true,
      request: SignInRequest,
      response: SignInResponse,
      successStatus: 201,
      handle: (_ctx, body, input) => {
        const req = SignInRequest.parse(body);
        const { token, session } = staff.signIn(req.staffId, req.pin, input.client);
        return { status: 201, body: { token, ...sessionBody(staff, session) } };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/session',
      operationId: 'getSession',
      summary: 'The signed-in staff member (also keeps the session from going idle)',
      response: SessionResponse,
      successStatus: 200,
      handle: (_ctx, _body, input) => ({ status: 200, body: sessionBody(staff, staffOnly(input)) }),
    },
    {
      method: 'POST',
      path: '/v1/staff/sessions/end',
      operationId: 'signOut',
      summary: 'Sign out',
      response: z.object({ ended: z.boolean() }),
      successStatus: 200,
      handle: (_ctx, _body, input) => {
        staff.signOut(staffOnly(input));
        return { status: 200, body: { ended: true } };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/approvals',
      operationId: 'approveAction',
      summary: "A supervisor's PIN approves one action (redemption above the threshold, card unblock)",
      request: ApprovalRequest,
      response: ApprovalResponse,
      successStatus: 201,
      handle: (_ctx, body, input) => {
        const s = staffOnly(input);
        const req = ApprovalRequest.parse(body);
        const a = staff.approve(s, req.supervisorId, req.pin, req.action, input.client);
        return {
          status: 201,
          body: { approval: a.approval, supervisor: a.supervisor, expiresAt: new Date(a.expiresAt).toISOString() },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/events/ticket',
      operationId: 'getEventTicket',
      summary: 'A single-use ticket for GET /v1/events?ticket=… (EventSource sends no headers)',
      response: Ticket,
      successStatus: 201,
      handle: (_ctx, _body, input) => {
        const t = staff.eventTicket(staffOnly(input));
        return { status: 201, body: { ticket: t.ticket, expiresAt: new Date(t.expiresAt).toISOString() } };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/programme',
      operationId: 'getProgramme',
      summary: 'What the cashier screens need from the rule set in force',
      response: Programme,
      successStatus: 200,
      handle: (ctx) => {
        const rs = ctx.rules.at(ctx.now().toISOString());
        const named = new Set<string>(['general']);
        for (const c of Object.keys(rs.earn.categoryMultipliers)) named.add(c);
        for (const p of rs.promotions) for (const c of p.categories ?? []) named.add(c);
        for (const c of rs.earn.excludedCategories) named.add(c);
        return {
          status: 200,
          body: {
            tillId: ctx.identity.tillId,
            storeId: ctx.identity.storeId,
            ruleVersion: rs.version,
            currency: rs.currency,
            timeZone: rs.timeZone,
            supervisorThreshold: rs.redemption.supervisorThreshold,
            pointsPerCurrencyUnit: rs.redemption.pointsPerCurrencyUnit,
            minimumPoints: rs.redemption.minimumPoints,
            maxShareOfBasket: rs.redemption.maxShareOfBasket,
            tiers: rs.tiers.map((t) => ({ code: t.code, name: t.name, threshold: t.threshold })),
            categories: [...named],
            excludedCategories: rs.earn.excludedCategories,
            consentText: CONSENT_TEXT_VERSION,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/members/{memberNo}',
      operationId: 'getMemberSummary',
      summary: "A member's summary (masked) without an identification event, e.g. after a sale",
      response: MemberSummary,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        const m = memberOrThrow(ctx, input.params.memberNo ?? '');
        const now = ctx.now().toISOString();
        const rs = ctx.rules.at(now);
        const today = localDate(now, rs.timeZone).date;
        const state = ctx.ledger.state(m.memberNo, lowestTier(rs).code);
        return { status: 200, body: summarise(ctx, rs, m, state, today) };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/members/{memberNo}/cards',
      operationId: 'listMemberCards',
      summary: "A member's cards with their status",
      response: Cards,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        const m = memberOrThrow(ctx, input.params.memberNo ?? '');
        return {
          status: 200,
          body: ctx.members.cardsOf(m.memberNo).map((c) => ({ code: c.code, kind: c.kind, status: c.status })),
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/cards/block',
      operationId: 'blockCard',
      summary: 'Block a lost or stolen card (the member is untouched)',
      request: CardCode,
      response: Card,
      successStatus: 200,
      handle: (ctx, body, input) => {
        const { code, card, now, by } = cardRequest(ctx, body, input);
        ctx.db
          .transaction(() => {
            if (ctx.members.blockCard(code, now, by)) ctx.outbox.add('card', card.memberNo, now);
          })
          .immediate();
        ctx.log.log('info', 'card_blocked', { memberNo: card.memberNo, staffId: by });
        return { status: 200, body: { code, kind: card.kind, status: 'blocked' } };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/cards/unblock',
      operationId: 'unblockCard',
      summary: "Unblock a card (a cashier needs a supervisor's approval, X-Supervisor-Approval)",
      request: CardCode,
      response: Card,
      successStatus: 200,
      handle: (ctx, body, input) => {
        const { code, card, now, by } = cardRequest(ctx, body, input);
        ctx.db
          .transaction(() => {
            ctx.members.upsertCard(code, card.kind, card.memberNo, 'active', now, by);
            ctx.outbox.add('card', card.memberNo, now);
          })
          .immediate();
        ctx.log.log('info', 'card_unblocked', {
          memberNo: card.memberNo,
          staffId: by,
          cashier: input.principal?.kind === 'staff' ? input.principal.session.staffId : null,
        });
        return { status: 200, body: { code, kind: card.kind, status: 'active' } };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/cards/link',
      operationId: 'linkCard',
      summary: 'Link a scanned barcode card or NFC card to an existing member',
      request: LinkCard,
      response: Card,
      successStatus: 201,
      handle: (ctx, body, input) => {
        staffOnly(input);
        const req = LinkCard.parse(body);
        const m = memberOrThrow(ctx, req.memberNo);
        const rs = ctx.rules.at(ctx.now().toISOString());
        const c = classifyCode(req.code, { barcodeCheck: rs.cards.barcodeCheck, source: req.source });
        if (!c.ok) throw new TillError(c.code, c.message, 'code');
        if (c.kind === 'qr') throw new TillError('unrecognised_code', 'a member QR cannot be linked as a card', 'code');
        const card =
          c.kind === 'barcode' ? { code: c.code, kind: 'barcode' as const } : { code: c.uid, kind: 'nfc' as const };
        const now = ctx.now().toISOString();
        const by = actingStaffId(body, input);
        ctx.db
          .transaction(() => {
            if (ctx.members.card(card.code))
              throw new TillError('card_in_use', 'this card already belongs to a member', 'code');
            ctx.members.linkCard(card.code, card.kind, m.memberNo, now, by);
            ctx.outbox.add('card', m.memberNo, now);
          })
          .immediate();
        ctx.log.log('info', 'card_linked', { memberNo: m.memberNo, staffId: by });
        return { status: 201, body: { code: card.code, kind: card.kind, status: 'active' } };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/sales/{saleId}',
      operationId: 'getSale',
      summary: 'A recorded sale with what is left to return',
      response: SaleView,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        const saleId = input.params.saleId ?? '';
        const sale = ctx.sales.sale(saleId);
        if (!sale) throw new TillError('unknown_sale', `no sale ${saleId} on this till`, 'originalSaleId');
        const req = sale.request as {
          lines: { sku: string; name?: string; category: string; quantity: number; unitPrice: number }[];
        };
        const comp = sale.computation as { lines: { sku: string; net: number }[] };
        const result = sale.result as { pointsEarned: number; pointsRedeemed: number };
        const returned: Record<string, number> = {};
        for (const r of ctx.sales.returnsOf(saleId)) {
          const q = (r.result as { returned: Record<string, number> }).returned;
          for (const [sku, milli] of Object.entries(q)) returned[sku] = (returned[sku] ?? 0) + milli;
        }
        // Returned quantities are kept per sku; they are spread over that sku's lines in order.
        const left = { ...returned };
        const lines = req.lines.map((l, i) => {
          const milli = Math.round(l.quantity * 1000);
          const take = Math.min(milli, left[l.sku] ?? 0);
          left[l.sku] = (left[l.sku] ?? 0) - take;
          return {
            sku: l.sku,
            name: l.name ?? null,
            category: l.category,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            net: comp.lines[i]?.net ?? 0,
            returned: take / 1000,
          };
        });
        return {
          status: 200,
          body: {
            saleId,
            memberNo: sale.memberNo,
            occurredAt: sale.occurredAt,
            total: sale.total,
            pointsEarned: result.pointsEarned,
            pointsRedeemed: result.pointsRedeemed,
            lines,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/redemption-lock',
      operationId: 'getRedemptionLock',
      summary: 'Whether redemption is locked on this till (DOMAIN.md 4: too many redemptions in a minute)',
      response: RedemptionLockView,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        staffOnly(input);
        return { status: 200, body: { lock: ctx.redemptions.lock() } };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/redemption-lock/clear',
      operationId: 'clearRedemptionLock',
      summary: 'A supervisor or admin clears the redemption lock',
      response: RedemptionLockView,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        const s = staffOnly(input, ['supervisor', 'admin']);
        ctx.redemptions.clear(s.staffId);
        return { status: 200, body: { lock: null } };
      },
    },
    {
      method: 'GET',
      path: '/v1/staff/pos-key',
      operationId: 'getPosKey',
      summary: "The POS API key's fingerprint and where it is kept (admin only; the key itself is never shown again)",
      response: PosKeyView,
      successStatus: 200,
      handle: (_ctx, _body, input) => {
        staffOnly(input, ['admin']);
        return {
          status: 200,
          body: { fingerprint: posKey.fingerprint(), file: posKey.file, fromEnvironment: posKey.fromEnvironment },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/pos-key/rotate',
      operationId: 'rotatePosKey',
      summary:
        'Replace the POS API key (admin only): the old key and its event streams stop at once; the answer shows the new key once',
      response: RotatedPosKey,
      successStatus: 200,
      handle: (ctx, _body, input) => {
        const s = staffOnly(input, ['admin']);
        const key = posKey.rotate();
        ctx.log.log('warn', 'pos_key_rotated', { staffId: s.staffId, fingerprint: posKey.fingerprint() });
        return {
          status: 200,
          body: { key, fingerprint: posKey.fingerprint(), file: posKey.file, fromEnvironment: false },
        };
      },
    },
  ];
}
