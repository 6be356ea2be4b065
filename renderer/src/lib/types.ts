/**
 * The till API's answers as the UI reads them. Written out here rather than imported from the
 * server's zod schemas so the UI build depends on nothing server-side; test/e2e/contract.ts
 * checks at compile time that the server's types still fit these.
 */
export interface MemberSummary {
  memberNo: string;
  name: string;
  phone: string;
  tier: string;
  tierName: { zh: string; en: string };
  class: string | null;
  status: 'active' | 'blocked';
  balance: number;
  spendable: number;
  balanceAsOf: string | null;
  expiringSoon: { on: string; points: number }[];
  rollingSpend: number;
  nextTier: { tier: string | null; remaining: number };
  stamps: number;
  lifecycle: 'new' | 'active' | 'at_risk' | 'dormant';
  /** campaign offers live today, in one line (docs/campaigns.md); absent from an older till */
  offersText?: { zh: string; en: string } | null;
}

export interface QuoteResponse {
  memberNo: string | null;
  total: number;
  pointsEarned: number;
  bonusPoints: number;
  pointsRedeemed: number;
  redemptionValue: number;
  maxRedeemablePoints: number;
  balance: number | null;
  breakdownText: { zh: string; en: string };
  redemptionProblem: { code: string; message: string } | null;
}

export interface SaleResponse {
  saleId: string;
  memberNo: string | null;
  total: number;
  pointsEarned: number;
  bonusPoints: number;
  pointsRedeemed: number;
  redemptionValue: number;
  balance: number | null;
  tier: string | null;
  tierChanged: boolean;
  previousTier: string | null;
  breakdownText: { zh: string; en: string };
}

export interface ReturnResponse {
  returnId: string;
  originalSaleId: string;
  memberNo: string | null;
  pointsReversed: number;
  /** campaign bonus points taken back (the sale fell below the offer's minimum spend) */
  bonusReversed: number;
  pointsRestored: number;
  refundDeduction: number;
  balance: number | null;
}

export interface HealthResponse {
  tillId: string;
  storeId: string;
  version: string;
  online: boolean;
  mode: 'standalone' | 'connected';
  lastSyncAt: string | null;
  entriesWaiting: number;
  /** why the last sync failed: hq_unreachable, unauthorized, chain_refused, hq_error, hq_key_missing */
  syncProblem: { code: string; message: string; at: string } | null;
  oldestWaitingAt: string | null;
  oldestWaitingSeconds: number | null;
  redemptionLock: { since: string; count: number } | null;
  storeName: { zh: string; en: string } | null;
  printer?: PrinterHealth;
  devices?: DeviceStatus[];
}

export interface PrinterHealth {
  state: string;
  paperLow: boolean;
  queuedJobs: number;
  lastError: string | null;
  configured?: boolean;
  target?: string | null;
}

export interface DeviceStatus {
  id: string;
  kind: 'serial' | 'nfc-serial' | 'hid' | 'pcsc' | 'keyboard' | 'simulated';
  reads: 'barcode' | 'nfc';
  description: string;
  state: string;
  detail: string | null;
}

/** GET /v1/categories */
export interface Category {
  code: string;
  name: { zh: string; en: string };
  excluded: boolean;
  multiplier: string;
}

export interface BasketLine {
  sku: string;
  name?: string;
  category: string;
  quantity: number;
  unitPrice: number;
}

export type Tender = { type: 'cash' | 'card' | 'other'; amount: number } | { type: 'points'; points: number };

export interface SaleBody {
  saleId: string;
  memberNo?: string;
  lines: BasketLine[];
  tenders?: Tender[];
}

export interface QuoteBody {
  saleId?: string;
  memberNo?: string;
  lines: BasketLine[];
  redeemPoints?: number;
}

export interface EnrolBody {
  name: string;
  phone: string;
  birthday?: string;
  gender?: 'female' | 'male' | 'other';
  preferredChannel?: 'sms' | 'wechat' | 'email' | 'none';
  consent: { marketing: boolean; text: string };
  cardCode?: string;
  /** what read the card: an all-digit NFC UID is only a UID when the reader says so */
  cardSource?: 'barcode' | 'nfc' | 'qr';
}

export interface ReturnBody {
  returnId: string;
  originalSaleId: string;
  lines: { sku: string; quantity: number }[];
}
