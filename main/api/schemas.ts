/**
 * The POS integration API's one schema source (CONTRACTS.md). Request validation, the
 * TypeScript types and /v1/openapi.json all derive from these definitions.
 */
import { z } from 'zod';
import { PRINTER_STATES } from '../../native/printers/status.js';
import { MEMBER_CHANNELS } from '../../core/preferences.js';
import { MAX_FEN } from '../../core/money.js';

const Fen = z.number().int().nonnegative().max(MAX_FEN).describe('money in fen (integer minor units)');
const Points = z.number().int().nonnegative().max(MAX_FEN);
const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:\-/]+$/, 'letters, digits and . : - / _ only');
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) })
  .meta({ id: 'Error' });

export const BasketLine = z
  .object({
    sku: z.string().min(1).max(64),
    name: z.string().max(200).optional(),
    category: z.string().min(1).max(64),
    quantity: z
      .number()
      .positive()
      .max(100000)
      .refine((q) => Math.abs(Math.round(q * 1000) - q * 1000) < 1e-6, 'at most three decimals'),
    unitPrice: Fen,
    discount: Fen.default(0),
  })
  .meta({ id: 'BasketLine' });

export const Tender = z
  .discriminatedUnion('type', [
    z.object({ type: z.enum(['cash', 'card', 'other']), amount: Fen }),
    z.object({ type: z.literal('points'), points: Points }),
  ])
  .meta({ id: 'Tender' });

const basketFields = {
  memberNo: z.string().min(1).max(32).optional(),
  memberCode: z.string().min(1).max(256).optional().describe('a scanned card code, NFC UID or member QR'),
  lines: z.array(BasketLine).min(1).max(1000),
  basketDiscount: Fen.default(0),
  tenders: z.array(Tender).max(20).default([]),
  occurredAt: Instant.optional(),
  staffId: Id.optional(),
};

export const QuoteRequest = z
  .object({ saleId: Id.optional(), ...basketFields, redeemPoints: Points.optional() })
  .meta({ id: 'QuoteRequest' });

export const SaleRequest = z
  .object({
    saleId: Id,
    ...basketFields,
    partialTenders: z
      .boolean()
      .optional()
      .describe(
        'true when the money tenders sent are only part of the payment (the POS takes the rest outside this API): they may then add up to less than the amount due, never more. Without it, tenders that include money must add up to the amount due exactly (points at their redemption value, 422 tenders_do_not_add_up otherwise); no tenders, or points alone, are not summed',
      ),
  })
  .meta({ id: 'SaleRequest' });

export const ReturnRequest = z
  .object({
    returnId: Id,
    originalSaleId: Id,
    lines: z
      .array(z.object({ sku: z.string().min(1).max(64), quantity: BasketLine.shape.quantity }))
      .min(1)
      .max(1000),
    occurredAt: Instant.optional(),
    staffId: Id.optional(),
  })
  .meta({ id: 'ReturnRequest' });

/** The asker's own id for one identification, echoed in the `member` event it causes. */
const IdentifyRequestId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .optional();

export const IdentifyRequest = z
  .union([
    z.object({
      code: z.string().min(1).max(256),
      source: z.enum(['barcode', 'nfc', 'qr']).optional(),
      requestId: IdentifyRequestId,
    }),
    z.object({ phone: z.string().min(1).max(32), requestId: IdentifyRequestId }),
  ])
  .meta({ id: 'IdentifyRequest' });

export const EnrolRequest = z
  .object({
    name: z.string().trim().min(1).max(64),
    phone: z.string().min(1).max(32),
    birthday: z.string().max(10).optional().describe('MM-DD or YYYY-MM-DD'),
    gender: z.enum(['female', 'male', 'other']).optional(),
    ageBand: z.string().max(16).optional(),
    preferredChannel: z
      .enum(MEMBER_CHANNELS)
      .optional()
      .describe("absent: 'sms' with marketing consent, else 'none' ('none' = no marketing messages)"),
    interests: z.array(z.string().min(1).max(32)).max(20).default([]),
    consent: z.object({
      marketing: z.boolean(),
      text: z.string().min(1).max(64).describe('the version of the consent text the member agreed to'),
    }),
    cardCode: z.string().min(1).max(256).optional(),
    cardSource: z
      .enum(['barcode', 'nfc', 'qr'])
      .optional()
      .describe(
        'what read cardCode: nfc = a UID from an NFC reader (an all-digit UID such as 04998877665544 is then a UID, not a barcode); without it the code is classified by its shape',
      ),
    referrerMemberNo: z.string().min(1).max(32).optional(),
    staffId: Id.optional(),
  })
  .meta({ id: 'EnrolRequest' });

export const ExpiringSoon = z.array(z.object({ on: z.string(), points: Points }));

export const MemberSummary = z
  .object({
    memberNo: z.string(),
    name: z.string().describe('masked'),
    phone: z.string().describe('masked'),
    tier: z.string(),
    tierName: z.object({ zh: z.string(), en: z.string() }),
    class: z.string().nullable(),
    status: z.enum(['active', 'blocked']),
    balance: z.number().int(),
    spendable: z.number().int(),
    balanceAsOf: z.string().nullable().describe('null when the till is sure; the last sync time otherwise'),
    expiringSoon: ExpiringSoon,
    rollingSpend: Fen,
    nextTier: z.object({ tier: z.string().nullable(), remaining: Fen }),
    stamps: z.number().int(),
    lifecycle: z
      .enum(['new', 'active', 'at_risk', 'dormant'])
      .describe("DOMAIN.md 8, from this till's own sales and the enrolment date"),
    servicesAvailable: z
      .array(z.object({ service: z.string(), remaining: z.number().int() }))
      .describe("free services the member's tier offers that are still claimable this calendar year"),
    offers: z
      .array(
        z.object({
          campaignId: z.string(),
          name: z.object({ zh: z.string(), en: z.string() }),
          kind: z.enum(['multiplier', 'bonus', 'coupon', 'service']).describe('docs/campaigns.md "Offer kinds"'),
          multiplierMilli: z.number().int().describe('thousandths; 1000 on the kinds that multiply nothing'),
          minSpend: z.number().int().optional().describe('bonus: eligible fen a sale needs'),
          bonusPoints: z.number().int().optional().describe('bonus: points given once'),
          couponCode: z.string().optional().describe('coupon: its code, to use at any till'),
          couponValue: z.number().int().optional().describe('coupon: fen'),
          service: z.string().optional().describe('service: the free service, claimed once'),
          until: z.string().describe('last local date, inclusive'),
          daysLeft: z.number().int().describe('today included'),
        }),
      )
      .describe('campaign offers head office granted that apply today and are not used yet (docs/campaigns.md)'),
    offersText: z
      .object({ zh: z.string(), en: z.string() })
      .nullable()
      .describe(
        'the open offers in one line for the cashier, e.g. 双倍积分 ×2，还剩 3 天 or 满200送300 满¥200.00加送300分，还剩 5 天; null without any',
      ),
  })
  .meta({ id: 'MemberSummary' });

export type QuoteRequest = z.output<typeof QuoteRequest>;
export type SaleRequest = z.output<typeof SaleRequest>;
export type ReturnRequest = z.output<typeof ReturnRequest>;
export type IdentifyRequest = z.output<typeof IdentifyRequest>;
export type EnrolRequest = z.output<typeof EnrolRequest>;
export type MemberSummary = z.output<typeof MemberSummary>;

const Breakdown = z
  .array(z.looseObject({ kind: z.string() }))
  .describe('the computation step by step: base, excluded, pointsTender, category, tier, promotion, cap, bonus, stamp');
const BreakdownText = z.object({ zh: z.string(), en: z.string() }).describe('a cashier-readable summary');

export const QuoteResponse = z
  .object({
    memberNo: z.string().nullable(),
    ruleVersion: z.number().int(),
    total: Fen,
    qualifyingSpend: Fen,
    pointsEarned: Points.describe('for an anonymous basket: what a member would earn'),
    bonusPoints: Points,
    pointsRedeemed: Points,
    redemptionValue: Fen,
    maxRedeemablePoints: Points,
    maxRedemptionValue: Fen,
    minimumRedemption: Points,
    redemptionStep: Points,
    balance: z.number().int().nullable(),
    withheldByCaps: Points,
    breakdown: Breakdown,
    breakdownText: BreakdownText,
    redemptionProblem: z.object({ code: z.string(), message: z.string() }).nullable(),
    memberDiscount: z
      .object({
        percent: z.number().describe("the member's tier's memberDiscountPercent; 0 without a member"),
        amount: Fen.describe('floor(total × percent / 100)'),
      })
      .describe(
        'offered, not applied: the POS applies it as part of basketDiscount, so points are earned on what the customer pays',
      ),
  })
  .meta({ id: 'QuoteResponse' });

export const SaleResponse = z
  .object({
    saleId: z.string(),
    memberNo: z.string().nullable(),
    ruleVersion: z.number().int(),
    total: Fen,
    pointsEarned: Points,
    bonusPoints: Points,
    pointsRedeemed: Points,
    redemptionValue: Fen,
    balance: z.number().int().nullable(),
    balanceAsOf: z
      .string()
      .nullable()
      .optional()
      .describe(
        'null when the till is sure of the balance at the sale; else the last sync time (\'never\' before the first): a receipt then prints "balance as of" it (DOMAIN.md 4)',
      ),
    tier: z.string().nullable(),
    tierChanged: z.boolean(),
    previousTier: z.string().nullable(),
    withheldByCaps: Points,
    breakdown: Breakdown,
    breakdownText: BreakdownText,
    entries: z.array(z.number().int()).describe('ledger sequence numbers written'),
    receiptId: z.string(),
    occurredAt: z.string(),
    memberDiscountPercent: z
      .number()
      .describe(
        "the member discount percentage the member's tier offered on this sale (the POS applies it); 0 without a member",
      ),
  })
  .meta({ id: 'SaleResponse' });

export const ReturnResponse = z
  .object({
    returnId: z.string(),
    originalSaleId: z.string(),
    memberNo: z.string().nullable(),
    pointsReversed: Points,
    bonusReversed: Points.describe(
      "campaign bonus points taken back: the return left the sale's eligible spend below the offer's minimum",
    ),
    pointsRestored: Points,
    pointsShort: Points.describe('points the balance could not cover (deductFromRefund policy)'),
    refundDeduction: Fen.describe(
      "money to keep from the refund for pointsShort: their value at the member's tier ratio, rounded up to the fen",
    ),
    returnedAmount: Fen,
    balance: z.number().int().nullable(),
    tier: z.string().nullable(),
    returned: z.record(z.string(), z.number().int()).describe('quantity in thousandths per sku'),
    previouslyReturned: z
      .record(z.string(), z.number().int())
      .describe('quantity in thousandths per sku taken back by earlier returns of the sale, at any till known')
      .optional(),
    fullyReturned: z.boolean(),
    entries: z.array(z.number().int()),
    occurredAt: z.string(),
  })
  .meta({ id: 'ReturnResponse' });

export const EnrolResponse = MemberSummary.extend({ bonusPoints: Points }).meta({ id: 'EnrolResponse' });

export const PrinterHealth = z
  .object({
    configured: z.boolean().describe('TILL_PRINTER is set to a printer'),
    target: z.string().nullable().describe('where the printer is, e.g. tcp://10.0.0.5:9100'),
    state: z
      .enum(PRINTER_STATES)
      .describe('none | ready | unknown (write-only link) | absent | offline | paper_out | cover_open | error'),
    paperLow: z.boolean().describe('the paper near-end sensor fired'),
    queuedJobs: z.number().int().describe('receipts waiting to print'),
    lastError: z.string().nullable(),
    checkedAt: z.string().nullable().describe('when the printer state was last read'),
    lastPrintedAt: z.string().nullable(),
  })
  .meta({ id: 'PrinterHealth' });

export const DeviceStatus = z
  .object({
    id: z.string().describe('e.g. serial:/dev/ttyUSB0, hid:0c2e:0b61, nfc-serial:/dev/ttyACM0, pcsc, keyboard'),
    kind: z.enum(['serial', 'nfc-serial', 'hid', 'pcsc', 'keyboard', 'simulated']),
    reads: z.enum(['barcode', 'nfc']),
    origin: z
      .enum(['configured', 'detected', 'simulated'])
      .describe('TILL_SCANNERS, auto-detected, or TILL_DEVICES=simulated'),
    description: z.string(),
    state: z
      .enum(['opening', 'ready', 'disconnected', 'unavailable', 'ui', 'stopped'])
      .describe(
        'ready; disconnected (unplugged or not found: retried with backoff); unavailable (cannot work here, not retried); ui (keyboard wedge, read by the cashier UI)',
      ),
    detail: z.string().nullable().describe('why it is not ready, or what is attached (PC/SC readers)'),
    since: z.string().describe('when the state last changed'),
    readCount: z.number().int(),
    lastReadAt: z.string().nullable(),
    reconnects: z.number().int().describe('times it came back after being lost'),
  })
  .meta({ id: 'DeviceStatus' });

export const HealthResponse = z
  .object({
    tillId: z.string(),
    storeId: z.string(),
    version: z.string(),
    online: z.boolean(),
    mode: z.enum(['standalone', 'connected']),
    lastSyncAt: z.string().nullable(),
    entriesWaiting: z.number().int().describe('ledger entries and records not yet acknowledged by head office'),
    syncProblem: z
      .object({ code: z.string(), message: z.string(), at: z.string() })
      .nullable()
      .describe('why the last sync attempt failed; null when it succeeded or the till is standalone'),
    oldestWaitingAt: z
      .string()
      .nullable()
      .describe(
        'when the oldest entry or record still waiting for head office was recorded; null when nothing waits or standalone',
      ),
    oldestWaitingSeconds: z
      .number()
      .int()
      .nullable()
      .describe("how long the oldest waiting entry has waited, by the till's clock"),
    redemptionLock: z
      .object({ since: z.string(), count: z.number().int() })
      .nullable()
      .describe('redemption is locked on this till (too many in a minute) until a supervisor clears it'),
    storeName: z
      .object({ zh: z.string(), en: z.string() })
      .nullable()
      .describe("the store's name (TILL_STORE_NAME, else the rule set's storeNames); null when neither names it"),
    ruleVersion: z.number().int(),
    members: z.number().int(),
    sales: z.number().int(),
    printer: PrinterHealth,
    devices: z.array(DeviceStatus).describe('card readers and their state (main/devices)'),
  })
  .meta({ id: 'HealthResponse' });

export type QuoteResponse = z.output<typeof QuoteResponse>;
export type SaleResponse = z.output<typeof SaleResponse>;
export type ReturnResponse = z.output<typeof ReturnResponse>;
export type HealthResponse = z.output<typeof HealthResponse>;
export type PrinterHealth = z.output<typeof PrinterHealth>;
export type DeviceStatus = z.output<typeof DeviceStatus>;

export const RewardRedeemRequest = z
  .object({
    memberNo: z.string().min(1).max(32),
    rewardId: z.string().min(1).max(40),
    staffId: Id.optional(),
  })
  .meta({ id: 'RewardRedeemRequest' });

export const CouponResponse = z
  .object({
    code: z.string(),
    memberNo: z.string(),
    rewardId: z.string(),
    value: Fen,
    validFrom: z.string(),
    validTo: z.string(),
    issuedSeq: z.number().int(),
    usedAt: z.string().nullable(),
    usedSaleId: z.string().nullable(),
  })
  .meta({ id: 'Coupon' });

export const RewardRedeemResponse = z
  .object({ coupon: CouponResponse, pointsSpent: Points, balance: z.number().int() })
  .meta({ id: 'RewardRedeemResponse' });

export const CouponUseRequest = z
  .object({ code: z.string().min(1).max(40), saleId: Id.optional() })
  .meta({ id: 'CouponUseRequest' });

export const RewardCatalogue = z
  .array(
    z.object({
      id: z.string(),
      name: z.object({ zh: z.string(), en: z.string() }),
      points: Points,
      kind: z.enum(['voucher', 'coupon', 'service']),
      value: Fen,
      validDays: z.number().int(),
      availableFrom: z.string().optional().describe('first local day it may be issued (limited time)'),
      availableUntil: z.string().optional().describe('last local day it may be issued (限时至)'),
      stock: z.number().int().optional().describe('units for the whole chain (limited stock); absent = unlimited'),
      availability: z
        .object({
          state: z
            .enum(['available', 'sold_out', 'not_started', 'ended'])
            .describe('redeeming in another state is refused with reward_sold_out / reward_not_started / reward_ended'),
          remaining: z
            .number()
            .int()
            .nullable()
            .describe('units left as this till knows them (仅剩 N 件); null = unlimited'),
          from: z.string().nullable(),
          until: z.string().nullable(),
        })
        .describe("today's availability at this till"),
    }),
  )
  .meta({ id: 'RewardCatalogue' });

export const CategoryList = z
  .array(
    z.object({
      code: z.string(),
      name: z.object({ zh: z.string(), en: z.string() }),
      excluded: z.boolean().describe('earns no points'),
      multiplier: z.string().describe('the category multiplier, "1" when none'),
    }),
  )
  .describe(
    'categories the rule set in force names or uses, with their display names (rule set categoryNames, else built-in)',
  )
  .meta({ id: 'CategoryList' });

export const ServiceClaimRequest = z
  .object({
    service: z
      .string()
      .min(1)
      .max(40)
      .describe("one of the tier's freeServices, or the service of a campaign's free-service offer (used first)"),
    staffId: Id.optional(),
  })
  .meta({ id: 'ServiceClaimRequest' });

export const ServiceClaimResponse = z
  .object({
    memberNo: z.string(),
    service: z.string(),
    tier: z.string(),
    year: z.string().describe('the calendar year (store time) the claim counts in'),
    used: z.number().int().describe('claims of this service this year, this one included'),
    allowance: z.number().int(),
    remaining: z.number().int(),
    entry: z.number().int().describe('ledger sequence number written'),
    occurredAt: z.string(),
    campaignId: z
      .string()
      .optional()
      .describe("the campaign whose free-service offer this claim used (used/allowance are then the offer's 1 of 1)"),
  })
  .meta({ id: 'ServiceClaimResponse' });
