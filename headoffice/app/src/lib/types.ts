/**
 * Head office's operator API answers as the dashboard reads them. Written out here rather than
 * imported from the server's zod schemas so the app build depends on nothing server-side;
 * headoffice/app-contract.ts checks at compile time that the server's types still fit these.
 */
export type { DayMeasures } from '../../../../core/analytics.js';
import type { Churn, Repurchase, Targets } from '../../../../core/overview.js';
import type { DayMeasures } from '../../../../core/analytics.js';

export type Lifecycle = 'new' | 'active' | 'at_risk' | 'dormant';

export interface DoubleSpendCase {
  id: number;
  kind:
    | 'double_spend'
    | 'coupon_reuse'
    | 'expiry_conflict'
    | 'earning_velocity_member'
    | 'earning_velocity_cashier'
    | 'enrolment_burst_prefix'
    | 'enrolment_burst_cashier'
    | 'redeem_after_earn'
    | 'personal_data_unlocks';
  memberNo: string;
  tills: string[];
  points: number;
  balanceAfter: number;
  status: string;
  detectedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  resolution: string | null;
}

export interface SummaryReport {
  asOf: string;
  today: string;
  members: {
    enrolled: number;
    active: number;
    withLedger: number;
    lifecycle: Record<Lifecycle, number>;
    tiers: Record<string, number>;
    classes: Record<string, number>;
  };
  points: {
    issued: number;
    redeemed: number;
    expired: number;
    outstanding: number;
    negativeBalances: { members: number; points: number };
    liabilityFen: number;
    redemptionRate: number | null;
    breakageRate: number | null;
  };
  sales: {
    count: number;
    total: number;
    memberCount: number;
    memberTotal: number;
    memberShare: number | null;
    averageSpendPerActiveMember: number | null;
    purchaseFrequency: number | null;
    repurchaseRate: number | null;
    mismatches: number;
  };
  stores: {
    storeId: string;
    storeName: string | null;
    enrolments: number;
    sales: number;
    salesTotal: number;
    memberSales: number;
    memberSalesTotal: number;
  }[];
  /** per (store, staff id): a staff id is its store's own */
  staff: { storeId: string; staffId: string; enrolments: number }[];
  tills: { total: number; broken: number };
  doubleSpendCases: DoubleSpendCase[];
  feedback: { complaints: { open: number; closed: number }; suggestions: { open: number; closed: number } };
  /** the receipt survey's NPS over every answer, shown beside the complaints */
  nps: NpsTally;
}

export interface DailyReport {
  from: string;
  to: string;
  timeZone: string;
  days: DayMeasures[];
  stores: { storeId: string; storeName: string | null; days: DayMeasures[] }[];
  /** per (store, staff id) over the range */
  staff: {
    storeId: string;
    staffId: string;
    enrolments: number;
    sales: number;
    salesTotal: number;
    memberSales: number;
    memberSalesTotal: number;
    memberShare: number | null;
  }[];
}

export interface TillView {
  tillId: string;
  storeId: string;
  tillName: string | null;
  storeName: string | null;
  lastUploadAt: string | null;
  lastFeedAt: string | null;
  ackSeq: number;
  chainStatus: 'ok' | 'broken';
  chainError: string | null;
  badSignatures: number;
  mismatches: number;
  sales: number;
  refusedChanges: number;
  lastRefusal: { reason: string } | null;
  lookupsRefused: number;
  lastLookupRefusedAt: string | null;
}

export interface TillMismatch {
  kind: 'sale' | 'return';
  id: string;
  saleId: string;
  originalTillId: string | null;
  occurredAt: string;
  receivedAt: string;
  note: string;
}

export interface TillMismatches {
  tillId: string;
  mismatches: TillMismatch[];
  truncated: boolean;
}

export interface Health {
  ok: boolean;
  version: string;
  inbox: {
    batches: number;
    entries: number;
    oldestReceivedAt: string | null;
    failing: boolean;
    stuckTills: string[];
  };
}

export interface MemberView {
  memberNo: string;
  name: string | null;
  status: 'active' | 'blocked';
  erasedAt: string | null;
  tier: string;
  class: string | null;
  lifecycle: Lifecycle;
  balance: number;
  ledgerBalance: number;
  debt: number;
  rollingSpend: number;
  enrolledStore: string | null;
  expiringSoon: { on: string; points: number }[];
  cards: { code: string; kind: string; status: string }[];
  ledger: {
    tillId: string;
    seq: number;
    kind: string;
    points: number;
    occurredAt: string;
    expiresOn: string | null;
    saleId: string | null;
  }[];
}

/** NPS counts (core/survey/nps.ts): nps is -100..100 to one decimal, null without answers. */
export interface NpsTally {
  answers: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
}

/** GET /v1/reports/nps (headoffice/survey-schemas.ts NpsReportSchema). */
export interface NpsReport {
  from: string;
  to: string;
  timeZone: string;
  formula: { zh: string; en: string };
  chain: NpsTally;
  stores: (NpsTally & { storeId: string; storeName: string | null; complaints: number; suggestions: number })[];
  weeks: (NpsTally & { week: string; storeId: string | null })[];
}

/** GET /v1/rewards/stock (headoffice/api-schemas.ts RewardStockSchema): limited-stock rewards and the oversell. */
export interface RewardStockReport {
  rewards: {
    rewardId: string;
    name: { zh: string; en: string };
    stock: number;
    issued: number;
    reserved: number;
    released: number;
    remaining: number;
    oversold: number;
    availableFrom: string | null;
    availableUntil: string | null;
  }[];
  oversold: {
    tillId: string;
    seq: number;
    memberNo: string;
    rewardId: string;
    occurredAt: string;
    countedAt: string;
    offline: boolean;
  }[];
}

/** GET /v1/reports/overview (headoffice/store/overview.ts; core/overview.ts defines each measure). */
export interface StoredTargets extends Targets {
  updatedAt: string | null;
  updatedBy: string | null;
  reason: string | null;
}

export interface OverviewReport {
  from: string;
  to: string;
  previous: { from: string; to: string };
  churn: Churn;
  repurchase: { current: Repurchase; previous: Repurchase; target: number | null };
  targets: StoredTargets & { clvTargetFen: number | null };
}
