/**
 * Receipt survey answers at head office (issue 15 items 5 and 8, docs/member-page.md "Survey").
 *
 * Recording one (the route has verified the till's token, core/survey/token.ts):
 *   1. the member: the signed-in member who answers, else the sale's member when head office
 *      has the sale already (a till offline since the sale has not uploaded it: then none);
 *   2. an erased member's words are not kept (their answer counts, without comment or link);
 *   3. INSERT ... ON CONFLICT (till_id, sale_id) DO NOTHING: the first answer of a sale stays,
 *      a second changes nothing and is refused (`already_answered`), also when two arrive at once.
 *
 * The comment may name people: encrypted with the field key like feedback's words
 * (store/feedback.ts). A member's export lists their answers; erasure deletes them.
 *
 * The NPS report groups answers by store and sale date in the database (CASE WHEN sums,
 * portable) and adds up weeks and stores in core/survey/nps.ts.
 */
import { fromCounts, NPS_FORMULA, weekOf, type NpsTally } from '../../core/survey/nps.js';
import type { SurveySale } from '../../core/survey/token.js';
import { addDays, localDate } from '../../core/time.js';
import type { HqCipher } from '../crypto.js';
import { HQ_STORE_ID } from '../domain/decisions.js';
import type { NpsReport, SurveyAnswerItem } from '../survey-schemas.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { DailyQuery } from './daily.js';
import type { RuleSetCache } from './rulesets.js';
import { storeNames } from './tills.js';

export interface SurveyAnswerInput {
  sale: SurveySale;
  /** the signed-in member answering; null when nobody is signed in */
  memberNo: string | null;
  score: number;
  comment: string | null;
}

export type SurveyOutcome = { kind: 'recorded'; memberNo: string | null } | { kind: 'already_answered' };

export interface SurveyStatus {
  answered: boolean;
  storeName: string | null;
}

function* isErased(memberNo: string): Sql<boolean> {
  const r = (yield* get('SELECT erased_at FROM members WHERE member_no = ?', memberNo)) as
    { erased_at: string | null } | undefined;
  return r?.erased_at != null;
}

/** Whether the sale has its answer, and the store's name, for the page before answering. */
export function* surveyStatus(sale: SurveySale): Sql<SurveyStatus> {
  const r = yield* get(
    'SELECT 1 AS one FROM survey_answers WHERE till_id = ? AND sale_id = ?',
    sale.tillId,
    sale.saleId,
  );
  const names = yield* storeNames();
  return { answered: r !== undefined, storeName: names.get(sale.storeId) ?? null };
}

/** Run inside a write transaction. */
export function* recordSurveyAnswer(cipher: HqCipher, a: SurveyAnswerInput, now: Date): Sql<SurveyOutcome> {
  let memberNo = a.memberNo;
  if (memberNo === null) {
    const s = (yield* get(
      'SELECT member_no FROM sales WHERE till_id = ? AND sale_id = ?',
      a.sale.tillId,
      a.sale.saleId,
    )) as { member_no: string | null } | undefined;
    memberNo = s?.member_no ?? null;
  }
  let erased = false;
  if (memberNo !== null && (yield* isErased(memberNo))) {
    memberNo = null;
    erased = true;
  }
  const comment = erased ? null : a.comment;
  const put = yield* run(
    `INSERT INTO survey_answers (till_id, sale_id, store_id, sale_day, member_no, score, comment_enc, answered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (till_id, sale_id) DO NOTHING`,
    a.sale.tillId,
    a.sale.saleId,
    a.sale.storeId,
    a.sale.day,
    memberNo,
    a.score,
    comment ? cipher.encrypt(comment) : null,
    now.toISOString(),
  );
  return put.changes === 0 ? { kind: 'already_answered' } : { kind: 'recorded', memberNo };
}

interface AnswerRow {
  till_id: string;
  sale_id: string;
  store_id: string;
  sale_day: string;
  score: number;
  comment_enc: Buffer | null;
  answered_at: string;
}

/** A member's answers, for the export of everything held about them (DOMAIN.md 10). */
export function* surveyAnswersOf(cipher: HqCipher, memberNo: string): Sql<SurveyAnswerItem[]> {
  const rows = (yield* all(
    `SELECT till_id, sale_id, store_id, sale_day, score, comment_enc, answered_at FROM survey_answers
     WHERE member_no = ? ORDER BY answered_at, id`,
    memberNo,
  )) as AnswerRow[];
  return rows.map((r) => ({
    tillId: r.till_id,
    saleId: r.sale_id,
    storeId: r.store_id,
    saleDay: r.sale_day,
    score: Number(r.score),
    comment: r.comment_enc ? cipher.decrypt(r.comment_enc) : null,
    answeredAt: r.answered_at,
  }));
}

/** The member's erasure (DOMAIN.md 10) deletes their answers, words and scores (docs/decisions.md). */
export function* eraseSurveyAnswersOf(memberNo: string): Sql<void> {
  yield* run('DELETE FROM survey_answers WHERE member_no = ?', memberNo);
}

type Counts = { promoters: number; passives: number; detractors: number };
const add = (into: Counts, c: Counts): void => {
  into.promoters += c.promoters;
  into.passives += c.passives;
  into.detractors += c.detractors;
};
const zero = (): Counts => ({ promoters: 0, passives: 0, detractors: 0 });
const final = (c: Counts): NpsTally => fromCounts(c.promoters, c.passives, c.detractors);

function storeFilter(column: string, stores: readonly string[] | null): string {
  return stores === null ? '' : ` AND ${column} IN (${stores.map(() => '?').join(', ')})`;
}

/** NPS over every answer kept, for the summary report beside the complaints. */
export function* npsAllTime(): Sql<NpsTally> {
  const r = (yield* get(
    `SELECT sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS "promoters",
       sum(CASE WHEN score >= 7 AND score <= 8 THEN 1 ELSE 0 END) AS "passives",
       sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS "detractors"
     FROM survey_answers`,
  )) as Partial<Record<keyof Counts, number | null>> | undefined;
  return fromCounts(Number(r?.promoters ?? 0), Number(r?.passives ?? 0), Number(r?.detractors ?? 0));
}

/** Call inside one read transaction. Answers are dated by their sale's day (docs/decisions.md). */
export function* npsReport(rules: RuleSetCache, q: DailyQuery): Sql<NpsReport> {
  const timeZone = (yield* rules.latest()).timeZone;
  const only = q.stores ?? [];
  const rows = yield* all<{ storeId: string; day: string } & Counts>(
    `SELECT store_id AS "storeId", sale_day AS "day",
       sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END) AS "promoters",
       sum(CASE WHEN score >= 7 AND score <= 8 THEN 1 ELSE 0 END) AS "passives",
       sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) AS "detractors"
     FROM survey_answers WHERE sale_day >= ? AND sale_day <= ?${storeFilter('store_id', q.stores)}
     GROUP BY store_id, sale_day`,
    q.from,
    q.to,
    ...only,
  );
  // Complaints are instants: widened by a day each side (offsets < 24 h), then put on local dates.
  const said = yield* all<{ storeId: string; kind: string; at: string }>(
    `SELECT store_id AS "storeId", kind AS "kind", recorded_at AS "at" FROM feedback
     WHERE recorded_at >= ? AND recorded_at < ?${storeFilter('store_id', q.stores)}`,
    addDays(q.from, -1),
    addDays(q.to, 2),
    ...only,
  );
  const known = yield* all<{ storeId: string }>(
    `SELECT store_id AS "storeId" FROM stores WHERE store_id <> ?${storeFilter('store_id', q.stores)}`,
    HQ_STORE_ID,
    ...only,
  );
  const names = yield* storeNames();

  const chain = zero();
  const byStore = new Map<string, Counts & { complaints: number; suggestions: number }>();
  const store = (id: string) => {
    let s = byStore.get(id);
    if (!s) byStore.set(id, (s = { ...zero(), complaints: 0, suggestions: 0 }));
    return s;
  };
  for (const k of known) store(k.storeId);
  for (const id of only) store(id);
  const weeks = new Map<string, Counts>();
  const week = (key: string) => {
    let w = weeks.get(key);
    if (!w) weeks.set(key, (w = zero()));
    return w;
  };
  for (const r of rows) {
    const c = { promoters: Number(r.promoters), passives: Number(r.passives), detractors: Number(r.detractors) };
    add(chain, c);
    add(store(r.storeId), c);
    const monday = weekOf(r.day);
    add(week(`${monday}\n`), c);
    add(week(`${monday}\n${r.storeId}`), c);
  }
  for (const f of said) {
    const day = localDate(f.at, timeZone).date;
    if (day < q.from || day > q.to) continue;
    const s = store(f.storeId);
    if (f.kind === 'complaint') s.complaints++;
    else s.suggestions++;
  }
  return {
    from: q.from,
    to: q.to,
    timeZone,
    formula: { ...NPS_FORMULA },
    chain: final(chain),
    stores: [...byStore.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([storeId, s]) => ({
        storeId,
        storeName: names.get(storeId) ?? null,
        ...final(s),
        complaints: s.complaints,
        suggestions: s.suggestions,
      })),
    weeks: [...weeks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, c]) => {
        const [monday = '', storeId = ''] = key.split('\n');
        return { week: monday, storeId: storeId === '' ? null : storeId, ...final(c) };
      }),
  };
}
