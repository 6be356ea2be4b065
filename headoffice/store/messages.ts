/**
 * The outbox (issue 15 item 3, docs/member-page.md): a message is queued only when the policy
 * (domain/messages.ts) lets it through; the server then hands it to the channel and records
 * the result here.
 */
import { randomUUID } from 'node:crypto';
import type { HqCipher } from '../crypto.js';
import {
  MARKETING_CAP_DAYS,
  QUIET_UNTIL_HOUR,
  inQuietHours,
  isMarketing,
  judgeMessage,
  localHour,
  type MessagePurpose,
  type MessageRefusal,
} from '../domain/messages.js';
import type { SendResult } from '../messages/channel.js';
import { marketingChannel, type DeliveryChannel, type MemberChannel } from '../../core/preferences.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { RuleSetCache } from './rulesets.js';

export interface MessageRequest {
  memberNo: string;
  purpose: MessagePurpose;
  text: string;
}

export type QueueOutcome =
  { kind: 'queued'; messageId: string; to: string; text: string } | { kind: 'refused'; reason: MessageRefusal };

/** Writes the outbox row of a message the policy allowed; `to` is the member's phone, for the channel. */
export function* insertOutbox(req: MessageRequest, now: Date): Sql<string> {
  const messageId = randomUUID();
  yield* run(
    `INSERT INTO outbox (member_no, message_id, purpose, marketing, body, status, queued_at)
     VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
    req.memberNo,
    messageId,
    req.purpose,
    isMarketing(req.purpose) ? 1 : 0,
    req.text,
    now.toISOString(),
  );
  return messageId;
}

export function* queueMessage(
  cipher: HqCipher,
  rules: RuleSetCache,
  req: MessageRequest,
  now: Date,
): Sql<QueueOutcome> {
  const m = (yield* get(
    `SELECT phone_enc, consent_marketing, preferred_channel FROM members
      WHERE member_no = ? AND erased_at IS NULL AND status = 'active'`,
    req.memberNo,
  )) as { phone_enc: Buffer; consent_marketing: number; preferred_channel: MemberChannel } | undefined;
  if (!m) return { kind: 'refused', reason: 'member_unknown' };
  const rs = yield* rules.latest();
  const since = new Date(now.getTime() - MARKETING_CAP_DAYS * 86_400_000).toISOString();
  const recent = (yield* get(
    'SELECT COUNT(*) AS n FROM outbox WHERE member_no = ? AND marketing = 1 AND queued_at > ?',
    req.memberNo,
    since,
  )) as { n: number | string };
  const verdict = judgeMessage({
    purpose: req.purpose,
    consentMarketing: m.consent_marketing === 1,
    preferredChannel: m.preferred_channel,
    localHour: localHour(now, rs.timeZone),
    marketingRecent: Number(recent.n),
  });
  if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
  const messageId = yield* insertOutbox(req, now);
  return { kind: 'queued', messageId, to: cipher.decrypt(m.phone_enc), text: req.text };
}

export function* markMessage(
  memberNo: string,
  messageId: string,
  channel: string,
  result: SendResult,
  now: Date,
): Sql<void> {
  yield* run(
    'UPDATE outbox SET status = ?, channel = ?, result = ?, sent_at = ? WHERE member_no = ? AND message_id = ?',
    result.ok ? 'sent' : 'failed',
    channel,
    result.ok ? result.providerId : `${result.code}: ${result.message}`.slice(0, 500),
    now.toISOString(),
    memberNo,
    messageId,
  );
}

// ---------------------------------------------------------------------------------------------
// Messages queued by what happens, and the sender (docs/member-page.md "Messages").
//
// DECISIONS:
// - Offers, expiring points and tiers are queued inside the very write transaction that decides
//   them (appendDecisions, the end-of-day run), so a message exists exactly when its decision does.
// - A marketing message decided in quiet hours is held, not dropped: it is queued with send_after
//   at the next 08:00 on the programme's wall clock (it counts towards the cap from its queueing).
//   Consent and the cap are judged at queueing; consent, erasure and quiet hours again at sending.
// - The sender claims a row with a conditional UPDATE (status 'queued', send_after passed) inside a
//   write transaction (the writer lock), moving send_after by a lease: two head-office processes
//   never both claim a row; a process that dies mid-send leaves it to be sent again after the lease
//   (at least once, never twice while processes live).
// - `unavailable` is retried with backoff (SEND_BACKOFF_MS doubling) up to SEND_MAX_ATTEMPTS, then
//   failed; `rejected` fails at once. Sign-in codes are sent by their request, not by the sender.
// ---------------------------------------------------------------------------------------------

export const SEND_LEASE_MS = 5 * 60_000;
export const SEND_BACKOFF_MS = 30_000;
export const SEND_MAX_ATTEMPTS = 6;

/** The next 08:00 (QUIET_UNTIL_HOUR) on `timeZone`'s wall clock after `now`, as an instant. */
export function nextQuietEnd(now: Date, timeZone: string): Date {
  // Walk forward by the hour to the first instant whose local hour is 08 (DST-proof, at most 24 steps).
  const t = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  for (let i = 0; i < 26; i += 1) {
    t.setTime(t.getTime() + 3_600_000);
    if (localHour(t, timeZone) === QUIET_UNTIL_HOUR) {
      // Zones with a half-hour offset: back to the local hour's start.
      const m = Number(new Intl.DateTimeFormat('en-GB', { timeZone, minute: '2-digit' }).format(t));
      return new Date(t.getTime() - m * 60_000);
    }
  }
  return new Date(now.getTime() + 10 * 3_600_000);
}

export type MarketingOutcome =
  | { kind: 'queued'; messageId: string; sendAfter: string | null }
  | { kind: 'duplicate' }
  | { kind: 'refused'; reason: Exclude<MessageRefusal, 'quiet_hours'> };

/**
 * A marketing message decided by head office (offer, expiring, tier): refused without consent or
 * over the cap, held to 08:00 in quiet hours. `dedupe`: at most one message per member and key.
 */
export function* queueMarketing(
  req: MessageRequest & { dedupe?: string },
  now: Date,
  timeZone: string,
): Sql<MarketingOutcome> {
  const m = (yield* get(
    "SELECT consent_marketing, preferred_channel FROM members WHERE member_no = ? AND erased_at IS NULL AND status = 'active'",
    req.memberNo,
  )) as { consent_marketing: number; preferred_channel: MemberChannel } | undefined;
  if (!m) return { kind: 'refused', reason: 'member_unknown' };
  if (req.dedupe !== undefined) {
    const dup = yield* get('SELECT 1 AS x FROM outbox WHERE member_no = ? AND dedupe = ?', req.memberNo, req.dedupe);
    if (dup) return { kind: 'duplicate' };
  }
  const since = new Date(now.getTime() - MARKETING_CAP_DAYS * 86_400_000).toISOString();
  const recent = (yield* get(
    'SELECT COUNT(*) AS n FROM outbox WHERE member_no = ? AND marketing = 1 AND queued_at > ?',
    req.memberNo,
    since,
  )) as { n: number | string };
  const hour = localHour(now, timeZone);
  // Judged as at noon: quiet hours hold the message rather than refuse it.
  const verdict = judgeMessage({
    purpose: req.purpose,
    consentMarketing: m.consent_marketing === 1,
    preferredChannel: m.preferred_channel,
    localHour: 12,
    marketingRecent: Number(recent.n),
  });
  if (!verdict.ok) return { kind: 'refused', reason: verdict.reason as Exclude<MessageRefusal, 'quiet_hours'> };
  const sendAfter = inQuietHours(hour) ? nextQuietEnd(now, timeZone).toISOString() : null;
  const messageId = randomUUID();
  yield* run(
    `INSERT INTO outbox (member_no, message_id, purpose, marketing, body, status, queued_at, send_after, dedupe)
     VALUES (?, ?, ?, 1, ?, 'queued', ?, ?, ?)`,
    req.memberNo,
    messageId,
    req.purpose,
    req.text,
    now.toISOString(),
    sendAfter,
    req.dedupe ?? null,
  );
  return { kind: 'queued', messageId, sendAfter };
}

export interface ClaimedMessage {
  memberNo: string;
  messageId: string;
  to: string;
  text: string;
  attempts: number;
  /** the member's preferred channel when claimed: the channel adapter delivers by it */
  via: DeliveryChannel;
}

interface DueRow {
  member_no: string;
  message_id: string;
  body: string;
  attempts: number | string;
  phone_enc: Buffer | null;
  consent_marketing: number | null;
  preferred_channel: MemberChannel | null;
  status: string | null;
  erased_at: string | null;
}

/**
 * Claims up to `limit` due marketing messages for this process to send (see DECISIONS above).
 * Rows whose member is gone or withdrew consent fail here; rows due in quiet hours move to 08:00.
 */
export function* claimOutbox(cipher: HqCipher, timeZone: string, now: Date, limit: number): Sql<ClaimedMessage[]> {
  const at = now.toISOString();
  const rows = (yield* all(
    `SELECT o.member_no, o.message_id, o.body, o.attempts, m.phone_enc, m.consent_marketing, m.preferred_channel,
       m.status, m.erased_at
       FROM outbox o LEFT JOIN members m ON m.member_no = o.member_no
      WHERE o.status = 'queued' AND o.marketing = 1 AND (o.send_after IS NULL OR o.send_after <= ?)
      ORDER BY o.queued_at, o.message_id LIMIT ?`,
    at,
    limit,
  )) as DueRow[];
  const quiet = inQuietHours(localHour(now, timeZone));
  const out: ClaimedMessage[] = [];
  const due = "status = 'queued' AND (send_after IS NULL OR send_after <= ?) AND member_no = ? AND message_id = ?";
  for (const r of rows) {
    // The member's consent and channel as they are NOW (a change made since queueing counts).
    const via = marketingChannel({
      consentMarketing: Number(r.consent_marketing) === 1,
      preferredChannel: r.preferred_channel ?? 'none',
    });
    if (r.phone_enc === null || r.status !== 'active' || r.erased_at !== null || via === null) {
      yield* run(
        `UPDATE outbox SET status = 'failed', result = 'withdrawn: member erased, blocked, without consent or without a channel', sent_at = ? WHERE ${due}`,
        at,
        at,
        r.member_no,
        r.message_id,
      );
      continue;
    }
    if (quiet) {
      yield* run(
        `UPDATE outbox SET send_after = ? WHERE ${due}`,
        nextQuietEnd(now, timeZone).toISOString(),
        at,
        r.member_no,
        r.message_id,
      );
      continue;
    }
    const claimed = yield* run(
      `UPDATE outbox SET send_after = ?, attempts = attempts + 1 WHERE ${due}`,
      new Date(now.getTime() + SEND_LEASE_MS).toISOString(),
      at,
      r.member_no,
      r.message_id,
    );
    if (claimed.changes !== 1) continue;
    out.push({
      memberNo: r.member_no,
      messageId: r.message_id,
      to: cipher.decrypt(r.phone_enc),
      text: r.body,
      attempts: Number(r.attempts) + 1,
      via,
    });
  }
  return out;
}

/** What the channel answered for a claimed message: sent, retried later (unavailable), or failed. */
export function* settleMessage(msg: ClaimedMessage, channel: string, result: SendResult, now: Date): Sql<void> {
  const retry = !result.ok && result.code === 'unavailable' && msg.attempts < SEND_MAX_ATTEMPTS;
  const detail = result.ok ? result.providerId : `${result.code}: ${result.message}`.slice(0, 500);
  if (retry) {
    const backoff = SEND_BACKOFF_MS * 2 ** (msg.attempts - 1);
    yield* run(
      "UPDATE outbox SET channel = ?, result = ?, send_after = ? WHERE member_no = ? AND message_id = ? AND status = 'queued'",
      channel,
      detail,
      new Date(now.getTime() + backoff).toISOString(),
      msg.memberNo,
      msg.messageId,
    );
    return;
  }
  yield* run(
    "UPDATE outbox SET status = ?, channel = ?, result = ?, sent_at = ? WHERE member_no = ? AND message_id = ? AND status = 'queued'",
    result.ok ? 'sent' : 'failed',
    channel,
    detail,
    now.toISOString(),
    msg.memberNo,
    msg.messageId,
  );
}
