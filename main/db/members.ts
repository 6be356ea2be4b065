/** Members and their cards. Personal fields go through the FieldCipher, never stored plain. */
import type { MemberChannel, Preferences } from '../../core/preferences.js';
import type { FieldCipher } from './crypto.js';
import type { Db } from './open.js';

export interface NewMember {
  memberNo: string;
  name: string;
  phone: string;
  birthday: string | null;
  gender: string | null;
  ageBand: string | null;
  preferredChannel: MemberChannel;
  interests: string[];
  consentMarketing: boolean;
  consentText: string;
  consentAt: string;
  referrerMemberNo: string | null;
  enrolledStore: string;
  enrolledTill: string;
  enrolledBy: string | null;
}

export interface MemberRecord extends NewMember {
  class: string | null;
  status: 'active' | 'blocked';
  createdAt: string;
  /** set once head office erased the member's personal data (name and phone are then empty) */
  erasedAt: string | null;
}

/** What a sale needs of a member: no name or phone decrypted on the hot path. */
export type MemberBrief = Pick<MemberRecord, 'memberNo' | 'status' | 'birthday'>;

export interface CardRecord {
  code: string;
  kind: 'barcode' | 'nfc' | 'qr';
  memberNo: string;
  status: 'active' | 'blocked';
}

/** A card as the till uploads it (main/sync/batch.ts): who changed it here, and when. */
export interface CardChangeRecord extends CardRecord {
  /** when this till last linked, blocked or unblocked it (or took head office's word on it) */
  changedAt: string | null;
  /** the staff member who did (the approving supervisor when one approved); null for head office's word */
  changedBy: string | null;
}

interface MemberRow {
  member_no: string;
  name_enc: Buffer;
  phone_enc: Buffer;
  birthday_enc: Buffer | null;
  /** plain only in a row written before migration 012, until reseal seals it */
  gender: string | null;
  age_band: string | null;
  gender_enc: Buffer | null;
  age_band_enc: Buffer | null;
  preferred_channel: MemberChannel;
  /** '[]' but in a row written before migration 012, until reseal */
  interests: string;
  /** the JSON list, sealed; null after erasure and before reseal */
  interests_enc: Buffer | null;
  consent_marketing: number;
  consent_text: string;
  consent_at: string;
  referrer_member_no: string | null;
  enrolled_store: string;
  enrolled_till: string;
  enrolled_by: string | null;
  class: string | null;
  status: 'active' | 'blocked';
  created_at: string;
  erased_at: string | null;
}

export class MemberStore {
  private readonly q;

  constructor(
    db: Db,
    private readonly cipher: FieldCipher,
  ) {
    this.q = {
      unsealed: db.prepare(
        `SELECT member_no, gender, age_band, interests FROM members
         WHERE gender IS NOT NULL OR age_band IS NOT NULL OR interests <> '[]'`,
      ),
      seal: db.prepare(
        `UPDATE members SET gender = NULL, age_band = NULL, interests = '[]', gender_enc = ?, age_band_enc = ?,
           interests_enc = ? WHERE member_no = ?`,
      ),
      insert: db.prepare(
        `INSERT INTO members (member_no, phone_hash, name_enc, phone_enc, birthday_enc, gender_enc, age_band_enc,
           preferred_channel, interests_enc, consent_marketing, consent_text, consent_at, referrer_member_no,
           enrolled_store, enrolled_till, enrolled_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byNo: db.prepare('SELECT * FROM members WHERE member_no = ?'),
      brief: db.prepare('SELECT member_no, status, birthday_enc FROM members WHERE member_no = ?'),
      byPhone: db.prepare('SELECT * FROM members WHERE phone_hash = ?'),
      card: db.prepare('SELECT code, kind, member_no AS memberNo, status FROM cards WHERE code = ?'),
      cardsOf: db.prepare('SELECT code, kind, member_no AS memberNo, status FROM cards WHERE member_no = ?'),
      cardChangesOf: db.prepare(
        `SELECT code, kind, member_no AS memberNo, status, COALESCE(changed_at, blocked_at, created_at) AS changedAt,
           changed_by AS changedBy
         FROM cards WHERE member_no = ?`,
      ),
      linkCard: db.prepare(
        'INSERT INTO cards (code, kind, member_no, created_at, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      blockCard: db.prepare(
        `UPDATE cards SET status = 'blocked', blocked_at = @at, blocked_by = @by, changed_at = @at, changed_by = @by
         WHERE code = @code AND status = 'active'`,
      ),
      count: db.prepare('SELECT count(*) AS n FROM members'),
      cardStatus: db.prepare('UPDATE cards SET status = ?, changed_at = ?, changed_by = ? WHERE code = ?'),
      memberStatus: db.prepare('UPDATE members SET status = ?, updated_at = ? WHERE member_no = ?'),
      erase: db.prepare(
        `UPDATE members SET phone_hash = ?, name_enc = ?, phone_enc = ?, birthday_enc = NULL, gender = NULL,
           age_band = NULL, gender_enc = NULL, age_band_enc = NULL, preferred_channel = 'none', interests = '[]',
           interests_enc = NULL, consent_marketing = 0, status = 'blocked',
           erased_at = ?, updated_at = ? WHERE member_no = ? AND erased_at IS NULL`,
      ),
      refresh: db.prepare(
        `UPDATE members SET phone_hash = ?, name_enc = ?, phone_enc = ?, birthday_enc = ?, gender_enc = ?,
           age_band_enc = ?, preferred_channel = ?, interests_enc = ?, gender = NULL, age_band = NULL,
           interests = '[]', consent_marketing = ?, consent_text = ?, consent_at = ?,
           referrer_member_no = ?, enrolled_by = ?, updated_at = ?
         WHERE member_no = ? AND erased_at IS NULL`,
      ),
      prefsOf: db.prepare(
        `SELECT consent_marketing, preferred_channel, interests, interests_enc FROM members
         WHERE member_no = ? AND erased_at IS NULL`,
      ),
      prefs: db.prepare(
        `UPDATE members SET consent_marketing = ?, preferred_channel = ?, interests_enc = ?, interests = '[]', updated_at = ?
         WHERE member_no = ? AND erased_at IS NULL`,
      ),
      blockCardsOf: db.prepare(
        "UPDATE cards SET status = 'blocked', changed_at = ? WHERE member_no = ? AND status = 'active'",
      ),
    };
  }

  /** The personal columns as stored, in the order insert and refresh both bind them. */
  private personal(
    m: Omit<NewMember, 'memberNo' | 'enrolledStore' | 'enrolledTill' | 'enrolledBy'>,
  ): (string | number | Buffer | null)[] {
    const c = this.cipher;
    return [
      c.phoneHash(m.phone),
      c.encrypt(m.name),
      c.encrypt(m.phone),
      m.birthday === null ? null : c.encrypt(m.birthday),
      this.sealed(m.gender),
      this.sealed(m.ageBand),
      m.preferredChannel,
      c.encrypt(JSON.stringify(m.interests)),
      m.consentMarketing ? 1 : 0,
      m.consentText,
      m.consentAt,
      m.referrerMemberNo,
    ];
  }

  insert(m: NewMember): void {
    this.q.insert.run(
      m.memberNo,
      ...this.personal(m),
      m.enrolledStore,
      m.enrolledTill,
      m.enrolledBy,
      m.consentAt,
      m.consentAt,
    );
  }

  get(memberNo: string): MemberRecord | null {
    const r = this.q.byNo.get(memberNo) as MemberRow | undefined;
    return r ? this.toRecord(r) : null;
  }

  brief(memberNo: string): MemberBrief | null {
    const r = this.q.brief.get(memberNo) as Pick<MemberRow, 'member_no' | 'status' | 'birthday_enc'> | undefined;
    if (!r) return null;
    return {
      memberNo: r.member_no,
      status: r.status,
      birthday: r.birthday_enc ? this.cipher.decrypt(r.birthday_enc) : null,
    };
  }

  byPhone(phone: string): MemberRecord | null {
    const r = this.q.byPhone.get(this.cipher.phoneHash(phone)) as MemberRow | undefined;
    return r ? this.toRecord(r) : null;
  }

  phoneTaken(phone: string): boolean {
    return this.q.byPhone.get(this.cipher.phoneHash(phone)) !== undefined;
  }

  card(code: string): CardRecord | null {
    return (this.q.card.get(code) as CardRecord | undefined) ?? null;
  }

  cardsOf(memberNo: string): CardRecord[] {
    return this.q.cardsOf.all(memberNo) as CardRecord[];
  }

  cardChangesOf(memberNo: string): CardChangeRecord[] {
    return this.q.cardChangesOf.all(memberNo) as CardChangeRecord[];
  }

  /** `staffId`: who linked it (null for a card enrolled through the POS without a staff id). */
  linkCard(code: string, kind: CardRecord['kind'], memberNo: string, at: string, staffId: string | null = null): void {
    this.q.linkCard.run(code, kind, memberNo, at, at, staffId);
  }

  blockCard(code: string, at: string, staffId: string | null): boolean {
    return this.q.blockCard.run({ at, by: staffId, code }).changes === 1;
  }

  /**
   * A card's status set here: head office's word (change feed, lookup; `staffId` null) or a
   * staff member's unblock (`staffId` who did it, the approving supervisor when one approved).
   */
  upsertCard(
    code: string,
    kind: CardRecord['kind'],
    memberNo: string,
    status: CardRecord['status'],
    at: string,
    staffId: string | null = null,
  ): void {
    if (this.card(code)) this.q.cardStatus.run(status, at, staffId, code);
    else {
      this.q.linkCard.run(code, kind, memberNo, at, at, staffId);
      if (status !== 'active') this.q.cardStatus.run(status, at, staffId, code);
    }
  }

  /**
   * Head office's current record of a member this till holds (change feed, member lookup): the
   * personal fields and the phone hash replace what the till held, e.g. the feed's placeholder.
   * Never an erased member (erasure is final), never a phone another member here holds (the
   * phone index is unique); unchanged when the fields are the same already.
   */
  refresh(m: NewMember, at: string): 'refreshed' | 'unchanged' | 'unknown' | 'erased' | 'phone_clash' {
    const held = this.get(m.memberNo);
    if (!held) return 'unknown';
    if (held.erasedAt) return 'erased';
    const same =
      held.name === m.name &&
      held.phone === m.phone &&
      held.birthday === m.birthday &&
      held.gender === m.gender &&
      held.ageBand === m.ageBand &&
      held.preferredChannel === m.preferredChannel &&
      JSON.stringify(held.interests) === JSON.stringify(m.interests) &&
      held.consentMarketing === m.consentMarketing &&
      held.consentText === m.consentText &&
      held.consentAt === m.consentAt &&
      held.referrerMemberNo === m.referrerMemberNo &&
      held.enrolledBy === m.enrolledBy;
    if (same) return 'unchanged';
    const other = this.byPhone(m.phone);
    if (other && other.memberNo !== m.memberNo) return 'phone_clash';
    const done = this.q.refresh.run(...this.personal(m), m.enrolledBy, at, m.memberNo);
    return done.changes === 1 ? 'refreshed' : 'erased';
  }

  /** Consent, channel and interests (the interests decrypted alone); null when not held or erased. */
  preferencesOf(memberNo: string): Preferences | null {
    const r = this.q.prefsOf.get(memberNo) as
      Pick<MemberRow, 'consent_marketing' | 'preferred_channel' | 'interests' | 'interests_enc'> | undefined;
    if (!r) return null;
    return {
      consentMarketing: r.consent_marketing === 1,
      preferredChannel: r.preferred_channel,
      interests: this.interestsOf(r),
    };
  }

  /** Consent, channel and interests (core/preferences.ts); false when not held or erased. */
  setPreferences(memberNo: string, p: Preferences, at: string): boolean {
    return (
      this.q.prefs.run(
        p.consentMarketing ? 1 : 0,
        p.preferredChannel,
        this.cipher.encrypt(JSON.stringify(p.interests)),
        at,
        memberNo,
      ).changes === 1
    );
  }

  setStatus(memberNo: string, status: MemberRecord['status'], at: string): void {
    this.q.memberStatus.run(status, at, memberNo);
  }

  /**
   * Head office erased the member (DOMAIN.md 10): personal fields overwritten, the phone free
   * to enrol again, member and cards blocked; the ledger keeps the member number. False when
   * the till does not hold the member or already erased it.
   */
  erase(memberNo: string, erasedAt: string, at: string): boolean {
    const blank = this.cipher.encrypt('');
    const done = this.q.erase.run(this.cipher.erasedHash(memberNo), blank, blank, erasedAt, at, memberNo).changes === 1;
    if (done) this.q.blockCardsOf.run(at, memberNo);
    return done;
  }

  count(): number {
    return (this.q.count.get() as { n: number }).n;
  }

  /**
   * Gender, age band and interests written before migration 012 (plain text) move into their
   * sealed columns, once, when the till opens: DOMAIN.md 10 wants every personal field encrypted
   * at rest, and an interest tag is free text. Returns how many members it sealed. Freed space
   * is zeroed (secure_delete, main/db/open.ts) and the WAL truncated, so no plain copy stays.
   */
  reseal(db: Db): number {
    const rows = this.q.unsealed.all() as Pick<MemberRow, 'member_no' | 'gender' | 'age_band' | 'interests'>[];
    if (rows.length === 0) return 0;
    db.transaction(() => {
      for (const r of rows) {
        this.q.seal.run(this.sealed(r.gender), this.sealed(r.age_band), this.cipher.encrypt(r.interests), r.member_no);
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    return rows.length;
  }

  private sealed(v: string | null): Buffer | null {
    return v === null ? null : this.cipher.encrypt(v);
  }

  /** The sealed value, or the plain one of a row reseal has not reached (it runs when the till opens). */
  private opened(sealed: Buffer | null, plain: string | null): string | null {
    return sealed === null ? plain : this.cipher.decrypt(sealed);
  }

  private interestsOf(r: Pick<MemberRow, 'interests' | 'interests_enc'>): string[] {
    return JSON.parse(this.opened(r.interests_enc, r.interests) as string) as string[];
  }

  private toRecord(r: MemberRow): MemberRecord {
    const c = this.cipher;
    return {
      memberNo: r.member_no,
      name: c.decrypt(r.name_enc),
      phone: c.decrypt(r.phone_enc),
      birthday: r.birthday_enc ? c.decrypt(r.birthday_enc) : null,
      gender: this.opened(r.gender_enc, r.gender),
      ageBand: this.opened(r.age_band_enc, r.age_band),
      preferredChannel: r.preferred_channel,
      interests: this.interestsOf(r),
      consentMarketing: r.consent_marketing === 1,
      consentText: r.consent_text,
      consentAt: r.consent_at,
      referrerMemberNo: r.referrer_member_no,
      enrolledStore: r.enrolled_store,
      enrolledTill: r.enrolled_till,
      enrolledBy: r.enrolled_by,
      class: r.class,
      status: r.status,
      createdAt: r.created_at,
      erasedAt: r.erased_at,
    };
  }
}
