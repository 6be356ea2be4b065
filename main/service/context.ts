/** What every till operation needs, wired once by createTill (the composition root). */
import type { PrinterHealth } from '../api/schemas.js';
import type { CouponStore } from '../db/coupons.js';
import type { FieldCipher } from '../db/crypto.js';
import type { HqStateStore } from '../db/hqstate.js';
import type { HqQrKeyStore } from '../db/hq-qr-keys.js';
import type { RewardStockStore } from '../db/reward-stock.js';
import type { RewardReserveAnswer, RewardReserveRequest } from '../../core/sync/protocol.js';
import type { LedgerStore } from '../db/ledger.js';
import type { MemberStore } from '../db/members.js';
import type { OutboxStore } from '../db/outbox.js';
import type { Db } from '../db/open.js';
import type { RuleSetStore } from '../db/rulesets.js';
import type { SaleStore } from '../db/sales.js';
import type { HqAnswer } from '../sync/client.js';
import type { SyncStatus } from '../sync/service.js';
import type { EventBus } from './events.js';
import type { RedemptionGuard } from './redemption-guard.js';
import type { Logger } from './log.js';

export interface TillIdentity {
  tillId: string;
  storeId: string;
  /** numeric till code used in member numbers enrolled here (5 digits) */
  tillCode: string;
}

/** Receipt printing (main/receipts), as the rest of the till sees it. */
export interface ReceiptHooks {
  /** A sale committed (never called for an idempotent replay): queue its receipt. Never throws. */
  saleCommitted(saleId: string, memberNo: string | null): void;
  /** The printer and its queue, for /v1/health. */
  printerHealth(): PrinterHealth;
  /** TILL_STORE_NAME as configured (receipts print it); null when unset. */
  configuredStoreName?(): string | null;
}

/** Head office's copy of sales rung up at other tills (DOMAIN.md 12: a return at any store). */
export interface HqSales {
  /** GET /v1/sync/sales/{saleId}, signed; throws HqUnreachableError when head office does not answer */
  lookup(saleId: string, narrow?: { tillId?: string }): Promise<HqAnswer>;
  /** pulls the change feed now, so the member's merged state holds the sale; never throws */
  refresh(): Promise<void>;
}

/** Head office's members, for a member of another store identified by mobile number (DOMAIN.md 2, 12). */
export interface HqMembers {
  /** POST /v1/sync/members/lookup with the normalised phone, signed; throws HqUnreachableError when head office does not answer */
  lookupPhone(phone: string): Promise<HqAnswer>;
  /** pulls the change feed now, so the member's merged state is here; never throws */
  refresh(): Promise<void>;
}

/** Head office's count of limited-stock rewards (core/rewards/availability.ts). */
export interface HqRewards {
  /**
   * POST /v1/sync/rewards/reserve, signed; stores the answer's figure as what this till knows.
   * Throws HqUnreachableError when head office does not answer (or answers other than 200).
   */
  reserve(req: RewardReserveRequest): Promise<RewardReserveAnswer>;
}

export interface TillContext {
  db: Db;
  identity: TillIdentity;
  ledger: LedgerStore;
  members: MemberStore;
  rules: RuleSetStore;
  sales: SaleStore;
  coupons: CouponStore;
  outbox: OutboxStore;
  redemptions: RedemptionGuard;
  hqState: HqStateStore;
  /** head office's last count of each limited-stock reward, as this till knows it */
  rewardStock: RewardStockStore;
  /** true when a head office is configured and has answered within offlineAfterMinutes */
  isOnline: () => boolean;
  /** false for a standalone till: offline limits then never apply */
  connected: boolean;
  /** the sync loop's state; null when standalone */
  syncStatus: () => SyncStatus | null;
  /** set by createTill when a head office is configured; absent when standalone */
  hqSales?: HqSales;
  /** set by createTill when a head office is configured; absent when standalone */
  hqMembers?: HqMembers;
  /** set by createTill when a head office is configured; absent when standalone */
  hqRewards?: HqRewards;
  cipher: FieldCipher;
  events: EventBus;
  log: Logger;
  /** key that verifies signed member QR codes (from head office; generated when standalone) */
  qrKey: Buffer;
  /** head office's member-QR keys (current, previous), fetched by sync; absent when standalone */
  hqQrKeys?: HqQrKeyStore;
  now: () => Date;
  /** the last time head office confirmed this till's state; null = never (standalone) */
  lastSyncAt: () => string | null;
  /** set by createTill once the print service exists; absent in tools without printing */
  receipts?: ReceiptHooks;
}
