import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSurveyToken,
  signSurveyToken,
  surveyKey,
  surveyUrl,
  verifySurveyToken,
  type SurveySale,
} from './token.js';

const secret = 'a'.repeat(64);
const key = surveyKey(secret);
const otherKey = surveyKey('b'.repeat(64));
const sale: SurveySale = { storeId: 'S1', tillId: 'S1-T1', saleId: 'R-2026-0001', day: '2026-12-05' };
const at = { storeId: 'S1', today: '2026-12-05' };

/** A token with its payload replaced but the original signature kept: what a forger can make. */
function swapped(token: string, change: Partial<SurveySale>): string {
  const s = { ...sale, ...change };
  const body = ['LS1', s.storeId, s.tillId, s.saleId, s.day].join('\n');
  return `${Buffer.from(body).toString('base64url')}.${token.split('.')[1] ?? ''}`;
}

describe('survey token', () => {
  it('is base64url(LS1\\nstore\\ntill\\nsale\\nday) . 22 chars of HMAC under HKDF(secret, till-survey-token-v1)', () => {
    const token = signSurveyToken(key, sale);
    const body = 'LS1\nS1\nS1-T1\nR-2026-0001\n2026-12-05';
    const k = Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'till-survey-token-v1', 32));
    const sig = createHmac('sha256', k).update(body).digest().subarray(0, 16).toString('base64url');
    expect(token).toBe(`${Buffer.from(body).toString('base64url')}.${sig}`);
    expect(verifySurveyToken(key, token, at)).toEqual({ ok: true, sale });
  });

  it('refuses a forged token: another till key, made-up signature, unknown till', () => {
    const token = signSurveyToken(key, sale);
    expect(verifySurveyToken(otherKey, token, at)).toMatchObject({ ok: false, code: 'survey_token_forged' });
    const made = `${token.split('.')[0]}.${'A'.repeat(22)}`;
    expect(verifySurveyToken(key, made, at)).toMatchObject({ ok: false, code: 'survey_token_forged' });
    expect(verifySurveyToken(null, token, at)).toMatchObject({ ok: false, code: 'survey_token_forged' });
  });

  it('cannot be moved to another sale, till, store or day (the signature covers them)', () => {
    const token = signSurveyToken(key, sale);
    for (const change of [{ saleId: 'R-2026-0002' }, { tillId: 'S1-T2' }, { storeId: 'S2' }, { day: '2026-12-04' }]) {
      const moved = swapped(token, change);
      expect(parseSurveyToken(moved).ok).toBe(true);
      expect(verifySurveyToken(key, moved, { ...at, storeId: change.storeId ?? 'S1' })).toMatchObject({
        ok: false,
        code: 'survey_token_forged',
      });
    }
  });

  it('reused, a token only ever names its own sale: the same sale gives the same token (head office keeps one answer per sale)', () => {
    const token = signSurveyToken(key, sale);
    expect(signSurveyToken(key, sale)).toBe(token);
    expect(verifySurveyToken(key, token, at)).toEqual(verifySurveyToken(key, token, at));
    expect(signSurveyToken(key, { ...sale, saleId: 'R-2026-0002' })).not.toBe(token);
  });

  it('refuses a genuine token of a till head office has in another store', () => {
    const token = signSurveyToken(key, sale);
    expect(verifySurveyToken(key, token, { ...at, storeId: 'S9' })).toMatchObject({ code: 'survey_wrong_store' });
  });

  it('works for 30 days after the sale, and not for a day ahead of tomorrow', () => {
    const token = signSurveyToken(key, sale);
    expect(verifySurveyToken(key, token, { ...at, today: '2027-01-04' }).ok).toBe(true);
    expect(verifySurveyToken(key, token, { ...at, today: '2027-01-05' })).toMatchObject({
      code: 'survey_token_expired',
    });
    expect(verifySurveyToken(key, token, { ...at, today: '2026-12-04' }).ok).toBe(true);
    expect(verifySurveyToken(key, token, { ...at, today: '2026-12-03' })).toMatchObject({
      code: 'survey_token_expired',
    });
  });

  it('calls anything else malformed, never throwing', () => {
    const token = signSurveyToken(key, sale);
    const bad: unknown[] = [
      undefined,
      42,
      '',
      'x',
      `${token}.x`,
      token.replace('.', ''),
      `${token}A`,
      `${token.split('.')[0]}=.${token.split('.')[1]}`,
      `${Buffer.from('LS2\nS1\nT\nR\n2026-12-05').toString('base64url')}.${'A'.repeat(22)}`,
      `${Buffer.from('LS1\nS1\nT\nR\n2026-13-05').toString('base64url')}.${'A'.repeat(22)}`,
      `${Buffer.from('LS1\nS1\nT\nR 1\n2026-12-05').toString('base64url')}.${'A'.repeat(22)}`,
      `${Buffer.from('LS1\nS1\nT\nR').toString('base64url')}.${'A'.repeat(22)}`,
      'A'.repeat(1000),
    ];
    for (const b of bad) {
      expect(verifySurveyToken(key, b, at)).toMatchObject({ ok: false, code: 'survey_token_malformed' });
    }
  });

  it('property: any text is malformed, forged or the signed sale, never a throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const r = verifySurveyToken(key, text, at);
        expect(r.ok ? 'ok' : r.code).toMatch(
          /^(survey_token_malformed|survey_token_forged|survey_wrong_store|survey_token_expired)$/,
        );
      }),
    );
  });

  it('property: every sale the format carries round-trips and no field can be changed', () => {
    const place = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);
    const saleId = fc.stringMatching(/^[\w.:/-]{1,64}$/);
    fc.assert(
      fc.property(place, place, saleId, saleId, (storeId, tillId, a, b) => {
        const s = { storeId, tillId, saleId: a, day: '2026-12-05' };
        const token = signSurveyToken(key, s);
        expect(verifySurveyToken(key, token, { storeId, today: '2026-12-06' })).toEqual({ ok: true, sale: s });
        if (a !== b) {
          const body = ['LS1', storeId, tillId, b, s.day].join('\n');
          const moved = `${Buffer.from(body).toString('base64url')}.${token.split('.')[1] ?? ''}`;
          expect(verifySurveyToken(key, moved, { storeId, today: '2026-12-06' })).toMatchObject({
            code: 'survey_token_forged',
          });
        }
      }),
    );
  });

  it('signing refuses fields the format cannot carry', () => {
    expect(() => signSurveyToken(key, { ...sale, saleId: 'R 1' })).toThrow(RangeError);
    expect(() => signSurveyToken(key, { ...sale, tillId: 'T\n1' })).toThrow(RangeError);
    expect(() => signSurveyToken(key, { ...sale, day: '2026-02-30' })).toThrow(RangeError);
    expect(() => surveyKey('')).toThrow(RangeError);
  });

  it('rides in the member page URL as ?s=', () => {
    const token = signSurveyToken(key, sale);
    expect(surveyUrl('https://hq.example.cn/m/', token)).toBe(`https://hq.example.cn/m/?s=${token}`);
  });
});
