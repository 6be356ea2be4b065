/**
 * Applies head office's change feed to the till, in one transaction per page, and advances
 * the cursor in the same transaction so a crash never skips or half-applies a page.
 * A page arrives with members' personal fields sealed to this till (core/sync/personal.ts):
 * openPage opens every member record first; one that does not open (PersonalDataError) is
 * logged and fails the whole page, so nothing of it is applied and the cursor stays: the page
 * is asked for again on the next cycle, and nothing committed is lost.
 */
import { PersonalDataError, openChange } from '../../core/sync/personal.js';
import {
  isWithheld,
  type Change,
  type ChangesResponse,
  type MemberFeed,
  type SealedChange,
} from '../../core/sync/protocol.js';
import { eraseAdjustmentNotesOf } from '../db/adjustment-notes.js';
import { eraseFeedbackOf } from '../db/feedback.js';
import { erasePreferenceChanges } from '../db/preferences.js';
import { applyHqPreferences } from '../service/preferences.js';
import type { TillContext } from '../service/context.js';
import { deleteMeta, getMeta, setMeta } from '../service/identity.js';

/**
 * Head office's record of a member, inside the caller's transaction: inserted when the till
 * does not hold the member; otherwise the till's copy is refreshed when the record carries the
 * real name and phone (a placeholder row, or older data, becomes the member's data; an erased
 * member stays erased). A record with the placeholder never overwrites real data.
 */
export function storeHqMember(
  ctx: TillContext,
  m: MemberFeed,
  now: string,
): 'inserted' | 'refreshed' | 'unchanged' | 'erased' | 'phone_clash' {
  const record = {
    memberNo: m.memberNo,
    name: m.name,
    phone: m.phone,
    birthday: m.birthday,
    gender: m.gender,
    ageBand: m.ageBand ?? null,
    preferredChannel: m.preferredChannel,
    interests: m.interests,
    consentMarketing: m.consentMarketing,
    consentText: m.consentText,
    consentAt: m.consentAt,
    referrerMemberNo: m.referrerMemberNo ?? null,
    enrolledStore: m.enrolledStore,
    enrolledTill: m.enrolledTill,
    enrolledBy: m.enrolledBy,
  };
  if (!ctx.members.get(m.memberNo)) {
    if (ctx.members.phoneTaken(m.phone)) return 'phone_clash';
    ctx.members.insert(record);
    return 'inserted';
  }
  if (isWithheld(m)) return 'unchanged';
  const r = ctx.members.refresh(record, now);
  return r === 'unknown' ? 'unchanged' : r;
}

/** The page's changes with personal fields opened; throws PersonalDataError (logged) and opens nothing else. */
export function openPage(ctx: TillContext, key: Buffer, changes: readonly SealedChange[]): Change[] {
  try {
    return changes.map((c) => openChange(key, c));
  } catch (e) {
    if (e instanceof PersonalDataError) {
      ctx.log.log('error', 'feed_personal_unreadable', { memberNo: e.memberNo });
    }
    throw e;
  }
}

/**
 * What a feed page does to a card this till holds. `keep`: the till's card already has that
 * status, and who changed it here and when stay with it (head office holds it as that person's
 * change; the upload after a head-office restore sends it again so). `wait`: staff changed it
 * here in a change head office has not taken yet (after `hq_ack_outbox`, also once a restored
 * head office lowered it): the upload carries it, and head office's answer comes in a later page.
 */
function cardVerdict(ctx: TillContext, c: Extract<Change, { type: 'card' }>): 'apply' | 'keep' | 'wait' {
  const local = ctx.members.cardChangesOf(c.memberNo).find((x) => x.code === c.code);
  if (!local) return 'apply';
  if (local.status === c.status) return 'keep';
  if (local.changedBy === null || local.changedAt === null) return 'apply';
  const acked = Number(getMeta(ctx.db, 'hq_ack_outbox') ?? '0');
  return ctx.outbox.cardChangePendingAfter(acked, c.memberNo, local.changedAt) ? 'wait' : 'apply';
}

export function applyChanges(
  ctx: TillContext,
  changes: readonly Change[],
  page: number | Pick<ChangesResponse, 'cursor' | 'cursorAt' | 'rewound'>,
): { applied: number } {
  const now = ctx.now().toISOString();
  const end = typeof page === 'number' ? { cursor: page } : page;
  let erased = 0;
  const out = ctx.db
    .transaction(() => {
      if (end.rewound) rewindHqStates(ctx, end.rewound.to);
      let applied = 0;
      for (const c of changes) {
        switch (c.type) {
          case 'member': {
            const m = c.member;
            const stored = storeHqMember(ctx, m, now);
            // A member enrolled at another till: the phone must be unique here too.
            if (stored === 'phone_clash') {
              ctx.log.log('warn', 'feed_member_phone_clash', { memberNo: m.memberNo });
              if (!ctx.members.get(m.memberNo)) break;
            }
            if (stored === 'inserted' || stored === 'refreshed') applied++;
            // Also for a record with the name withheld: every till holds the member's choices.
            applyHqPreferences(
              ctx,
              m.memberNo,
              { consentMarketing: m.consentMarketing, preferredChannel: m.preferredChannel, interests: m.interests },
              now,
            );
            ctx.members.setStatus(m.memberNo, m.status, now);
            if (c.state) ctx.hqState.setClass(m.memberNo, c.state.class);
            break;
          }
          case 'card':
            // A change staff made here that head office has not taken yet wins over head office's
            // older word (cardVerdict): otherwise a block made while a page was on its way was
            // undone here, and the next upload sent the card as active without a staff id. And
            // head office's echo of the till's own change keeps its staff id: after a restore of
            // head office from a backup the till sends the change again, which needs it.
            if (ctx.members.get(c.memberNo) && cardVerdict(ctx, c) === 'apply') {
              ctx.members.upsertCard(c.code, c.kind, c.memberNo, c.status, now);
              applied++;
            }
            break;
          case 'balance':
            ctx.hqState.put({
              memberNo: c.memberNo,
              balance: c.balance,
              available: c.available,
              tier: c.tier,
              class: null,
              confirmedAt: c.confirmedAt,
              includedSeq: c.includes[ctx.identity.tillId] ?? 0,
              state: c.state ?? null,
              cursor: c.cursor,
            });
            // Coupons are known chain-wide (DOMAIN.md 12): index every coupon of the member by code.
            for (const [code, k] of Object.entries(c.state?.coupons ?? {})) ctx.coupons.known(code, c.memberNo, k);
            applied++;
            break;
          case 'ruleset':
            ctx.rules.put(c.ruleSet, now);
            applied++;
            break;
          case 'erasure':
            // Adjustment reasons may name the member: they go even where the member row is not held.
            eraseAdjustmentNotesOf(ctx.db, c.memberNo);
            if (ctx.members.erase(c.memberNo, c.erasedAt, now)) {
              eraseFeedbackOf(ctx.db, ctx.cipher, c.memberNo);
              erasePreferenceChanges(ctx.db, c.memberNo);
              ctx.log.log('info', 'member_erased', { memberNo: c.memberNo });
              applied++;
              erased++;
            }
            break;
          default: {
            const never: never = c;
            throw new Error(`unknown change ${JSON.stringify(never)}`);
          }
        }
      }
      setMeta(ctx.db, 'hq_change_cursor', String(end.cursor));
      if (end.cursorAt === undefined) deleteMeta(ctx.db, 'hq_change_cursor_at');
      else setMeta(ctx.db, 'hq_change_cursor_at', end.cursorAt);
      return { applied };
    })
    .immediate();
  // The erased fields' old pages stay in the WAL's frames until a checkpoint writes them back
  // (secure_delete zeroes them in the database file, not there): truncating the WAL leaves no
  // readable copy. Best effort: a reader on an older snapshot keeps the WAL until it ends.
  if (erased > 0) ctx.db.pragma('wal_checkpoint(TRUNCATE)');
  return out;
}

/**
 * Head office was restored from a backup and reads the feed to this till again from `to`
 * (headoffice/store/feed-timeline.ts). What the lost changes after it told this till stays
 * until head office says otherwise, but may no longer stand in the way: a member's confirmed
 * state keeps a change only when its cursor is not older, and the restored head office numbers
 * its new changes from `to` on again.
 */
function rewindHqStates(ctx: TillContext, to: number): void {
  const moved = ctx.db.prepare('UPDATE hq_member_state SET cursor = ? WHERE cursor > ?').run(to, to).changes;
  ctx.log.log('warn', 'feed_rewound', { to, memberStates: moved });
}
