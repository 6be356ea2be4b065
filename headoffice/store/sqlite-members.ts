/**
 * Member records and cards as tills upload them. Personal fields are encrypted at rest.
 *
 * Decisions:
 * - A member upsert identical to what head office holds changes nothing and emits nothing
 *   (fields_mac), so a resent batch is a true no-op.
 * - Otherwise the latest upload wins, unless both sides carry the till's `updatedAt` and the
 *   upload is older.
 * - A card's first holder wins; the same code claimed for another member is a conflict, kept
 *   out and logged. Blocking always applies (fail safe); an unblock applies only when the
 *   till dates it (`changedAt`) after the block head office holds, so a stale upload cannot
 *   reactivate a card reported stolen.
 * - An erased member's record (sqlite-privacy.ts) is never overwritten by an upload.
 */
import { canonicalJson } from '../../core/ledger/hash.js';
import type { MemberFeed, MemberUpsert } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import type { MemberClass } from '../../core/segments.js';
import { appendChange } from './sqlite-changes.js';
import { q, type Db } from './sqlite-db.js';

interface MemberRow {
  member_no: string;
  name_enc: Buffer;
  phone_enc: Buffer;
  birthday_enc: Buffer | null;
  gender: string | null;
  age_band: string | null;
  preferred_channel: 'sms' | 'email' | 'none';
  interests: string;
  consent_marketing: number;
  consent_text: string;
  consent_at: string;
  enrolled_store: string;
  enrolled_till: string;
  enrolled_by: string | null;
  referrer_member_no: string | null;
  status: 'active' | 'blocked';
  class: MemberClass | null;
  fields_mac: Buffer;
  till_updated_at: string | null;
  erased_at: string | null;
}

export interface UpsertResult {
  members: number;
  cards: number;
  conflicts: { code: string; heldBy: string; claimedBy: string }[];
}

function ms(iso: string): number {
  return Date.parse(iso);
}

function upsertMember(db: Db, cipher: HqCipher, tillId: string, m: MemberUpsert, now: Date): boolean {
  const ex = q(db, 'SELECT status, fields_mac, till_updated_at, erased_at FROM members WHERE member_no = ?').get(
    m.memberNo,
  ) as Pick<MemberRow, 'status' | 'fields_mac' | 'till_updated_at' | 'erased_at'> | undefined;
  // Erased: a till that had not heard yet must not bring the personal data back.
  if (ex?.erased_at) return false;
  const { cards: _cards, updatedAt, ...fields } = m;
  const status = m.status ?? ex?.status ?? 'active';
  const mac = cipher.mac('member', canonicalJson({ ...fields, status }));
  if (ex && mac.equals(ex.fields_mac)) return false;
  if (ex && updatedAt && ex.till_updated_at && ms(updatedAt) < ms(ex.till_updated_at)) return false;
  const at = now.toISOString();
  q(
    db,
    `INSERT INTO members (member_no, phone_hash, name_enc, phone_enc, birthday_enc, gender, age_band,
       preferred_channel, interests, consent_marketing, consent_text, consent_at, enrolled_store, enrolled_till,
       enrolled_by, referrer_member_no, status, fields_mac, source_till, till_updated_at, created_at, updated_at)
     VALUES (@memberNo, @phoneHash, @nameEnc, @phoneEnc, @birthdayEnc, @gender, @ageBand, @preferredChannel,
       @interests, @consentMarketing, @consentText, @consentAt, @enrolledStore, @enrolledTill, @enrolledBy,
       @referrerMemberNo, @status, @mac, @tillId, @tillUpdatedAt, @at, @at)
     ON CONFLICT (member_no) DO UPDATE SET phone_hash = excluded.phone_hash, name_enc = excluded.name_enc,
       phone_enc = excluded.phone_enc, birthday_enc = excluded.birthday_enc, gender = excluded.gender,
       age_band = excluded.age_band, preferred_channel = excluded.preferred_channel, interests = excluded.interests,
       consent_marketing = excluded.consent_marketing, consent_text = excluded.consent_text,
       consent_at = excluded.consent_at, enrolled_store = excluded.enrolled_store,
       enrolled_till = excluded.enrolled_till, enrolled_by = excluded.enrolled_by,
       referrer_member_no = excluded.referrer_member_no, status = excluded.status, fields_mac = excluded.fields_mac,
       source_till = excluded.source_till, till_updated_at = excluded.till_updated_at,
       updated_at = excluded.updated_at`,
  ).run({
    memberNo: m.memberNo,
    phoneHash: cipher.mac('phone', m.phone),
    nameEnc: cipher.encrypt(m.name),
    phoneEnc: cipher.encrypt(m.phone),
    birthdayEnc: m.birthday === null ? null : cipher.encrypt(m.birthday),
    gender: m.gender,
    ageBand: m.ageBand ?? null,
    preferredChannel: m.preferredChannel,
    interests: JSON.stringify(m.interests),
    consentMarketing: m.consentMarketing ? 1 : 0,
    consentText: m.consentText,
    consentAt: m.consentAt,
    enrolledStore: m.enrolledStore,
    enrolledTill: m.enrolledTill,
    enrolledBy: m.enrolledBy,
    referrerMemberNo: m.referrerMemberNo ?? null,
    status,
    mac,
    tillId,
    tillUpdatedAt: updatedAt ?? ex?.till_updated_at ?? null,
    at,
  });
  appendChange(db, 'member', m.memberNo, { memberNo: m.memberNo }, now);
  return true;
}

function upsertCards(db: Db, tillId: string, m: MemberUpsert, now: Date, out: UpsertResult): void {
  for (const c of m.cards) {
    const ex = q(db, 'SELECT member_no, status, changed_at FROM cards WHERE code = ?').get(c.code) as
      { member_no: string; status: string; changed_at: string } | undefined;
    const changedAt = new Date(c.changedAt ?? now).toISOString();
    if (!ex) {
      q(db, 'INSERT INTO cards (code, kind, member_no, status, changed_at, source_till) VALUES (?, ?, ?, ?, ?, ?)').run(
        c.code,
        c.kind,
        m.memberNo,
        c.status,
        changedAt,
        tillId,
      );
    } else if (ex.member_no !== m.memberNo) {
      out.conflicts.push({ code: c.code, heldBy: ex.member_no, claimedBy: m.memberNo });
      continue;
    } else if (ex.status === c.status) {
      continue;
    } else if (c.status === 'active' && !(c.changedAt && ms(c.changedAt) > ms(ex.changed_at))) {
      continue;
    } else {
      q(db, 'UPDATE cards SET status = ?, changed_at = ?, source_till = ? WHERE code = ?').run(
        c.status,
        changedAt,
        tillId,
        c.code,
      );
    }
    appendChange(db, 'card', c.code, { code: c.code }, now);
    out.cards += 1;
  }
}

export function upsertMembers(
  db: Db,
  cipher: HqCipher,
  tillId: string,
  members: readonly MemberUpsert[],
  now: Date,
): UpsertResult {
  const out: UpsertResult = { members: 0, cards: 0, conflicts: [] };
  for (const m of members) {
    if (upsertMember(db, cipher, tillId, m, now)) out.members += 1;
    upsertCards(db, tillId, m, now, out);
  }
  return out;
}

/**
 * The member as the feed sends it (clear text, for the till's TLS/loopback channel), null
 * when head office has no record, `erased` once the personal data is gone.
 */
export function readMemberFeed(
  db: Db,
  cipher: HqCipher,
  memberNo: string,
): { feed: MemberFeed; class: MemberClass | null } | { erasedAt: string } | null {
  const r = q(db, 'SELECT * FROM members WHERE member_no = ?').get(memberNo) as MemberRow | undefined;
  if (!r) return null;
  if (r.erased_at) return { erasedAt: r.erased_at };
  const feed: MemberFeed = {
    memberNo: r.member_no,
    name: cipher.decrypt(r.name_enc),
    phone: cipher.decrypt(r.phone_enc),
    birthday: r.birthday_enc ? cipher.decrypt(r.birthday_enc) : null,
    gender: r.gender,
    ageBand: r.age_band,
    preferredChannel: r.preferred_channel,
    interests: JSON.parse(r.interests) as string[],
    consentMarketing: r.consent_marketing === 1,
    consentText: r.consent_text,
    consentAt: r.consent_at,
    enrolledStore: r.enrolled_store,
    enrolledTill: r.enrolled_till,
    enrolledBy: r.enrolled_by,
    referrerMemberNo: r.referrer_member_no,
    status: r.status,
    ...(r.till_updated_at ? { updatedAt: r.till_updated_at } : {}),
  };
  return { feed, class: r.class };
}

/** "MM-DD", null when the member has none, undefined when head office has no member record. */
export function memberBirthday(db: Db, cipher: HqCipher, memberNo: string): string | null | undefined {
  const r = q(db, 'SELECT birthday_enc FROM members WHERE member_no = ?').get(memberNo) as
    { birthday_enc: Buffer | null } | undefined;
  if (!r) return undefined;
  return r.birthday_enc ? cipher.decrypt(r.birthday_enc) : null;
}
