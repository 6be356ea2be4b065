/**
 * Whether a message may go to a member (issue 15 item 3, docs/member-page.md). Pure.
 *
 * DECISIONS:
 * - A one-time sign-in code is transactional: the member asked for it, so it goes without
 *   marketing consent, at any hour, outside the cap.
 * - Offers, expiring points and tier news are marketing: only with the member's marketing
 *   consent (PIPL) and a preferred channel other than 'none' (issue 15 item 6), never in quiet hours (22:00 to 08:00 in the programme's time zone), and at
 *   most MARKETING_CAP messages in MARKETING_CAP_DAYS days per member.
 * - A refused message is not queued: the caller may ask again later (after 08:00, after the cap's
 *   window); nothing is ever sent behind the refusal.
 */
import type { MemberChannel } from '../../core/preferences.js';

export type MessagePurpose = 'otp' | 'offer' | 'expiring' | 'tier';

export const MESSAGE_PURPOSES = ['otp', 'offer', 'expiring', 'tier'] as const;

export const QUIET_FROM_HOUR = 22;
export const QUIET_UNTIL_HOUR = 8;
export const MARKETING_CAP = 2;
export const MARKETING_CAP_DAYS = 7;

export type MessageRefusal = 'no_consent' | 'no_channel' | 'quiet_hours' | 'frequency_cap' | 'member_unknown';

export function isMarketing(purpose: MessagePurpose): boolean {
  return purpose !== 'otp';
}

/** The hour 0..23 on the wall clock of `timeZone` at `now`. */
export function localHour(now: Date, timeZone: string): number {
  const h = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now);
  return Number(h);
}

export function inQuietHours(hour: number): boolean {
  return hour >= QUIET_FROM_HOUR || hour < QUIET_UNTIL_HOUR;
}

export function judgeMessage(args: {
  purpose: MessagePurpose;
  consentMarketing: boolean;
  /** the member's preferred channel (core/preferences.ts); 'none' refuses marketing like no consent */
  preferredChannel?: MemberChannel;
  localHour: number;
  /** marketing messages queued for the member in the last MARKETING_CAP_DAYS days */
  marketingRecent: number;
}): { ok: true } | { ok: false; reason: MessageRefusal } {
  if (!isMarketing(args.purpose)) return { ok: true };
  if (!args.consentMarketing) return { ok: false, reason: 'no_consent' };
  if (args.preferredChannel === 'none') return { ok: false, reason: 'no_channel' };
  if (inQuietHours(args.localHour)) return { ok: false, reason: 'quiet_hours' };
  if (args.marketingRecent >= MARKETING_CAP) return { ok: false, reason: 'frequency_cap' };
  return { ok: true };
}
