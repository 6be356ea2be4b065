/**
 * The receipt survey at a real head office, on SQLite and PostgreSQL (docs/member-page.md
 * "Survey"): a till's token answers its sale once (anonymous, the sale's member, or the member
 * signed in on the phone); forged, moved, malformed and old tokens get their typed refusals; the
 * comment is kept encrypted, exported and deleted at erasure; GET /v1/reports/nps counts NPS per
 * store and week beside the complaints recorded at the tills.
 */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../core/ledger/hash.js';
import { signSurveyToken, surveyKey, type SurveySale } from '../core/survey/token.js';
import { addDays, localDate } from '../core/time.js';
import { codeSentTo, messagesIn } from '../test/helpers/sign-in-code.js';
import { at, operator, upload, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const WHO = { operatorId: 'ops-li', reason: '会员本人申请' };

async function today(): Promise<string> {
  const rs = await t.hq.store.ruleSetInForce(new Date());
  return localDate(new Date(), rs.timeZone).date;
}

async function tokenOf(till: TillSim, saleId: string, over: Partial<SurveySale> = {}, secret = till.secret) {
  const sale = { storeId: till.storeId, tillId: till.tillId, saleId, day: await today(), ...over };
  return signSurveyToken(surveyKey(secret), sale);
}

async function call(method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`${t.hq.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

const answer = (token: string, score: number, comment?: string, cookie?: string) =>
  call('POST', '/v1/me/survey', { token, score, ...(comment === undefined ? {} : { comment }) }, cookie);

async function signIn(phone: string): Promise<string> {
  const after = messagesIn(t.dataDir).length;
  expect((await call('POST', '/v1/me/otp', { phone })).status).toBe(202);
  const code = await codeSentTo(t.dataDir, phone, { after });
  const res = await fetch(`${t.hq.url}/v1/me/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, code }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe('receipt survey answers', () => {
  it('an anonymous sale is answered once; a second answer is refused with a clear code', async () => {
    const token = await tokenOf(A, 'POS-1');
    const before = await call('GET', `/v1/me/survey?s=${token}`);
    expect(before).toEqual({
      status: 200,
      body: { storeId: 'S1', storeName: null, saleDay: await today(), answered: false, signedIn: false },
    });
    const first = await answer(token, 9, '  收银员很耐心  ');
    expect(first).toEqual({
      status: 201,
      body: { answered: true, storeId: 'S1', saleDay: await today(), memberLinked: false },
    });
    const again = await answer(token, 2, '再试一次');
    expect({ status: again.status, code: again.body.error.code }).toEqual({
      status: 409,
      code: 'survey_already_answered',
    });
    expect((await call('GET', `/v1/me/survey?s=${token}`)).body.answered).toBe(true);
    const rows = await t.sql<{ score: number; member_no: string | null; comment_enc: Buffer }>(
      'SELECT score, member_no, comment_enc FROM survey_answers',
    );
    expect(rows.map((r) => [Number(r.score), r.member_no])).toEqual([[9, null]]);
    // Encrypted at rest, like feedback's words.
    expect(Buffer.from(rows[0]?.comment_enc ?? []).includes(Buffer.from('耐心'))).toBe(false);
  });

  it("is tied to the sale's member once head office has the sale, and to a signed-in member", async () => {
    A.enrol('M1', at(0), { name: '王小明', phone: '13900002222', consentMarketing: true });
    const sale = A.sale('M1', 20_000, at(1));
    A.enrol('M2', at(2), { name: '李雷', phone: '13900003333', consentMarketing: false });
    await uploadAll(t, A, 10);
    expect((await answer(await tokenOf(A, sale.saleId), 10)).body.memberLinked).toBe(true);
    const cookie = await signIn('13900003333');
    const token = await tokenOf(B, 'POS-ANON');
    expect((await call('GET', `/v1/me/survey?s=${token}`, undefined, cookie)).body.signedIn).toBe(true);
    expect((await answer(token, 6, '排队太久', cookie)).body.memberLinked).toBe(true);
    const rows = await t.sql<{ sale_id: string; member_no: string; store_id: string }>(
      'SELECT sale_id, member_no, store_id FROM survey_answers ORDER BY sale_id',
    );
    expect(rows).toEqual([
      { sale_id: sale.saleId, member_no: 'M1', store_id: 'S1' },
      { sale_id: 'POS-ANON', member_no: 'M2', store_id: 'S2' },
    ]);

    // The member's export lists the answer with its words; erasure deletes it.
    const exported = await operator(t, 'POST', '/v1/members/M2/export', WHO);
    expect(exported.status).toBe(200);
    expect(exported.body.surveyAnswers).toEqual([
      expect.objectContaining({ tillId: 'B', saleId: 'POS-ANON', storeId: 'S2', score: 6, comment: '排队太久' }),
    ]);
    expect((await operator(t, 'POST', '/v1/members/M2/erase', WHO)).status).toBe(200);
    expect(await t.sql('SELECT sale_id FROM survey_answers WHERE member_no = ?', 'M2')).toEqual([]);
    expect((await operator(t, 'POST', '/v1/members/M1/export', WHO)).body.surveyAnswers).toHaveLength(1);
  });

  it('refuses forged, moved, malformed, foreign-store and old tokens with typed errors, keeping nothing', async () => {
    const code = async (token: string) => {
      const r = await answer(token, 10);
      return `${r.status} ${r.body.error?.code as string}`;
    };
    expect(await code(await tokenOf(A, 'POS-2', {}, 'not-the-secret'))).toBe('403 survey_token_forged');
    // A's genuine signature over a payload moved to another sale.
    const genuine = await tokenOf(A, 'POS-2');
    const moved = `${Buffer.from(['LS1', 'S1', 'A', 'POS-3', await today()].join('\n')).toString('base64url')}.${
      genuine.split('.')[1] ?? ''
    }`;
    expect(await code(moved)).toBe('403 survey_token_forged');
    expect(await code(await tokenOf(A, 'POS-2', { tillId: 'NOPE' }))).toBe('403 survey_token_forged');
    expect(await code(await tokenOf(A, 'POS-2', { storeId: 'S2' }))).toBe('403 survey_wrong_store');
    expect(await code(await tokenOf(A, 'POS-2', { day: addDays(await today(), -31) }))).toBe(
      '410 survey_token_expired',
    );
    expect(await code('not-a-token')).toBe('400 survey_token_malformed');
    expect((await call('GET', '/v1/me/survey?s=x.y')).body.error.code).toBe('survey_token_malformed');
    expect((await call('GET', '/v1/me/survey')).body.error.code).toBe('survey_token_malformed');
    const bad = await call('POST', '/v1/me/survey', { token: genuine, score: 11 });
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: 'invalid_request' });
    expect((await call('POST', '/v1/me/survey', { token: genuine, score: 5, extra: 1 })).status).toBe(400);
    expect(await t.sql('SELECT id FROM survey_answers')).toEqual([]);
    // The genuine token still answers.
    expect((await answer(genuine, 8)).status).toBe(201);
  });

  it('GET /v1/reports/nps: NPS per store and week beside complaints, the formula on the answer', async () => {
    const day = await today();
    const scores: [TillSim, number][] = [
      [A, 10],
      [A, 9],
      [A, 3],
      [B, 7],
    ];
    let n = 0;
    for (const [till, score] of scores) expect((await answer(await tokenOf(till, `P-${++n}`), score)).status).toBe(201);
    const old = addDays(day, -14);
    expect((await answer(await tokenOf(A, 'P-OLD', { day: old }), 0)).status).toBe(201);
    const complaint = {
      feedbackId: 'fb-1',
      kind: 'complaint' as const,
      category: 'service' as const,
      text: '态度不好',
      memberNo: null,
      followUp: false,
      staffId: null,
      recordedAt: new Date().toISOString(),
    };
    const batch = { tillId: 'A', storeId: 'S1', firstSeq: 1, lastSeq: 0, prevHash: GENESIS_HASH, entries: [] };
    expect((await upload(t, A, { ...batch, feedback: [complaint] })).status).toBe(200);
    await t.hq.store.settle();

    const r = await operator(t, 'GET', `/v1/reports/nps?from=${addDays(day, -20)}&to=${day}`);
    expect(r.status).toBe(200);
    expect(r.body.formula.zh).toContain('推荐者');
    expect(r.body.chain).toEqual({ answers: 5, promoters: 2, passives: 1, detractors: 2, nps: 0 });
    const s1 = r.body.stores.find((s: { storeId: string }) => s.storeId === 'S1');
    const s2 = r.body.stores.find((s: { storeId: string }) => s.storeId === 'S2');
    // S1: 10, 9, 3 this week and 0 two weeks ago: (2 - 2) / 4 = 0; S2: one passive = 0.
    expect(s1).toMatchObject({ answers: 4, promoters: 2, detractors: 2, nps: 0, complaints: 1, suggestions: 0 });
    expect(s2).toMatchObject({ answers: 1, passives: 1, nps: 0, complaints: 0 });
    const weekS1 = r.body.weeks.filter((w: { storeId: string | null }) => w.storeId === 'S1');
    expect(weekS1.map((w: { nps: number }) => w.nps)).toEqual([-100, 33.3]);
    expect(r.body.weeks.filter((w: { storeId: string | null }) => w.storeId === null)).toHaveLength(2);

    // The summary report carries NPS over every answer, beside its complaint counts.
    const summary = await operator(t, 'GET', '/v1/reports/summary');
    expect(summary.body.nps).toEqual({ answers: 5, promoters: 2, passives: 1, detractors: 2, nps: 0 });
    expect(summary.body.feedback.complaints.open).toBe(1);

    // Only this week, one store.
    const narrow = await operator(t, 'GET', `/v1/reports/nps?from=${addDays(day, -1)}&to=${day}&store=S1`);
    expect(narrow.body.stores).toEqual([expect.objectContaining({ storeId: 'S1', answers: 3, nps: 33.3 })]);
    expect((await operator(t, 'GET', '/v1/reports/nps?from=2026-13-01&to=2026-12-01')).body.error.code).toBe(
      'bad_query',
    );
    expect((await call('GET', `/v1/reports/nps?from=${day}&to=${day}`)).status).toBe(401);
  });
});
