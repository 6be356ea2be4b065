/**
 * Member records and cards as tills upload them. Personal fields are encrypted at rest.
 *
 * Decisions:
 * - Who may change what is domain/ownership.ts: a till creates the members it enrols, changes
 *   personal data only of its own store's members, never moves a member's enrolment, and
 *   changes cards only of members it holds. Everything else is refused with a reason kept in
 *   `member_refusals` and counted on the till's row (`refused_changes`), once per distinct
 *   refused content, so a resent batch does not count twice.
 * - A member upsert identical to what head office holds changes nothing and emits nothing
 *   (fields_mac), so a resent batch is a true no-op.
 * - Head office dates every change by its own clock; the till's `updatedAt` is ignored.
 * - A card's first holder wins; the same code claimed for another member is a conflict, kept
 *   out and logged. Blocking always applies (fail safe) when the till holds the member; an
 *   unblock applies only when the till dates it (`changedAt`) after the block head office
 *   holds, so a stale upload cannot reactivate a card reported stolen.
 * - An erased member's record (privacy.ts) is never overwritten by an upload.
 */
import type { MemberChannel } from '../../core/preferences.js';
import type { AggEnrolment } from '../../core/aggregates.js';
import { canonicalJson } from '../../core/ledger/hash.js';
import type { MemberFeed, MemberLookupAnswer, MemberUpsert } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import type { MemberClass } from '../../core/segments.js';
import {
  isWithheld,
  judgeCardChange,
  judgeMemberChange,
  type RefusalReason,
  type Uploader,
} from '../domain/ownership.js';
import { EnrolmentAnomalies, countUnlocks } from './anomalies.js';
import { CHANGE_COLUMNS, changeRow } from './changes.js';
import { MemberBatch, type HeldMember } from './memberbatch.js';
import { openAgeBand, openGender, openInterests, sealMemberFields, type MemberFieldColumns } from './member-fields.js';
import { recordTillPreferenceChanges } from './preferences.js';
import { all, dialectSql, get, insertMany, run, withJsonList, type Sql, type SqlValue } from '../../storage/sql.js';

export interface MemberRow extends MemberFieldColumns {
  member_no: string;
  name_enc: Buffer;
  phone_enc: Buffer;
  birthday_enc: Buffer | null;
  preferred_channel: MemberChannel;
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
  /** preference changes newly recorded */
  preferences: number;
  cards: number;
  refused: number;
  conflicts: { code: string; heldBy: string; claimedBy: string }[];
  /** enrolments counted, or taken back and counted anew, for the read model (core/aggregates.ts) */
  enrolments: AggEnrolment[];
}

function ms(iso: string): number {
  return Date.parse(iso);
}

/** Records a refusal once per distinct content; true when it was new (and counted). */
function* refuse(
  cipher: HqCipher,
  till: Uploader,
  refusal: { memberNo: string; what: 'member' | 'card'; reason: RefusalReason; detail: string; content: string },
  now: Date,
): Sql<boolean> {
  const fingerprint = cipher.mac('refusal', refusal.content).subarray(0, 16).toString('hex');
  const r = yield* run(
    `INSERT INTO member_refusals (till_id, member_no, what, reason, detail, fingerprint, at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    till.tillId,
    refusal.memberNo,
    refusal.what,
    refusal.reason,
    refusal.detail,
    fingerprint,
    now.toISOString(),
  );
  if (r.changes === 0) return false;
  yield* run('UPDATE tills SET refused_changes = refused_changes + 1 WHERE till_id = ?', till.tillId);
  return true;
}

/** Head office's state of one batch: what it holds and has written so far, and the enrolment counters. */
interface BatchState {
  held: MemberBatch;
  anomalies: EnrolmentAnomalies;
}

function writeMember(
  cipher: HqCipher,
  b: MemberBatch,
  tillId: string,
  ex: HeldMember | undefined,
  m: MemberUpsert,
  status: 'active' | 'blocked',
  mac: Buffer,
  now: Date,
): void {
  // Head office's clock, never the till's updatedAt (a till could date itself into 2099).
  const at = now.toISOString();
  // Sealed like name and phone (member-fields.ts); the plain columns written NULL and '[]'.
  const sealed = sealMemberFields(cipher, { gender: m.gender, ageBand: m.ageBand ?? null, interests: m.interests });
  const consentMarketing = m.consentMarketing ? 1 : 0;
  const referrer = m.referrerMemberNo ?? null;
  // MEMBER_COLUMNS order (memberbatch.ts).
  const row: SqlValue[] = [
    m.memberNo,
    cipher.mac('phone', m.phone),
    cipher.encrypt(m.name),
    cipher.encrypt(m.phone),
    m.birthday === null ? null : cipher.encrypt(m.birthday),
    null,
    null,
    sealed.gender_enc,
    sealed.age_band_enc,
    m.preferredChannel,
    '[]',
    sealed.interests_enc,
    consentMarketing,
    m.consentText,
    m.consentAt,
    m.enrolledStore,
    m.enrolledTill,
    m.enrolledBy,
    referrer,
    status,
    mac,
    tillId,
    at,
    at,
    at,
  ];
  // What the upsert leaves: the enrolment stays as first written.
  b.writeMember(row, {
    status,
    fields_mac: mac,
    erased_at: null,
    enrolled_store: ex?.enrolled_store ?? m.enrolledStore,
    enrolled_till: ex?.enrolled_till ?? m.enrolledTill,
    preferred_channel: m.preferredChannel,
    interests: '[]',
    interests_enc: sealed.interests_enc,
    consent_marketing: consentMarketing,
    consent_at: m.consentAt,
    enrolled_by: m.enrolledBy,
    referrer_member_no: referrer,
  });
  b.change('member', m.memberNo, { memberNo: m.memberNo }, now);
}

/**
 * What writing `m` over `ex` changes in the read model's enrolments: a new member counts once; a
 * record whose consent instant, staff member or referrer changed (the store never does) is
 * taken back where it was counted and counted anew.
 */
function enrolmentChange(ex: HeldMember | undefined, m: MemberUpsert): AggEnrolment[] {
  const now: AggEnrolment = {
    sign: 1,
    at: m.consentAt,
    storeId: ex?.enrolled_store ?? m.enrolledStore,
    staffId: m.enrolledBy,
    referred: (m.referrerMemberNo ?? null) !== null,
  };
  if (!ex) return [now];
  const was: AggEnrolment = {
    sign: -1,
    at: ex.consent_at,
    storeId: ex.enrolled_store,
    staffId: ex.enrolled_by,
    referred: ex.referrer_member_no !== null,
  };
  const same = was.at === now.at && was.staffId === now.staffId && was.referred === now.referred;
  return same ? [] : [was, now];
}

function* upsertMember(
  cipher: HqCipher,
  till: Uploader,
  s: BatchState,
  m: MemberUpsert,
  now: Date,
  out: UpsertResult,
): Sql<void> {
  yield* upsertMemberFields(cipher, till, s, m, now, out);
  // After the record: a member enrolled and changed offline exists by now. Apart from the
  // ownership judgement: any till the member stands at may record their choice (preferences.ts).
  // It reads and writes the member row itself: the batch's writes go first, and the member is
  // read again after it (the rare path, row by row).
  if (m.preferenceChanges?.length) {
    yield* s.held.flush();
    out.preferences += yield* recordTillPreferenceChanges(cipher, till.tillId, m.memberNo, m.preferenceChanges, now);
    s.held.forget(m.memberNo);
  }
}

function* upsertMemberFields(
  cipher: HqCipher,
  till: Uploader,
  s: BatchState,
  upload: MemberUpsert,
  now: Date,
  out: UpsertResult,
): Sql<void> {
  const ex = yield* s.held.member(upload.memberNo);
  // Erased: a till that had not heard yet must not bring the personal data back.
  if (ex?.erased_at) return;
  // Consent, channel and interests of a member head office holds change only through preference
  // changes (preferences.ts): the record's copy may be older than a change made elsewhere since.
  const m: MemberUpsert = ex
    ? {
        ...upload,
        preferredChannel: ex.preferred_channel,
        interests: openInterests(cipher, ex),
        consentMarketing: Number(ex.consent_marketing) === 1,
      }
    : upload;
  // A record the feed gave this till without name and phone: it holds nothing to change.
  if (ex && isWithheld(m)) return;
  const { cards: _cards, updatedAt: _updatedAt, preferenceChanges: _prefs, ...fields } = m;
  const status = m.status ?? ex?.status ?? 'active';
  const mac = cipher.mac('member', canonicalJson({ ...fields, status }));
  if (ex && mac.equals(ex.fields_mac)) return;
  const held = ex ? { enrolledStore: ex.enrolled_store, enrolledTill: ex.enrolled_till } : null;
  const verdict = judgeMemberChange(till, m, held);
  if (verdict.kind === 'refuse') {
    const detail = `personal data of a member enrolled at ${held?.enrolledStore ?? m.enrolledStore}`;
    const content = canonicalJson({ ...fields, status });
    if (
      yield* refuse(
        cipher,
        till,
        { memberNo: m.memberNo, what: 'member', reason: verdict.reason, detail, content },
        now,
      )
    )
      out.refused += 1;
    return;
  }
  writeMember(cipher, s.held, till.tillId, ex, m, status, mac, now);
  if (!ex) yield* s.anomalies.detect(m, now);
  out.members += 1;
  out.enrolments.push(...enrolmentChange(ex, m));
}

/**
 * A ledger entry (alias `l`) that shows its till had the member in front of it: a sale's earn, a
 * return (with its id), points redeemed (at a sale or for a coupon), a coupon or free service
 * used. Not what a till writes about a member without them there, nor what names a member
 * without moving anything of theirs: expiry, tier steps, offers, bonuses (a referral's goes to
 * a referrer who is elsewhere), adjustments. Otherwise any till could upload one such entry
 * for a member number and be sent that member's name and phone (SECURITY.md, the change feed).
 */
function servingEntry(l: string): string {
  return `((${l}.kind = 'earn' AND ${l}.sale_id IS NOT NULL)
    OR (${l}.kind IN ('reverse', 'restore', 'stamp_return') AND ${l}.return_id IS NOT NULL)
    OR (${l}.kind IN ('redeem', 'reward') AND ${l}.points > 0)
    OR ${l}.kind IN ('coupon_use', 'service_use'))`;
}

/** Whether an entry of the till shows it served the member (servingEntry). */
function* servedBy(tillId: string, memberNo: string): Sql<boolean> {
  return (
    (yield* get(
      `SELECT 1 FROM ledger l WHERE l.member_no = ? AND l.till_id = ? AND ${servingEntry('l')} LIMIT 1`,
      memberNo,
      tillId,
    )) !== undefined
  );
}

/** The till may change the member's cards: a member of its store, or one it served. */
function* holdsMember(till: Uploader, b: MemberBatch, memberNo: string): Sql<boolean> {
  const m = yield* b.member(memberNo);
  if (!m) return false;
  if (m.enrolled_store === till.storeId) return true;
  return yield* servedBy(till.tillId, memberNo);
}

type CardItem = MemberUpsert['cards'][number];

function writeCard(b: MemberBatch, till: Uploader, memberNo: string, c: CardItem, now: Date): void {
  b.writeCard({
    code: c.code,
    kind: c.kind,
    memberNo,
    status: c.status,
    changedAt: new Date(c.changedAt ?? now).toISOString(),
    sourceTill: till.tillId,
    changedBy: c.staffId ?? null,
  });
  b.change('card', c.code, { code: c.code }, now);
}

function* upsertCards(
  cipher: HqCipher,
  till: Uploader,
  b: MemberBatch,
  m: MemberUpsert,
  now: Date,
  out: UpsertResult,
): Sql<void> {
  let holds: boolean | null = null;
  for (const c of m.cards) {
    const ex = yield* b.card(c.code);
    if (ex && ex.member_no !== m.memberNo) {
      out.conflicts.push({ code: c.code, heldBy: ex.member_no, claimedBy: m.memberNo });
      continue;
    }
    if (ex && ex.status === c.status) continue;
    if (ex && c.status === 'active' && !(c.changedAt && ms(c.changedAt) > ms(ex.changed_at))) continue;
    holds ??= yield* holdsMember(till, b, m.memberNo);
    const verdict = judgeCardChange(till, c, ex ?? null, holds, m);
    if (verdict.kind === 'refuse') {
      const content = canonicalJson({ code: c.code, status: c.status });
      const { reason, detail } = verdict;
      if (yield* refuse(cipher, till, { memberNo: m.memberNo, what: 'card', reason, detail, content }, now)) {
        out.refused += 1;
      }
      continue;
    }
    writeCard(b, till, m.memberNo, c, now);
    out.cards += 1;
  }
}

export function* upsertMembers(
  cipher: HqCipher,
  till: Uploader,
  members: readonly MemberUpsert[],
  now: Date,
): Sql<UpsertResult> {
  const out: UpsertResult = { members: 0, preferences: 0, cards: 0, refused: 0, conflicts: [], enrolments: [] };
  if (members.length === 0) return out;
  // Set-based (memberbatch.ts): a few statements per batch however many members it brings.
  const held = yield* MemberBatch.read(members);
  const created = members.filter((m) => held.isNewMember(m.memberNo));
  const s: BatchState = { held, anomalies: yield* EnrolmentAnomalies.read(cipher, till.tillId, created) };
  for (const m of members) {
    yield* upsertMember(cipher, till, s, m, now, out);
    yield* upsertCards(cipher, till, held, m, now, out);
  }
  yield* held.flush();
  yield* s.anomalies.save();
  return out;
}

/** A stored member as the feed sends it (one entry of readMemberFeed). */
export type MemberFeedRecord = { feed: MemberFeed; class: MemberClass | null } | { erasedAt: string };

/**
 * A `members` row as the feed sends it. `personal` false: the name and phone are left
 * encrypted and `withheld` stands in for them (a till that does not need them, feed.ts), so
 * nothing is decrypted only to be thrown away.
 */
export function memberFeedOf(
  cipher: HqCipher,
  r: MemberRow,
  withheld?: { name: string; phone: string },
): MemberFeedRecord {
  if (r.erased_at) return { erasedAt: r.erased_at };
  const feed: MemberFeed = {
    memberNo: r.member_no,
    name: withheld ? withheld.name : cipher.decrypt(r.name_enc),
    phone: withheld ? withheld.phone : cipher.decrypt(r.phone_enc),
    birthday: r.birthday_enc ? cipher.decrypt(r.birthday_enc) : null,
    gender: openGender(cipher, r),
    ageBand: openAgeBand(cipher, r),
    preferredChannel: r.preferred_channel,
    interests: openInterests(cipher, r),
    consentMarketing: Number(r.consent_marketing) === 1,
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

/**
 * The member as the feed sends it (clear text, for the till's TLS/loopback channel), null
 * when head office has no record, `erased` once the personal data is gone.
 */
export function* readMemberFeed(cipher: HqCipher, memberNo: string): Sql<MemberFeedRecord | null> {
  const r = (yield* get('SELECT * FROM members WHERE member_no = ?', memberNo)) as MemberRow | undefined;
  return r ? memberFeedOf(cipher, r) : null;
}

/** Several members' rows by number, for a feed page (feed.ts). */
export function* memberRows(memberNos: readonly string[]): Sql<Map<string, MemberRow>> {
  if (memberNos.length === 0) return new Map();
  const rows = (yield* all(
    withJsonList((isIn) => `SELECT * FROM members WHERE ${isIn('member_no')}`, 'text'),
    JSON.stringify(memberNos),
  )) as MemberRow[];
  return new Map(rows.map((r) => [r.member_no, r]));
}

/** "MM-DD", null when the member has none, undefined when head office has no member record. */
export function* memberBirthday(cipher: HqCipher, memberNo: string): Sql<string | null | undefined> {
  const r = (yield* get('SELECT birthday_enc FROM members WHERE member_no = ?', memberNo)) as
    { birthday_enc: Buffer | null } | undefined;
  if (!r) return undefined;
  return r.birthday_enc ? cipher.decrypt(r.birthday_enc) : null;
}

/**
 * Which members each till serves beyond its store, of those asked for it: head office holds
 * an entry of the till showing it served the member (servingEntry), or the till looked the
 * member up by mobile number (member_lookups). Such a till gets the member's name and phone in
 * the feed (feed.ts). One statement for every till of a feed batch.
 */
export function* servedMembersOfTills(asked: readonly [string, readonly string[]][]): Sql<Map<string, Set<string>>> {
  const pairs = asked.flatMap(([t, members]) => members.map((m) => ({ t, m })));
  const served = new Map<string, Set<string>>();
  if (pairs.length === 0) return served;
  const where = (
    p: string,
  ): string => `WHERE EXISTS (SELECT 1 FROM ledger l WHERE l.member_no = ${p}.m AND l.till_id = ${p}.t AND ${servingEntry('l')})
       OR EXISTS (SELECT 1 FROM member_lookups k WHERE k.till_id = ${p}.t AND k.member_no = ${p}.m)`;
  const rows = (yield* all(
    dialectSql({
      sqlite: `SELECT p.t, p.m FROM (SELECT json_extract(value, '$.t') AS t, json_extract(value, '$.m') AS m
        FROM json_each(?)) AS p ${where('p')}`,
      pg: `SELECT p.t, p.m FROM jsonb_to_recordset(?::jsonb) AS p(t text, m text) ${where('p')}`,
    }),
    JSON.stringify(pairs),
  )) as { t: string; m: string }[];
  for (const r of rows) {
    const set = served.get(r.t);
    if (set) set.add(r.m);
    else served.set(r.t, new Set([r.m]));
  }
  return served;
}

/**
 * A batch brought the till's first entries showing it served members of another store
 * (servingEntry): each such member the till had not looked up gets a new member change for that
 * till alone, so the feed now carries the name and phone to the till that served them (it holds
 * them with the feed's placeholder until then). `memberNos`: the members the batch has entries for, written
 * already; `ackBefore`: the till's last seq head office held before this batch.
 */
export function* announceServed(
  till: Uploader,
  memberNos: Iterable<string>,
  ackBefore: number,
  now: Date,
): Sql<number> {
  const nos = [...memberNos];
  if (nos.length === 0) return 0;
  // One read for the whole batch: each member's record, whether the till had served them
  // before this batch, whether this batch serves them, and whether the till looked them up
  // (all on the member's shard on Citus).
  const rows = (yield* all(
    withJsonList(
      (isIn) => `SELECT m.member_no, m.enrolled_store, m.erased_at,
         EXISTS (SELECT 1 FROM ledger l WHERE l.member_no = m.member_no AND l.till_id = ? AND l.seq <= ?
           AND ${servingEntry('l')}) AS served,
         EXISTS (SELECT 1 FROM ledger l WHERE l.member_no = m.member_no AND l.till_id = ? AND l.seq > ?
           AND ${servingEntry('l')}) AS serves,
         EXISTS (SELECT 1 FROM member_lookups k WHERE k.member_no = m.member_no AND k.till_id = ?) AS looked
       FROM members m WHERE ${isIn('m.member_no')}`,
      'text',
    ),
    till.tillId,
    ackBefore,
    till.tillId,
    ackBefore,
    till.tillId,
    JSON.stringify(nos),
  )) as {
    member_no: string;
    enrolled_store: string;
    erased_at: string | null;
    served: boolean | number;
    serves: boolean | number;
    looked: boolean | number;
  }[];
  const records = new Map(rows.map((r) => [r.member_no, r]));
  const others = nos.filter((no) => {
    const m = records.get(no);
    return m !== undefined && !m.erased_at && m.enrolled_store !== till.storeId && m.serves && !m.served && !m.looked;
  });
  // One multi-row INSERT: the rows take their cursors in this order, as one append after the other.
  // For this till alone (store/feed.ts visibleTo): every other till has the record as it was.
  const changes = others.map((memberNo) => changeRow('member', memberNo, { memberNo, forTill: till.tillId }, now));
  yield* insertMany('changes', CHANGE_COLUMNS, changes);
  yield* countUnlocks(till.tillId, others, 'served', now);
  return changes.length;
}

export type MemberLookupOutcome =
  | { kind: 'found'; answer: MemberLookupAnswer }
  | { kind: 'unknown' }
  /** several members hold the number (enrolled offline at two stores): none is certain */
  | { kind: 'ambiguous' };

/**
 * A member by normalised mobile number, for a cashier at `till` with the member in front of
 * them (routes/sync.ts). Found by head office's keyed phone hash; an erased member's hash is
 * a tombstone, so the number finds nobody. Records that the till now serves the member.
 */
export function* lookupMemberByPhone(
  cipher: HqCipher,
  till: Uploader,
  phone: string,
  firstTier: string,
  now: Date,
): Sql<MemberLookupOutcome> {
  const rows = (yield* all(
    'SELECT member_no FROM members WHERE phone_hash = ? AND erased_at IS NULL LIMIT 2',
    cipher.mac('phone', phone),
  )) as { member_no: string }[];
  const row = rows[0];
  if (!row) return { kind: 'unknown' };
  if (rows.length > 1) return { kind: 'ambiguous' };
  const m = yield* readMemberFeed(cipher, row.member_no);
  if (!m || 'erasedAt' in m) return { kind: 'unknown' };
  const first = yield* run(
    'INSERT INTO member_lookups (till_id, member_no, first_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    till.tillId,
    row.member_no,
    now.toISOString(),
  );
  // Another store's member this till had not served: the lookup reveals their name and phone to it.
  if (first.changes > 0 && m.feed.enrolledStore !== till.storeId && !(yield* servedBy(till.tillId, row.member_no))) {
    yield* countUnlocks(till.tillId, [row.member_no], 'lookup', now);
  }
  const st = (yield* get('SELECT balance, tier FROM member_state WHERE member_no = ?', row.member_no)) as
    { balance: number; tier: string } | undefined;
  const cards = (yield* all(
    'SELECT code, kind, status FROM cards WHERE member_no = ? ORDER BY code',
    row.member_no,
  )) as MemberLookupAnswer['cards'];
  return {
    kind: 'found',
    answer: {
      member: m.feed,
      state: { balance: st?.balance ?? 0, tier: st?.tier ?? firstTier, class: m.class },
      cards,
    },
  };
}
