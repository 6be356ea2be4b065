/**
 * A member's gender, age band and interests at rest: sealed with head office's field key like
 * name, phone and birthday (DOMAIN.md 10; core/sync/protocol.ts PERSONAL_FIELDS; an interest
 * tag is free text and may say anything about the member). Columns `gender_enc`,
 * `age_band_enc`, `interests_enc` (migration 025 / pg 014); the plain columns they replace stay
 * NULL, NULL and '[]' in every row head office writes.
 *
 * Decisions:
 * - A plain value, where a row still holds one, is the newer: head office no longer writes
 *   them, so it is a row from before the migration that `sealPlainMemberFields` has not reached
 *   yet, or one a head-office process of the previous version, still running beside this one on
 *   the same PostgreSQL database, wrote after it. Either way the next open seals it.
 * - Nothing filters or groups by these fields in SQL (segments, targeting and reports use
 *   class, birthday, enrolment and the ledger), so sealing them costs no query: they are opened
 *   only where a member's record is (the feed, the lookup, the export, preferences).
 */
import type { HqCipher } from '../crypto.js';
import { all, dialect, run, type Sql } from '../../storage/sql.js';

/** What a `members` row holds of the three fields, sealed and (in an older row) plain. */
export interface MemberFieldColumns {
  gender: string | null;
  age_band: string | null;
  interests: string;
  gender_enc: Buffer | null;
  age_band_enc: Buffer | null;
  interests_enc: Buffer | null;
}

/** The three sealed columns' values for a member (a field without a value stays NULL). */
export function sealMemberFields(
  cipher: HqCipher,
  f: { gender: string | null; ageBand: string | null; interests: readonly string[] },
): { gender_enc: Buffer | null; age_band_enc: Buffer | null; interests_enc: Buffer } {
  return {
    gender_enc: f.gender === null ? null : cipher.encrypt(f.gender),
    age_band_enc: f.ageBand === null ? null : cipher.encrypt(f.ageBand),
    interests_enc: cipher.encrypt(JSON.stringify(f.interests)),
  };
}

function opened(cipher: HqCipher, sealed: Buffer | null, plain: string | null): string | null {
  if (plain !== null) return plain;
  return sealed === null ? null : cipher.decrypt(sealed);
}

export function openGender(cipher: HqCipher, r: Pick<MemberFieldColumns, 'gender' | 'gender_enc'>): string | null {
  return opened(cipher, r.gender_enc, r.gender);
}

export function openAgeBand(cipher: HqCipher, r: Pick<MemberFieldColumns, 'age_band' | 'age_band_enc'>): string | null {
  return opened(cipher, r.age_band_enc, r.age_band);
}

/** The interest tags; '[]' plain and nothing sealed (an erased member) is none. */
export function openInterests(cipher: HqCipher, r: Pick<MemberFieldColumns, 'interests' | 'interests_enc'>): string[] {
  const json = opened(cipher, r.interests_enc, r.interests === '[]' ? null : r.interests);
  return json === null ? [] : (JSON.parse(json) as string[]);
}

const RESEAL_CHUNK = 1000;

/**
 * Seals what rows written before migration 025 / pg 014 hold in the plain columns and clears
 * those, once, when head office opens (in the store's write transaction: on PostgreSQL under
 * the writer lock, so processes starting together take turns and the later ones find nothing
 * left: the rows are chosen by their plain values). Returns how many members it sealed.
 * Idempotent. Chunks of RESEAL_CHUNK rows: on PostgreSQL one UPDATE per chunk.
 */
/** Whether any row still holds one of the three fields plain (a read: no writer lock needed). */
export function* plainMemberFieldsLeft(): Sql<boolean> {
  return (
    (yield* all(
      `SELECT 1 AS x FROM members WHERE gender IS NOT NULL OR age_band IS NOT NULL OR interests <> '[]' LIMIT 1`,
    )).length > 0
  );
}

export function* sealPlainMemberFields(cipher: HqCipher): Sql<number> {
  const pg = (yield* dialect()) === 'pg';
  let after = '';
  let sealed = 0;
  for (;;) {
    const rows = (yield* all(
      `SELECT member_no, gender, age_band, interests, gender_enc, age_band_enc, interests_enc FROM members
       WHERE member_no > ? AND (gender IS NOT NULL OR age_band IS NOT NULL OR interests <> '[]')
       ORDER BY member_no LIMIT ?`,
      after,
      RESEAL_CHUNK,
    )) as (MemberFieldColumns & { member_no: string })[];
    if (rows.length === 0) return sealed;
    const values = rows.map((r) => ({
      member_no: r.member_no,
      ...sealMemberFields(cipher, {
        gender: openGender(cipher, r),
        ageBand: openAgeBand(cipher, r),
        interests: openInterests(cipher, r),
      }),
    }));
    if (pg) {
      const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
      yield* run(
        `UPDATE members AS t SET gender = NULL, age_band = NULL, interests = '[]', gender_enc = decode(v.g, 'hex'),
           age_band_enc = decode(v.a, 'hex'), interests_enc = decode(v.i, 'hex')
         FROM jsonb_to_recordset(?::jsonb) AS v(m text, g text, a text, i text) WHERE t.member_no = v.m`,
        JSON.stringify(
          values.map((v) => ({
            m: v.member_no,
            g: hex(v.gender_enc),
            a: hex(v.age_band_enc),
            i: hex(v.interests_enc),
          })),
        ),
      );
    } else {
      // In-process: a prepared statement per row costs microseconds.
      for (const v of values) {
        yield* run(
          `UPDATE members SET gender = NULL, age_band = NULL, interests = '[]', gender_enc = ?, age_band_enc = ?,
             interests_enc = ? WHERE member_no = ?`,
          v.gender_enc,
          v.age_band_enc,
          v.interests_enc,
          v.member_no,
        );
      }
    }
    sealed += rows.length;
    after = rows[rows.length - 1]?.member_no ?? after;
  }
}
