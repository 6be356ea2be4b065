/**
 * Member preferences at head office (issue 15 item 6, docs/member-page.md "Preferences"):
 * marketing consent, channel and interests, changed at a till (uploaded in the member's record,
 * MemberUpsert.preferenceChanges) or on the member's page. Every change is kept in
 * `member_preference_changes` with when and where it was made; the member's columns hold the
 * fold of that history (core/preferences.ts: last change wins, field by field), and each change
 * that moves them emits a member change, so every till gets the result through the feed.
 *
 * Decisions:
 * - A till's change counts as made at min(the till's time, head office's receipt time)
 *   (effectiveAt); the page's at head office's clock.
 * - A change is recorded once per change id: a resent batch is a no-op.
 * - An erased member takes no change; erasure empties the history's interests (personal) and
 *   keeps when consent and channel changed and where (what the member agreed to, and when
 *   they withdrew it, is the programme's evidence under PIPL).
 * - Any till may record a change for any member it knows, attributed to the signed-in staff
 *   member: the member is in front of the cashier, and a withdrawal must never be lost for
 *   want of the right store.
 */
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../core/ledger/hash.js';
import {
  effectiveAt,
  foldPreferences,
  prepareChange,
  type PreferenceError,
  type MemberChannel,
  type PreferenceChange,
  type PreferenceOrigin,
  type Preferences,
} from '../../core/preferences.js';
import type { PreferenceChangeItem } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { appendChange } from './changes.js';
import { readMemberFeed } from './members.js';
import { openInterests } from './member-fields.js';
import { all, get, run, type Sql } from '../../storage/sql.js';

interface ChangeRow {
  change_id: string;
  origin: 'till' | 'page';
  till_id: string | null;
  staff_id: string | null;
  at: string;
  stated_at: string;
  received_at: string;
  consent_marketing: number | string | null;
  preferred_channel: MemberChannel | null;
  interests_enc: Buffer | null;
}

/** One change as the member's page and the export show it. */
export interface PreferenceHistoryItem {
  changeId: string;
  at: string;
  /** where: 'page' (the member's own page) or 'till' with the till and staff ids */
  origin: 'till' | 'page';
  tillId: string | null;
  staffId: string | null;
  receivedAt: string;
  consentMarketing?: boolean;
  preferredChannel?: MemberChannel;
  interests?: string[];
}

export interface MemberPreferences {
  current: Preferences;
  history: PreferenceHistoryItem[];
}

export type PreferenceOutcome = 'applied' | 'duplicate' | 'unknown' | 'erased';

function toChange(cipher: HqCipher, r: ChangeRow): PreferenceChange {
  const origin: PreferenceOrigin =
    r.origin === 'till' ? { kind: 'till', tillId: r.till_id ?? '', staffId: r.staff_id ?? '' } : { kind: 'page' };
  return {
    changeId: r.change_id,
    at: r.at,
    origin,
    set: {
      ...(r.consent_marketing === null ? {} : { consentMarketing: Number(r.consent_marketing) === 1 }),
      ...(r.preferred_channel === null ? {} : { preferredChannel: r.preferred_channel }),
      ...(r.interests_enc === null ? {} : { interests: JSON.parse(cipher.decrypt(r.interests_enc)) as string[] }),
    },
  };
}

function* historyRows(memberNo: string): Sql<ChangeRow[]> {
  return (yield* all(
    `SELECT change_id, origin, till_id, staff_id, at, stated_at, received_at, consent_marketing, preferred_channel,
       interests_enc FROM member_preference_changes WHERE member_no = ? ORDER BY at, change_id`,
    memberNo,
  )) as ChangeRow[];
}

interface HeldPrefs {
  preferred_channel: MemberChannel;
  /** '[]' but in a row not sealed yet (member-fields.ts) */
  interests: string;
  interests_enc: Buffer | null;
  consent_marketing: number | string;
  erased_at: string | null;
}

function* heldPrefs(memberNo: string): Sql<HeldPrefs | undefined> {
  return (yield* get(
    'SELECT preferred_channel, interests, interests_enc, consent_marketing, erased_at FROM members WHERE member_no = ?',
    memberNo,
  )) as HeldPrefs | undefined;
}

function prefsOf(cipher: HqCipher, h: HeldPrefs): Preferences {
  return {
    consentMarketing: Number(h.consent_marketing) === 1,
    preferredChannel: h.preferred_channel,
    interests: openInterests(cipher, h),
  };
}

/**
 * Records one change and, when it is new, folds the member's history into the member's columns.
 * The member's fields_mac is recomputed, so a till's later upload of the same record (with the
 * preferences head office now holds) stays a no-op.
 */
export function* recordPreferenceChange(
  cipher: HqCipher,
  memberNo: string,
  change: { changeId: string; statedAt: string; origin: PreferenceOrigin; set: Partial<Preferences> },
  now: Date,
): Sql<PreferenceOutcome> {
  const held = yield* heldPrefs(memberNo);
  if (!held) return 'unknown';
  if (held.erased_at) return 'erased';
  const receivedAt = now.toISOString();
  const at = change.origin.kind === 'page' ? receivedAt : effectiveAt(change.statedAt, receivedAt);
  const o = change.origin;
  const ins = yield* run(
    `INSERT INTO member_preference_changes (member_no, change_id, origin, till_id, staff_id, at, stated_at, received_at,
       consent_marketing, preferred_channel, interests_enc)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    memberNo,
    change.changeId,
    o.kind,
    o.kind === 'till' ? o.tillId : null,
    o.kind === 'till' ? o.staffId : null,
    at,
    new Date(change.statedAt).toISOString(),
    receivedAt,
    change.set.consentMarketing === undefined ? null : change.set.consentMarketing ? 1 : 0,
    change.set.preferredChannel ?? null,
    change.set.interests === undefined ? null : cipher.encrypt(JSON.stringify(change.set.interests)),
  );
  if (ins.changes === 0) return 'duplicate';
  const before = prefsOf(cipher, held);
  const after = foldPreferences(
    before,
    (yield* historyRows(memberNo)).map((r) => toChange(cipher, r)),
  );
  if (canonicalJson(after) === canonicalJson(before)) return 'applied';
  yield* run(
    // Interests sealed (member-fields.ts); the plain column of an older row cleared.
    `UPDATE members SET consent_marketing = ?, preferred_channel = ?, interests = '[]', interests_enc = ?, updated_at = ?
     WHERE member_no = ? AND erased_at IS NULL`,
    after.consentMarketing ? 1 : 0,
    after.preferredChannel,
    cipher.encrypt(JSON.stringify(after.interests)),
    receivedAt,
    memberNo,
  );
  const record = yield* readMemberFeed(cipher, memberNo);
  if (record && 'feed' in record) {
    const { updatedAt: _u, ...fields } = record.feed;
    yield* run(
      'UPDATE members SET fields_mac = ? WHERE member_no = ?',
      cipher.mac('member', canonicalJson(fields)),
      memberNo,
    );
  }
  // The member record in the feed now carries the new preferences to every till.
  yield* appendChange('member', memberNo, { memberNo }, now);
  if (!after.consentMarketing || after.preferredChannel === 'none') {
    // Nothing queued goes out any more (the sender checks again at send time too).
    yield* run(
      `UPDATE outbox SET status = 'failed', result = 'withdrawn: member withdrew consent or chose no channel',
         sent_at = ? WHERE member_no = ? AND status = 'queued' AND marketing = 1`,
      receivedAt,
      memberNo,
    );
  }
  return 'applied';
}

/** A till's changes uploaded with the member's record; returns how many were new. */
export function* recordTillPreferenceChanges(
  cipher: HqCipher,
  tillId: string,
  memberNo: string,
  changes: readonly PreferenceChangeItem[],
  now: Date,
): Sql<number> {
  let n = 0;
  for (const c of changes) {
    const { changeId, at, staffId, ...set } = c;
    const out = yield* recordPreferenceChange(
      cipher,
      memberNo,
      { changeId, statedAt: at, origin: { kind: 'till', tillId, staffId }, set },
      now,
    );
    if (out === 'applied') n += 1;
  }
  return n;
}

/** The member's current preferences and every change, oldest first; null for no record or an erased one. */
export function* memberPreferences(cipher: HqCipher, memberNo: string): Sql<MemberPreferences | null> {
  const held = yield* heldPrefs(memberNo);
  if (!held || held.erased_at) return null;
  return { current: prefsOf(cipher, held), history: yield* preferenceHistory(cipher, memberNo) };
}

/** Every change of the member's preferences, oldest first (also after erasure: interests gone). */
export function* preferenceHistory(cipher: HqCipher, memberNo: string): Sql<PreferenceHistoryItem[]> {
  return (yield* historyRows(memberNo)).map((r) => {
    const c = toChange(cipher, r);
    return {
      changeId: r.change_id,
      at: r.at,
      origin: r.origin,
      tillId: r.till_id,
      staffId: r.staff_id,
      receivedAt: r.received_at,
      ...c.set,
    };
  });
}

/** Erasure (privacy.ts): the history's interests go; when and where consent changed stays. */
export function* erasePreferenceInterests(memberNo: string): Sql<void> {
  yield* run('UPDATE member_preference_changes SET interests_enc = NULL WHERE member_no = ?', memberNo);
}

export type PagePreferenceOutcome =
  | { kind: 'changed'; preferences: MemberPreferences }
  | { kind: 'refused'; error: PreferenceError }
  | { kind: 'unknown' };

/** A change the signed-in member made on their page: fields already so are dropped, nothing-changes refused. */
export function* changePreferencesFromPage(
  cipher: HqCipher,
  memberNo: string,
  requested: Partial<Preferences>,
  now: Date,
): Sql<PagePreferenceOutcome> {
  const held = yield* memberPreferences(cipher, memberNo);
  if (!held) return { kind: 'unknown' };
  const prepared = prepareChange(held.current, requested);
  if (!prepared.ok) return { kind: 'refused', error: prepared.error };
  const out = yield* recordPreferenceChange(
    cipher,
    memberNo,
    { changeId: randomUUID(), statedAt: now.toISOString(), origin: { kind: 'page' }, set: prepared.set },
    now,
  );
  if (out !== 'applied') return { kind: 'unknown' };
  const after = yield* memberPreferences(cipher, memberNo);
  return after ? { kind: 'changed', preferences: after } : { kind: 'unknown' };
}
