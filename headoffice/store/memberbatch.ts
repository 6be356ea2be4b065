/**
 * One batch of member uploads applied set-based (members.ts upsertMembers): what head office
 * holds of the batch's members and cards is read in one statement each, the uploads are
 * judged one after the other against that plus what the batch itself wrote before (an
 * in-memory overlay: a run joins several batches of one till, so a member may be enrolled and
 * then edited, a card added and then blocked, in one list), and the writes wait here until
 * `flush`, which sends members, cards and change rows in one multi-row statement each.
 *
 * Decisions:
 * - Same results as writing row by row: a key written twice is sent once with its last
 *   values (PostgreSQL refuses `ON CONFLICT DO UPDATE` touching one row twice in a statement),
 *   which is what the second upsert would have left; a card inserted and then changed keeps
 *   the kind and holder of the insert, as the UPDATE did. Change rows keep their order (the
 *   cursors of one multi-row INSERT follow its rows), so the feed is unchanged.
 * - Code that reads these tables itself (preference changes, preferences.ts) runs after a
 *   `flush`, and the member it changed is read again afterwards (`forget`).
 */
import type { MemberUpsert } from '../../core/sync/protocol.js';
import { CHANGE_COLUMNS, changeRow, type ChangeType } from './changes.js';
import { all, get, insertMany, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';
import type { MemberChannel } from '../../core/preferences.js';

/** What judging an upload needs of head office's member record. */
export interface HeldMember {
  status: 'active' | 'blocked';
  fields_mac: Buffer;
  erased_at: string | null;
  enrolled_store: string;
  enrolled_till: string;
  preferred_channel: MemberChannel;
  /** '[]' but in a row not sealed yet (member-fields.ts) */
  interests: string;
  /** the JSON list, sealed; NULL once erased */
  interests_enc: Buffer | null;
  consent_marketing: number;
  consent_at: string;
  enrolled_by: string | null;
  referrer_member_no: string | null;
}

export interface HeldCard {
  member_no: string;
  status: string;
  changed_at: string;
}

const HELD_MEMBER = `status, fields_mac, erased_at, enrolled_store, enrolled_till, preferred_channel, interests,
  interests_enc, consent_marketing, consent_at, enrolled_by, referrer_member_no`;

export const MEMBER_COLUMNS = [
  'member_no',
  'phone_hash',
  'name_enc',
  'phone_enc',
  'birthday_enc',
  // gender, age_band and interests are written NULL, NULL and '[]': sealed in the _enc columns
  // (member-fields.ts), and an older row's plain values are cleared by the upsert.
  'gender',
  'age_band',
  'gender_enc',
  'age_band_enc',
  'preferred_channel',
  'interests',
  'interests_enc',
  'consent_marketing',
  'consent_text',
  'consent_at',
  'enrolled_store',
  'enrolled_till',
  'enrolled_by',
  'referrer_member_no',
  'status',
  'fields_mac',
  'source_till',
  'till_updated_at',
  'created_at',
  'updated_at',
] as const;

// The enrolment (store, till) and created_at stay as first written.
const MEMBER_UPSERT = `ON CONFLICT (member_no) DO UPDATE SET phone_hash = excluded.phone_hash,
  name_enc = excluded.name_enc, phone_enc = excluded.phone_enc, birthday_enc = excluded.birthday_enc,
  gender = excluded.gender, age_band = excluded.age_band, gender_enc = excluded.gender_enc,
  age_band_enc = excluded.age_band_enc, preferred_channel = excluded.preferred_channel,
  interests = excluded.interests, interests_enc = excluded.interests_enc, consent_marketing = excluded.consent_marketing,
  consent_text = excluded.consent_text, consent_at = excluded.consent_at, enrolled_by = excluded.enrolled_by,
  referrer_member_no = excluded.referrer_member_no, status = excluded.status, fields_mac = excluded.fields_mac,
  source_till = excluded.source_till, till_updated_at = excluded.till_updated_at, updated_at = excluded.updated_at`;

const CARD_COLUMNS = ['code', 'kind', 'member_no', 'status', 'changed_at', 'source_till', 'changed_by'] as const;
// A held card changes status only: its kind and holder stay (what the UPDATE set before).
const CARD_UPSERT = `ON CONFLICT (code) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at,
  source_till = excluded.source_till, changed_by = excluded.changed_by`;

export interface CardWrite {
  code: string;
  kind: string;
  memberNo: string;
  status: 'active' | 'blocked';
  changedAt: string;
  sourceTill: string;
  changedBy: string | null;
}

export class MemberBatch {
  /** undefined: head office holds no such member / card (absent keys are not read yet) */
  private readonly members = new Map<string, HeldMember | undefined>();
  private readonly cards = new Map<string, HeldCard | undefined>();
  private readonly memberRows = new Map<string, SqlValue[]>();
  private readonly cardRows = new Map<string, SqlValue[]>();
  private changeRows: SqlValue[][] = [];

  /** Reads what head office holds of the batch's members and cards (one statement each). */
  static *read(uploads: readonly MemberUpsert[]): Sql<MemberBatch> {
    const b = new MemberBatch();
    const memberNos = [...new Set(uploads.map((m) => m.memberNo))];
    const codes = [...new Set(uploads.flatMap((m) => m.cards.map((c) => c.code)))];
    for (const no of memberNos) b.members.set(no, undefined);
    for (const code of codes) b.cards.set(code, undefined);
    if (memberNos.length > 0) {
      const rows = (yield* all(
        withJsonList((isIn) => `SELECT member_no, ${HELD_MEMBER} FROM members WHERE ${isIn('member_no')}`, 'text'),
        JSON.stringify(memberNos),
      )) as (HeldMember & { member_no: string })[];
      for (const { member_no, ...r } of rows) b.members.set(member_no, r);
    }
    if (codes.length > 0) {
      const rows = (yield* all(
        withJsonList((isIn) => `SELECT code, member_no, status, changed_at FROM cards WHERE ${isIn('code')}`, 'text'),
        JSON.stringify(codes),
      )) as (HeldCard & { code: string })[];
      for (const { code, ...r } of rows) b.cards.set(code, r);
    }
    return b;
  }

  /** Head office held no record of the member when the batch began. */
  isNewMember(memberNo: string): boolean {
    return this.members.has(memberNo) && this.members.get(memberNo) === undefined;
  }

  /** The member as head office holds it now, counting the batch's own writes. */
  *member(memberNo: string): Sql<HeldMember | undefined> {
    if (this.members.has(memberNo)) return this.members.get(memberNo);
    const r = (yield* get(`SELECT ${HELD_MEMBER} FROM members WHERE member_no = ?`, memberNo)) as
      HeldMember | undefined;
    this.members.set(memberNo, r);
    return r;
  }

  *card(code: string): Sql<HeldCard | undefined> {
    if (this.cards.has(code)) return this.cards.get(code);
    const r = (yield* get('SELECT member_no, status, changed_at FROM cards WHERE code = ?', code)) as
      HeldCard | undefined;
    this.cards.set(code, r);
    return r;
  }

  /** A member row in MEMBER_COLUMNS order, and what head office holds after writing it. */
  writeMember(row: SqlValue[], held: HeldMember): void {
    const memberNo = row[0] as string;
    this.memberRows.set(memberNo, row);
    this.members.set(memberNo, held);
  }

  writeCard(c: CardWrite): void {
    const ex = this.cardRows.get(c.code);
    // Inserted earlier in the batch: the row keeps the insert's kind and holder.
    const kind = ex ? (ex[1] as SqlValue) : c.kind;
    const memberNo = ex ? (ex[2] as string) : c.memberNo;
    this.cardRows.set(c.code, [c.code, kind, memberNo, c.status, c.changedAt, c.sourceTill, c.changedBy]);
    this.cards.set(c.code, { member_no: memberNo, status: c.status, changed_at: c.changedAt });
  }

  change(type: ChangeType, ref: string, payload: unknown, now: Date): void {
    this.changeRows.push(changeRow(type, ref, payload, now));
  }

  /** The member is read from the database again at its next use (someone else wrote it). */
  forget(memberNo: string): void {
    this.members.delete(memberNo);
  }

  /** Sends the pending writes: members, cards, then the change rows in the order made. */
  *flush(): Sql<void> {
    yield* insertMany('members', MEMBER_COLUMNS, [...this.memberRows.values()], MEMBER_UPSERT);
    yield* insertMany('cards', CARD_COLUMNS, [...this.cardRows.values()], CARD_UPSERT);
    yield* insertMany('changes', CHANGE_COLUMNS, this.changeRows);
    this.memberRows.clear();
    this.cardRows.clear();
    this.changeRows = [];
  }
}
