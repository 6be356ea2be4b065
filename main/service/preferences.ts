/**
 * A member's preferences changed at the till (issue 15 item 6; docs/pos-api.md "Preferences"):
 * marketing consent, channel and interests, keyed by signed-in staff with the member present.
 *
 * The till's view (DOMAIN.md 12): head office's last word on the member plus this till's
 * changes head office has not confirmed yet (feed.ts applies them again over the feed's
 * record). The change is recorded with its time and staff id and queued in the outbox as the
 * member's record; head office folds every place's changes by last change wins per field.
 */
import { randomUUID } from 'node:crypto';
import { foldPreferences, prepareChange, type PreferenceChange, type Preferences } from '../../core/preferences.js';
import type { PreferenceChangeItem } from '../../core/sync/protocol.js';
import { getMeta } from './identity.js';
import { insertPreferenceChange, pendingPreferenceChanges, preferenceChangesOf } from '../db/preferences.js';
import type { MemberRecord } from '../db/members.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';

export interface TillPreferences {
  memberNo: string;
  current: Preferences;
  /** this till's changes for the member, newest first */
  /** confirmed: head office has it; null on a till without head office */
  changes: (PreferenceChangeItem & { confirmed: boolean | null })[];
}

function currentOf(m: MemberRecord): Preferences {
  return { consentMarketing: m.consentMarketing, preferredChannel: m.preferredChannel, interests: m.interests };
}

function heldMember(ctx: TillContext, memberNo: string): MemberRecord {
  const m = ctx.members.get(memberNo);
  // An erased member is not a member any more: nothing to prefer.
  if (!m || m.erasedAt) throw new TillError('unknown_member', 'no such member', 'memberNo');
  return m;
}

function ackedOutbox(ctx: TillContext): number {
  return Number(getMeta(ctx.db, 'hq_ack_outbox') ?? '0');
}

export function readPreferences(ctx: TillContext, memberNo: string): TillPreferences {
  const m = heldMember(ctx, memberNo);
  const acked = ackedOutbox(ctx);
  const pending = new Set(pendingPreferenceChanges(ctx.db, ctx.cipher, memberNo, acked).map((c) => c.changeId));
  return {
    memberNo,
    current: currentOf(m),
    changes: preferenceChangesOf(ctx.db, ctx.cipher, memberNo).map((c) => ({
      ...c,
      confirmed: ctx.connected ? !pending.has(c.changeId) : null,
    })),
  };
}

export function changePreferences(
  ctx: TillContext,
  memberNo: string,
  requested: Partial<Preferences>,
  staffId: string,
): TillPreferences {
  const now = ctx.now().toISOString();
  ctx.db
    .transaction(() => {
      const m = heldMember(ctx, memberNo);
      const prepared = prepareChange(currentOf(m), requested);
      if (!prepared.ok) {
        const e = prepared.error;
        switch (e.code) {
          case 'nothing_to_change':
            throw new TillError('nothing_to_change', 'these are the preferences already');
          case 'unknown_interest':
            throw new TillError('unknown_interest', `not an interest on the list: ${e.interest}`, 'interests');
          default: {
            const never: never = e;
            throw new Error(`unknown refusal ${JSON.stringify(never)}`);
          }
        }
      }
      const item: PreferenceChangeItem = {
        changeId: randomUUID(),
        at: now,
        staffId,
        ...(prepared.set as Omit<PreferenceChangeItem, 'changeId' | 'at' | 'staffId'>),
      };
      ctx.members.setPreferences(memberNo, { ...currentOf(m), ...prepared.set }, now);
      const outboxId = ctx.outbox.add('member', memberNo, now);
      insertPreferenceChange(ctx.db, ctx.cipher, memberNo, item, outboxId);
    })
    .immediate();
  // Who changed it, not what: the choice is the member's own business.
  ctx.log.log('info', 'member_preferences_changed', { memberNo, staffId });
  return readPreferences(ctx, memberNo);
}

/**
 * Inside the feed's transaction, after head office's record of the member was stored: head
 * office's preferences, then this till's changes it has not confirmed yet on top (they are in
 * an upload head office has not answered, or not sent yet).
 */
export function applyHqPreferences(ctx: TillContext, memberNo: string, hq: Preferences, now: string): void {
  const held = ctx.members.preferencesOf(memberNo);
  if (!held) return;
  const mine: PreferenceChange[] = pendingPreferenceChanges(ctx.db, ctx.cipher, memberNo, ackedOutbox(ctx)).map(
    ({ changeId, at, staffId, ...set }) => ({
      changeId,
      at,
      origin: { kind: 'till', tillId: ctx.identity.tillId, staffId },
      set,
    }),
  );
  const next = foldPreferences(hq, mine);
  if (JSON.stringify(next) !== JSON.stringify(held)) ctx.members.setPreferences(memberNo, next, now);
}
