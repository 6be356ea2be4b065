/**
 * The member's own page (issue 15 item 4, docs/member-page.md): sign-in by phone and one-time
 * code, sessions, and what the page shows.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { lowestTier, progressToNextTier, tierDef } from '../../core/engine/tiers.js';
import {
  emptyState,
  expiringBetween,
  isOfferOpen,
  offerKind,
  rollingSpend,
  visibleBalance,
  type MemberState,
  type OfferKind,
} from '../../core/ledger/state.js';
import { offerTerms } from '../../core/campaigns.js';
import { maskName, maskPhone } from '../../core/members.js';
import { EXPIRING_SOON_DAYS } from '../../core/ledger/expiry.js';
import { addDays, localDate } from '../../core/time.js';
import type { HqCipher } from '../crypto.js';
import {
  OTP_CLIENT_LIMIT,
  OTP_LIMITS_KEPT_MS,
  OTP_NUMBER_LIMIT,
  OTP_PAIR_LIMIT,
  OTP_TTL_MS,
  judgeOtpAttempt,
  judgeSend,
  newOtpCode,
  type OtpAttempt,
  type OtpSendState,
} from '../domain/otp.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import { insertOutbox } from './messages.js';
import type { RuleSetCache } from './rulesets.js';

/** DECISION: a member's session lasts 7 days from sign-in, then the phone asks for a code again. */
export const MEMBER_SESSION_MS = 7 * 86_400_000;

export type OtpRequestOutcome =
  | { kind: 'sent'; memberNo: string; messageId: string; text: string }
  /** no member holds the number: a decoy code is kept but nothing is sent; the caller answers as if it were */
  | { kind: 'no_member' }
  /** the number (from this address, or from every address together) has had its codes for now */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** this client address has asked for its codes for now, whatever the numbers */
  | { kind: 'client_limited'; retryAfterSeconds: number };

export type OtpVerifyOutcome = Exclude<OtpAttempt, { kind: 'ok' }> | { kind: 'ok'; memberNo: string; token: string };

const codeHash = (cipher: HqCipher, phone: string, code: string): Buffer => cipher.mac('otp', `${phone}:${code}`);

/**
 * The client address as `member_otps` and `member_otp_clients` keep it: keyed, so the table
 * holds no address. `client` is http/client-address.ts's key (an IPv4 address or an IPv6 /64).
 */
const clientHash = (cipher: HqCipher, client: string): Buffer => cipher.mac('otp-client', client);

/** `member_otps`' row counting a number's codes from every address together (no code in it). */
const EVERY_CLIENT = Buffer.alloc(0);

type SendRow = { last_sent_at: string; window_start: string; sent_in_window: number } | undefined;

const sendState = (r: SendRow): OtpSendState | null =>
  r ? { lastSentAt: r.last_sent_at, windowStart: r.window_start, sentInWindow: r.sent_in_window } : null;

function* otpRow(phoneHash: Buffer, client: Buffer): Sql<SendRow> {
  return (yield* get(
    'SELECT last_sent_at, window_start, sent_in_window FROM member_otps WHERE phone_hash = ? AND client_hash = ?',
    phoneHash,
    client,
  )) as SendRow;
}

/**
 * DECISION: a process deletes the counters whose windows are over at most this often, not on
 * every code request: they hold nothing a limit reads (judgeSend starts a new window past the
 * old one), so when they go changes no answer, and on Citus each deletion goes to every shard
 * of both tables (docs/citus.md). A counter is so kept at most this much past its day.
 */
export const OTP_FORGET_EVERY_MS = 10 * 60_000;

/** Counters whose windows are over hold nothing a limit reads, and codes of a day ago are long dead. */
function* forgetOldCounters(now: Date): Sql<void> {
  const before = new Date(now.getTime() - OTP_LIMITS_KEPT_MS).toISOString();
  yield* run('DELETE FROM member_otps WHERE window_start < ?', before);
  yield* run('DELETE FROM member_otp_clients WHERE window_start < ?', before);
}

function* keepNumberCount(phoneHash: Buffer, n: OtpSendState): Sql<void> {
  yield* run(
    `INSERT INTO member_otps (phone_hash, client_hash, member_no, code_hash, expires_at, tries, last_sent_at, window_start, sent_in_window)
     VALUES (?, ?, NULL, NULL, NULL, 0, ?, ?, ?)
     ON CONFLICT (phone_hash, client_hash) DO UPDATE SET last_sent_at = excluded.last_sent_at,
       window_start = excluded.window_start, sent_in_window = excluded.sent_in_window`,
    phoneHash,
    EVERY_CLIENT,
    n.lastSentAt,
    n.windowStart,
    n.sentInWindow,
  );
}

function* keepClientCount(client: Buffer, n: OtpSendState): Sql<void> {
  yield* run(
    `INSERT INTO member_otp_clients (client_hash, last_sent_at, window_start, sent_in_window) VALUES (?, ?, ?, ?)
     ON CONFLICT (client_hash) DO UPDATE SET last_sent_at = excluded.last_sent_at,
       window_start = excluded.window_start, sent_in_window = excluded.sent_in_window`,
    client,
    n.lastSentAt,
    n.windowStart,
    n.sentInWindow,
  );
}

/**
 * The three limits of domain/otp.ts, judged before anything is looked up about the number, so
 * they answer members' numbers and others alike. A refused request counts against none of them.
 * In the write transaction: several head-office processes on one database count together.
 */
function* judgeLimits(
  phoneHash: Buffer,
  client: Buffer,
  now: Date,
): Sql<
  | { ok: true; pair: OtpSendState; number: OtpSendState; client: OtpSendState }
  | Extract<OtpRequestOutcome, { kind: 'rate_limited' | 'client_limited' }>
> {
  const byClient = judgeSend(
    sendState(
      (yield* get(
        'SELECT last_sent_at, window_start, sent_in_window FROM member_otp_clients WHERE client_hash = ?',
        client,
      )) as SendRow,
    ),
    now,
    OTP_CLIENT_LIMIT,
  );
  if (!byClient.ok) return { kind: 'client_limited', retryAfterSeconds: byClient.retryAfterSeconds };
  const pair = judgeSend(sendState(yield* otpRow(phoneHash, client)), now, OTP_PAIR_LIMIT);
  const number = judgeSend(sendState(yield* otpRow(phoneHash, EVERY_CLIENT)), now, OTP_NUMBER_LIMIT);
  if (!pair.ok || !number.ok) {
    const wait = Math.max(pair.ok ? 0 : pair.retryAfterSeconds, number.ok ? 0 : number.retryAfterSeconds);
    return { kind: 'rate_limited', retryAfterSeconds: wait };
  }
  return { ok: true, pair: pair.next, number: number.next, client: byClient.next };
}

/**
 * `client`: the asking client's key (http/client-address.ts); the code is theirs alone.
 * `forget`: delete the counters whose windows are over first (OTP_FORGET_EVERY_MS).
 */
export function* requestOtp(
  cipher: HqCipher,
  phone: string,
  client: string,
  now: Date,
  forget = true,
): Sql<OtpRequestOutcome> {
  const phoneHash = cipher.mac('phone', phone);
  const clientKey = clientHash(cipher, client);
  if (forget) yield* forgetOldCounters(now);
  const judged = yield* judgeLimits(phoneHash, clientKey, now);
  if (!('ok' in judged)) return judged;
  const rows = (yield* all(
    "SELECT member_no FROM members WHERE phone_hash = ? AND erased_at IS NULL AND status = 'active' LIMIT 2",
    phoneHash,
  )) as { member_no: string }[];
  const memberNo = rows.length === 1 ? (rows[0]?.member_no ?? null) : null;
  // A number no member holds gets a decoy: a code made and kept like a real one but never sent,
  // so a wrong guess there is answered (and counted) exactly as at a member's number. The row
  // names no one: the phone only as its keyed hash, no member number.
  const code = newOtpCode();
  const n = judged.pair;
  // One code per number and address: asking again from elsewhere leaves this one alone.
  yield* run(
    `INSERT INTO member_otps (phone_hash, client_hash, member_no, code_hash, expires_at, tries, last_sent_at, window_start, sent_in_window)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
     ON CONFLICT (phone_hash, client_hash) DO UPDATE SET member_no = excluded.member_no, code_hash = excluded.code_hash,
       expires_at = excluded.expires_at, tries = 0, last_sent_at = excluded.last_sent_at,
       window_start = excluded.window_start, sent_in_window = excluded.sent_in_window`,
    phoneHash,
    clientKey,
    memberNo,
    codeHash(cipher, phone, code),
    new Date(now.getTime() + OTP_TTL_MS).toISOString(),
    n.lastSentAt,
    n.windowStart,
    n.sentInWindow,
  );
  yield* keepNumberCount(phoneHash, judged.number);
  yield* keepClientCount(clientKey, judged.client);
  if (!memberNo) return { kind: 'no_member' };
  const text = `【会员计划】您的登录验证码是 ${code}，5分钟内有效。请勿告诉他人。`;
  // The outbox keeps the message without its code: only the hash above can check one.
  const messageId = yield* insertOutbox({ memberNo, purpose: 'otp', text: text.replace(code, '******') }, now);
  return { kind: 'sent', memberNo, messageId, text };
}

/**
 * The code `client` was sent for `phone`: only that address's code is tried and only its tries
 * are spent, so a stranger elsewhere who knows the number cannot use up the member's.
 */
export function* verifyOtp(
  cipher: HqCipher,
  phone: string,
  code: string,
  client: string,
  now: Date,
): Sql<OtpVerifyOutcome> {
  const phoneHash = cipher.mac('phone', phone);
  const clientKey = clientHash(cipher, client);
  const held = (yield* get(
    'SELECT member_no, code_hash, expires_at, tries FROM member_otps WHERE phone_hash = ? AND client_hash = ?',
    phoneHash,
    clientKey,
  )) as { member_no: string | null; code_hash: Buffer | null; expires_at: string | null; tries: number } | undefined;
  if (!held) return { kind: 'none' };
  const given = codeHash(cipher, phone, code);
  const stored = held.code_hash ? Buffer.from(held.code_hash) : null;
  const equal = stored !== null && stored.length === given.length && timingSafeEqual(stored, given);
  // A decoy (no member holds the number) is judged like a code but never matches: guessing it
  // signs nobody in and reads as one more wrong try.
  const matches = equal && held.member_no !== null;
  const verdict = judgeOtpAttempt(
    { expiresAt: held.expires_at, tries: held.tries, hasCode: stored !== null },
    matches,
    now,
  );
  if (verdict.kind === 'wrong') {
    yield* run(
      'UPDATE member_otps SET tries = tries + 1 WHERE phone_hash = ? AND client_hash = ?',
      phoneHash,
      clientKey,
    );
    return verdict;
  }
  if (verdict.kind !== 'ok' || held.member_no === null) return verdict.kind === 'ok' ? { kind: 'none' } : verdict;
  // Single use: the code is gone once it signed the member in.
  yield* run(
    'UPDATE member_otps SET code_hash = NULL, expires_at = NULL WHERE phone_hash = ? AND client_hash = ?',
    phoneHash,
    clientKey,
  );
  const secret = randomBytes(24).toString('base64url');
  yield* run(
    'INSERT INTO member_sessions (member_no, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
    held.member_no,
    cipher.mac('member-session', secret),
    now.toISOString(),
    new Date(now.getTime() + MEMBER_SESSION_MS).toISOString(),
  );
  return { kind: 'ok', memberNo: held.member_no, token: `${held.member_no}.${secret}` };
}

function splitToken(token: string): { memberNo: string; secret: string } | null {
  const m = /^([0-9A-Za-z-]{1,32})\.([A-Za-z0-9_-]{32})$/.exec(token);
  return m?.[1] && m[2] ? { memberNo: m[1], secret: m[2] } : null;
}

/** The member a session cookie signs in, or null (unknown, expired, or the member erased or blocked). */
export function* memberSession(cipher: HqCipher, token: string, now: Date): Sql<string | null> {
  const t = splitToken(token);
  if (!t) return null;
  const row = (yield* get(
    `SELECT s.member_no FROM member_sessions s JOIN members m ON m.member_no = s.member_no
     WHERE s.member_no = ? AND s.token_hash = ? AND s.expires_at > ? AND m.erased_at IS NULL AND m.status = 'active'`,
    t.memberNo,
    cipher.mac('member-session', t.secret),
    now.toISOString(),
  )) as { member_no: string } | undefined;
  return row?.member_no ?? null;
}

export function* endMemberSession(cipher: HqCipher, token: string): Sql<void> {
  const t = splitToken(token);
  if (!t) return;
  yield* run(
    'DELETE FROM member_sessions WHERE member_no = ? AND token_hash = ?',
    t.memberNo,
    cipher.mac('member-session', t.secret),
  );
}

export interface MemberHome {
  memberNo: string;
  name: string;
  phone: string;
  balance: number;
  tier: { code: string; name: { zh: string; en: string } };
  nextTier: { code: string; name: { zh: string; en: string }; remaining: number } | null;
  rollingSpend: number;
  expiring: { on: string; points: number }[];
  offers: {
    campaignId: string;
    kind: OfferKind;
    multiplierMilli: number;
    from: string;
    until: string;
    name: { zh: string; en: string };
    terms: { zh: string; en: string };
  }[];
  coupons: { code: string; rewardId: string; value: number; validFrom: string; validTo: string }[];
  today: string;
}

export function* memberHome(
  cipher: HqCipher,
  rules: RuleSetCache,
  memberNo: string,
  now: Date,
): Sql<MemberHome | null> {
  const m = (yield* get(
    "SELECT name_enc, phone_enc FROM members WHERE member_no = ? AND erased_at IS NULL AND status = 'active'",
    memberNo,
  )) as { name_enc: Buffer; phone_enc: Buffer } | undefined;
  if (!m) return null;
  const st = (yield* get('SELECT state FROM member_state WHERE member_no = ?', memberNo)) as
    { state: string } | undefined;
  const rs = yield* rules.latest();
  const today = localDate(now, rs.timeZone).date;
  const state: MemberState = st ? (JSON.parse(st.state) as MemberState) : emptyState(memberNo, lowestTier(rs).code);
  const spend = rollingSpend(state, today);
  const progress = progressToNextTier(rs, { tier: state.tier, rollingSpend: spend });
  const def = tierDef(rs, state.tier);
  return {
    memberNo,
    name: maskName(cipher.decrypt(m.name_enc)),
    phone: maskPhone(cipher.decrypt(m.phone_enc)),
    balance: visibleBalance(state, today),
    tier: { code: def.code, name: def.name },
    nextTier: progress.next
      ? { code: progress.next, name: tierDef(rs, progress.next).name, remaining: progress.remaining }
      : null,
    rollingSpend: spend,
    expiring: expiringBetween(state, today, addDays(today, EXPIRING_SOON_DAYS)),
    // Open offers (a used bonus or service is gone); a campaign's coupon is listed among the coupons.
    offers: (state.offers ?? [])
      .filter((o) => o.until >= today && offerKind(o) !== 'coupon' && (o.from > today || isOfferOpen(state, o)))
      .map((o) => ({
        campaignId: o.campaignId,
        kind: offerKind(o),
        multiplierMilli: o.multiplierMilli,
        from: o.from,
        until: o.until,
        name: o.name,
        terms: offerTerms(o),
      })),
    coupons: Object.entries(state.coupons ?? {})
      .filter(([, c]) => c.usedAt === null && c.validTo >= today)
      .map(([code, c]) => ({ code, rewardId: c.rewardId, value: c.value, validFrom: c.validFrom, validTo: c.validTo })),
    today,
  };
}
