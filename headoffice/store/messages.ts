/**
 * The outbox (issue 15 item 3, docs/member-page.md): a message is queued only when the policy
 * (domain/messages.ts) lets it through; the server then hands it to the channel and records
 * the result here.
 */
import { randomUUID } from 'node:crypto';
import type { HqCipher } from '../crypto.js';
import {
  MARKETING_CAP_DAYS,
  isMarketing,
  judgeMessage,
  localHour,
  type MessagePurpose,
  type MessageRefusal,
} from '../domain/messages.js';
import type { SendResult } from '../messages/channel.js';
import { get, run, type Sql } from '../../storage/sql.js';
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
    "SELECT phone_enc, consent_marketing FROM members WHERE member_no = ? AND erased_at IS NULL AND status = 'active'",
    req.memberNo,
  )) as { phone_enc: Buffer; consent_marketing: number } | undefined;
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
