/**
 * The till service's HTTP API as the cashier UI uses it: the POS API routes with a staff
 * session instead of the POS key, plus /v1/staff/*. Every failure becomes an ApiError with
 * the server's stable code and, when the server names one, the field.
 */
import type {
  Category,
  EnrolBody,
  HealthResponse,
  MemberSummary,
  QuoteBody,
  QuoteResponse,
  ReturnBody,
  ReturnResponse,
  SaleBody,
  SaleResponse,
} from './types.js';

export type { Category, HealthResponse, MemberSummary, QuoteResponse, ReturnResponse, SaleResponse };

export type Role = 'cashier' | 'supervisor' | 'admin';

export interface StaffInfo {
  staffId: string;
  name: string;
  role: Role;
}

export interface SessionInfo {
  staff: StaffInfo;
  expiresAt: string;
  idleMinutes: number;
}

export interface Programme {
  tillId: string;
  storeId: string;
  ruleVersion: number;
  currency: string;
  timeZone: string;
  supervisorThreshold: number;
  pointsPerCurrencyUnit: number;
  minimumPoints: number;
  maxShareOfBasket: string;
  tiers: { code: string; name: { zh: string; en: string }; threshold: number }[];
  categories: string[];
  excludedCategories: string[];
  consentText: string;
}

export interface Reward {
  id: string;
  name: { zh: string; en: string };
  points: number;
  kind: 'voucher' | 'coupon' | 'service';
  value: number;
  validDays: number;
  availableFrom?: string;
  availableUntil?: string;
  stock?: number;
  /** today's availability at this till (core/rewards/availability.ts) */
  availability: {
    state: 'available' | 'sold_out' | 'not_started' | 'ended';
    remaining: number | null;
    from: string | null;
    until: string | null;
  };
}

export interface Coupon {
  code: string;
  memberNo: string;
  rewardId: string;
  value: number;
  validFrom: string;
  validTo: string;
}

export interface SaleView {
  saleId: string;
  memberNo: string | null;
  occurredAt: string;
  total: number;
  pointsEarned: number;
  pointsRedeemed: number;
  lines: {
    sku: string;
    name: string | null;
    category: string;
    quantity: number;
    unitPrice: number;
    net: number;
    returned: number;
  }[];
}

export interface Card {
  code: string;
  kind: 'barcode' | 'nfc' | 'qr';
  status: 'active' | 'blocked';
}

import type { FeedbackCategory, FeedbackKind } from '../../../core/feedback.js';
export { FEEDBACK_CATEGORIES, type FeedbackCategory, type FeedbackKind } from '../../../core/feedback.js';

/** GET/POST /v1/staff/members/{memberNo}/preferences (main/api/preference-routes.ts) */
export type MemberChannel = 'sms' | 'wechat' | 'email' | 'none';
export interface PreferenceValues {
  consentMarketing: boolean;
  preferredChannel: MemberChannel;
  interests: string[];
}
export interface MemberPreferences {
  memberNo: string;
  current: PreferenceValues;
  choices: {
    channels: { code: MemberChannel; name: { zh: string; en: string } }[];
    interests: { code: string; name: { zh: string; en: string } }[];
  };
  changes: (Partial<PreferenceValues> & { changeId: string; at: string; staffId: string; confirmed: boolean | null })[];
}

/** POST /v1/staff/feedback */
export interface FeedbackBody {
  kind: FeedbackKind;
  category: FeedbackCategory;
  text: string;
  memberNo?: string;
  followUp?: boolean;
}

/** POST /v1/staff/adjustments (a cashier's request names the approving supervisor and their PIN) */
export interface AdjustmentBody {
  memberNo: string;
  points: number;
  direction: 'credit' | 'debit';
  reason: string;
  supervisorStaffId?: string;
  supervisorPin?: string;
}

export interface AdjustmentResult {
  memberNo: string;
  direction: 'credit' | 'debit';
  points: number;
  balance: number;
  spendable: number;
  staffId: string;
  cashierId: string | null;
}

export interface RedemptionLock {
  since: string;
  count: number;
}

export type ApprovalAction =
  | { kind: 'redeem_points'; memberNo: string; points: number }
  | { kind: 'redeem_reward'; memberNo: string; rewardId: string }
  | { kind: 'unblock_card'; code: string };

export interface Approval {
  approval: string;
  supervisor: StaffInfo;
  expiresAt: string;
}

/** The card-reader settings (admin only): the list in TILL_SCANNERS syntax. */
export interface DeviceSettings {
  scanners: string;
  fromEnvironment: boolean;
  devices: HealthResponse['devices'];
}

export interface PosKeyView {
  fingerprint: string;
  file: string;
  fromEnvironment: boolean;
  /** only in a rotation's answer */
  key?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'till.session';

/** Where the service is: the Electron preload says so; in a browser it is this page's origin. */
export function serviceUrl(): string {
  const exposed = (window as { till?: { serviceUrl?: unknown } }).till?.serviceUrl;
  return typeof exposed === 'string' && exposed ? exposed.replace(/\/$/, '') : window.location.origin;
}

export class Api {
  private token: string | null;
  /** called when the server no longer accepts the session */
  onSignedOut: (() => void) | null = null;

  /** `keep`: the session outlives a reload (sessionStorage); a supervisor's one-request session does not */
  constructor(
    readonly base: string = serviceUrl(),
    private readonly keep = true,
  ) {
    this.token = keep ? sessionStorage.getItem(TOKEN_KEY) : null;
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'the till service cannot be reached');
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      const err = new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, e?.field);
      if (res.status === 401 && this.token && path !== '/v1/staff/sessions') {
        this.forget();
        this.onSignedOut?.();
      }
      throw err;
    }
    return parsed as T;
  }

  private forget(): void {
    this.token = null;
    if (this.keep) sessionStorage.removeItem(TOKEN_KEY);
  }

  async signIn(staffId: string, pin: string): Promise<SessionInfo> {
    const r = await this.call<SessionInfo & { token: string }>('POST', '/v1/staff/sessions', { staffId, pin });
    this.token = r.token;
    if (this.keep) sessionStorage.setItem(TOKEN_KEY, r.token);
    return { staff: r.staff, expiresAt: r.expiresAt, idleMinutes: r.idleMinutes };
  }

  async signOut(): Promise<void> {
    try {
      await this.call('POST', '/v1/staff/sessions/end');
    } finally {
      this.forget();
    }
  }

  session(): Promise<SessionInfo> {
    return this.call('GET', '/v1/staff/session');
  }

  programme(): Promise<Programme> {
    return this.call('GET', '/v1/staff/programme');
  }

  health(): Promise<HealthResponse> {
    return this.call('GET', '/v1/health');
  }

  /** `requestId`: the caller's own id for this identification, named again in the `member` event it causes. */
  identify(
    req: ({ code: string; source?: 'barcode' | 'nfc' | 'qr' } | { phone: string }) & { requestId?: string },
  ): Promise<MemberSummary> {
    return this.call('POST', '/v1/members/identify', req);
  }

  member(memberNo: string): Promise<MemberSummary> {
    return this.call('GET', `/v1/staff/members/${encodeURIComponent(memberNo)}`);
  }

  cards(memberNo: string): Promise<Card[]> {
    return this.call('GET', `/v1/staff/members/${encodeURIComponent(memberNo)}/cards`);
  }

  blockCard(code: string): Promise<Card> {
    return this.call('POST', '/v1/staff/cards/block', { code });
  }

  unblockCard(code: string, approval?: string): Promise<Card> {
    return this.call(
      'POST',
      '/v1/staff/cards/unblock',
      { code },
      approval ? { 'x-supervisor-approval': approval } : {},
    );
  }

  preferences(memberNo: string): Promise<MemberPreferences> {
    return this.call('GET', `/v1/staff/members/${encodeURIComponent(memberNo)}/preferences`);
  }

  changePreferences(memberNo: string, req: Partial<PreferenceValues>): Promise<MemberPreferences> {
    return this.call('POST', `/v1/staff/members/${encodeURIComponent(memberNo)}/preferences`, req);
  }

  feedback(req: FeedbackBody): Promise<{ feedbackId: string }> {
    return this.call('POST', '/v1/staff/feedback', req);
  }

  /** `source` as the reader's card event said, so an all-digit NFC UID links as a UID */
  linkCard(memberNo: string, code: string, source?: 'barcode' | 'nfc' | 'qr'): Promise<Card> {
    return this.call('POST', '/v1/staff/cards/link', { memberNo, code, ...(source ? { source } : {}) });
  }

  enrol(req: EnrolBody): Promise<MemberSummary & { bonusPoints: number }> {
    return this.call('POST', '/v1/members', req);
  }

  quote(req: QuoteBody): Promise<QuoteResponse> {
    return this.call('POST', '/v1/baskets/quote', req);
  }

  sale(req: SaleBody, approval?: string): Promise<SaleResponse> {
    return this.call('POST', '/v1/sales', req, approval ? { 'x-supervisor-approval': approval } : {});
  }

  saleView(saleId: string): Promise<SaleView> {
    return this.call('GET', `/v1/staff/sales/${encodeURIComponent(saleId)}`);
  }

  recordReturn(req: ReturnBody): Promise<ReturnResponse> {
    return this.call('POST', '/v1/returns', req);
  }

  /**
   * Prints the sale's loyalty receipt on the till's printer (409 no_printer when there is none):
   * `alreadyQueued` when its own receipt was waiting already and nothing was added.
   */
  printReceipt(
    saleId: string,
    lang: 'zh-CN' | 'en',
  ): Promise<{ jobId: number | string; status: string; kind: 'sale' | 'reprint'; alreadyQueued: boolean }> {
    return this.call('POST', `/v1/sales/${encodeURIComponent(saleId)}/receipt/print?lang=${lang}`);
  }

  rewards(): Promise<Reward[]> {
    return this.call('GET', '/v1/rewards');
  }

  redeemReward(
    memberNo: string,
    rewardId: string,
    approval?: string,
  ): Promise<{ coupon: Coupon; pointsSpent: number; balance: number }> {
    return this.call(
      'POST',
      '/v1/rewards/redeem',
      { memberNo, rewardId },
      approval ? { 'x-supervisor-approval': approval } : {},
    );
  }

  approve(supervisorId: string, pin: string, action: ApprovalAction): Promise<Approval> {
    return this.call('POST', '/v1/staff/approvals', { supervisorId, pin, action });
  }

  eventTicket(): Promise<{ ticket: string; expiresAt: string }> {
    return this.call('POST', '/v1/staff/events/ticket');
  }

  /** The key's fingerprint only: the till never shows the key in force again (docs/cashier-ui.md). */
  posKey(): Promise<PosKeyView> {
    return this.call('GET', '/v1/staff/pos-key');
  }

  /** A new key, shown in this answer only. */
  rotatePosKey(): Promise<PosKeyView & { key: string }> {
    return this.call('POST', '/v1/staff/pos-key/rotate');
  }

  categories(): Promise<Category[]> {
    return this.call('GET', '/v1/categories');
  }

  redemptionLock(): Promise<{ lock: RedemptionLock | null }> {
    return this.call('GET', '/v1/staff/redemption-lock');
  }

  clearRedemptionLock(): Promise<{ lock: null }> {
    return this.call('POST', '/v1/staff/redemption-lock/clear');
  }

  adjust(req: AdjustmentBody): Promise<AdjustmentResult> {
    return this.call('POST', '/v1/staff/adjustments', req);
  }

  /**
   * Runs `act` in a supervisor's own session, for what the till lets only a supervisor's session
   * do (clearing the redemption lock): signed in with the PIN they typed on this screen, used for
   * this one action and ended at once; the cashier stays signed in throughout.
   */
  async asSupervisor<T>(staffId: string, pin: string, act: (supervisor: Api) => Promise<T>): Promise<T> {
    const s = new Api(this.base, false);
    await s.signIn(staffId, pin);
    try {
      return await act(s);
    } finally {
      await s.signOut().catch(() => undefined);
    }
  }

  deviceSettings(): Promise<DeviceSettings> {
    return this.call('GET', '/v1/staff/devices/settings');
  }

  saveDeviceSettings(scanners: string): Promise<DeviceSettings> {
    return this.call('POST', '/v1/staff/devices/settings', { scanners });
  }
}

/** A sale number for a keyed sale: unique per till, readable on a receipt. */
export function newSaleId(tillId: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(2, 14);
  const rand = Math.floor(Math.random() * 36 ** 3)
    .toString(36)
    .padStart(3, '0');
  return `K-${tillId}-${stamp}-${rand}`.slice(0, 64);
}
