/**
 * Preference changes made at this till (issue 15 item 6, migration 011). Kept until head office
 * has them (uploaded with the member's record, main/sync/batch.ts), and after, as this till's
 * record of what its staff keyed. Interests are encrypted with the till's field key.
 */
import type { PreferenceChangeItem } from '../../core/sync/protocol.js';
import type { FieldCipher } from './crypto.js';
import type { Db } from './open.js';

interface Row {
  change_id: string;
  member_no: string;
  at: string;
  staff_id: string;
  consent_marketing: number | null;
  preferred_channel: PreferenceChangeItem['preferredChannel'] | null;
  interests_enc: Buffer | null;
  outbox_id: number;
}

function toItem(cipher: FieldCipher, r: Row): PreferenceChangeItem {
  return {
    changeId: r.change_id,
    at: r.at,
    staffId: r.staff_id,
    ...(r.consent_marketing === null ? {} : { consentMarketing: r.consent_marketing === 1 }),
    ...(r.preferred_channel === null ? {} : { preferredChannel: r.preferred_channel }),
    ...(r.interests_enc === null
      ? {}
      : { interests: JSON.parse(cipher.decrypt(r.interests_enc)) as NonNullable<PreferenceChangeItem['interests']> }),
  };
}

/** Call inside the transaction that queued the member in the outbox (`outboxId`: that row). */
export function insertPreferenceChange(
  db: Db,
  cipher: FieldCipher,
  memberNo: string,
  c: PreferenceChangeItem,
  outboxId: number,
): void {
  db.prepare(
    `INSERT INTO preference_changes (change_id, member_no, at, staff_id, consent_marketing, preferred_channel,
       interests_enc, outbox_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    c.changeId,
    memberNo,
    c.at,
    c.staffId,
    c.consentMarketing === undefined ? null : c.consentMarketing ? 1 : 0,
    c.preferredChannel ?? null,
    c.interests === undefined ? null : cipher.encrypt(JSON.stringify(c.interests)),
    outboxId,
  );
}

/**
 * The member's changes queued after outbox row `afterOutboxId` (head office has not confirmed
 * them) up to `throughOutboxId` (the batch's last row), oldest first.
 */
export function pendingPreferenceChanges(
  db: Db,
  cipher: FieldCipher,
  memberNo: string,
  afterOutboxId: number,
  throughOutboxId = Number.MAX_SAFE_INTEGER,
): PreferenceChangeItem[] {
  const rows = db
    .prepare(
      `SELECT * FROM preference_changes WHERE member_no = ? AND outbox_id > ? AND outbox_id <= ?
       ORDER BY at, change_id`,
    )
    .all(memberNo, afterOutboxId, throughOutboxId) as Row[];
  return rows.map((r) => toItem(cipher, r));
}

/**
 * The outbox row at which some member's preference changes after `afterOutboxId` would pass
 * `max` (the protocol's limit per member record), or null: a batch ends before it, and the rest
 * go in the next one.
 */
export function preferenceChangesCut(
  db: Db,
  afterOutboxId: number,
  throughOutboxId: number,
  max: number,
): number | null {
  const rows = db
    .prepare(
      `SELECT member_no, outbox_id FROM preference_changes WHERE outbox_id > ? AND outbox_id <= ?
       ORDER BY outbox_id`,
    )
    .all(afterOutboxId, throughOutboxId) as { member_no: string; outbox_id: number }[];
  const counts = new Map<string, number>();
  for (const r of rows) {
    const n = (counts.get(r.member_no) ?? 0) + 1;
    if (n > max) return r.outbox_id;
    counts.set(r.member_no, n);
  }
  return null;
}

/** Every change this till recorded for the member, newest first (the cashier screen's list). */
export function preferenceChangesOf(db: Db, cipher: FieldCipher, memberNo: string, limit = 20): PreferenceChangeItem[] {
  const rows = db
    .prepare('SELECT * FROM preference_changes WHERE member_no = ? ORDER BY at DESC, change_id DESC LIMIT ?')
    .all(memberNo, limit) as Row[];
  return rows.map((r) => toItem(cipher, r));
}

/** Erasure (DOMAIN.md 10): nothing of the member's choices stays here; head office keeps the record. */
export function erasePreferenceChanges(db: Db, memberNo: string): void {
  db.prepare('DELETE FROM preference_changes WHERE member_no = ?').run(memberNo);
}
