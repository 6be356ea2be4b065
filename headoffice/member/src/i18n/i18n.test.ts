/**
 * The member page's two languages: the same keys and placeholders in both, the language a
 * browser gets, head office's refusals (the 429 waits among them) in each, and formats.
 * The page itself in Chromium: headoffice/member-app.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api.js';
import { errorText } from '../errors.js';
import { en } from './en.js';
import { day, money, wait } from './format.js';
import { chooseLang, dictionary, translateCount } from './index.js';
import { zh } from './zh.js';

const refusal = (code: string, extra: Record<string, unknown> = {}): ApiError =>
  new ApiError(429, code, `server words for ${code}`, extra);

describe('member page dictionaries', () => {
  it('have the same keys in both languages and no empty message', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const [k, v] of Object.entries(dictionary(lang))) expect(v.trim(), `${lang} ${k}`).not.toBe('');
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) expect(names(en[k]), k).toEqual(names(zh[k]));
  });

  it('give every counted message both forms', () => {
    for (const k of Object.keys(zh)) {
      const stem = /^(.*)\.(one|other)$/.exec(k)?.[1];
      if (stem) expect(Object.keys(zh), k).toEqual(expect.arrayContaining([`${stem}.one`, `${stem}.other`]));
    }
    expect(translateCount('en', 'expiring.item', 1, { date: 'd' })).toBe('d: 1 point');
    expect(translateCount('en', 'expiring.item', 1200, { date: 'd' })).toBe('d: 1,200 points');
    expect(translateCount('zh-CN', 'expiring.item', 1, { date: 'd' })).toBe('d：1 积分');
  });
});

describe('the language a phone gets', () => {
  it('is zh-CN unless English comes before Chinese in the browser, and the saved choice wins', () => {
    expect(chooseLang(null, [])).toBe('zh-CN');
    expect(chooseLang(null, ['zh-CN', 'en-US'])).toBe('zh-CN');
    expect(chooseLang(null, ['zh-TW'])).toBe('zh-CN');
    expect(chooseLang(null, ['en-US', 'zh-CN'])).toBe('en');
    expect(chooseLang(null, ['EN'])).toBe('en');
    expect(chooseLang(null, ['fr-FR', 'en-GB'])).toBe('en');
    expect(chooseLang(null, ['fr-FR', 'de'])).toBe('zh-CN');
    expect(chooseLang('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(chooseLang('en', ['zh-CN'])).toBe('en');
    expect(chooseLang('fr', ['zh-CN'])).toBe('zh-CN');
  });
});

describe("head office's refusals in words", () => {
  it('say how long to wait after a 429: seconds, minutes or hours, rounded up', () => {
    expect(errorText('zh-CN', refusal('otp_rate_limited', { retryAfterSeconds: 42 }))).toBe(
      '请求太频繁，请 42秒钟后再试',
    );
    expect(errorText('en', refusal('otp_rate_limited', { retryAfterSeconds: 42 }))).toBe(
      'Too many requests. Please try again in 42 seconds.',
    );
    expect(errorText('en', refusal('otp_rate_limited', { retryAfterSeconds: 86_000 }))).toBe(
      'Too many requests. Please try again in 24 hours.',
    );
    expect(errorText('zh-CN', refusal('too_many_code_requests', { retryAfterSeconds: 1_790 }))).toBe(
      '此网络获取验证码次数过多，请 30分钟后再试，或换用其他网络',
    );
    expect(errorText('en', refusal('too_many_code_requests', { retryAfterSeconds: 1_790 }))).toBe(
      'Too many codes have been asked for from this network. Please try again in 30 minutes, or use another network.',
    );
    expect(errorText('en', refusal('too_many_code_requests', { retryAfterSeconds: 3_600 }))).toContain('60 minutes');
    expect(errorText('en', refusal('too_many_code_requests', { retryAfterSeconds: 7_201 }))).toContain('3 hours');
    // No usable wait from the server: a minute rather than nothing.
    expect(wait('en', undefined)).toBe('60 seconds');
  });

  it('name the tries left, the survey link and anything unforeseen in the language', () => {
    expect(errorText('en', refusal('wrong_code', { triesLeft: 1 }))).toBe(
      'That code is not right. You can try 1 more time.',
    );
    expect(errorText('en', refusal('wrong_code', { triesLeft: 3 }))).toContain('3 more times');
    expect(errorText('zh-CN', refusal('wrong_code', { triesLeft: 3 }))).toBe('验证码不正确，还可以再试 3 次');
    expect(errorText('en', refusal('survey_token_forged'))).toBe(errorText('en', refusal('survey_wrong_store')));
    expect(errorText('en', refusal('cross_origin'))).toBe('That did not work (cross_origin). Please try again later.');
    expect(errorText('zh-CN', new TypeError('Failed to fetch'))).toBe('网络错误，请稍后再试');
  });
});

describe('formats', () => {
  it('show yuan with ¥ in both languages and dates as each language writes them', () => {
    expect(money('zh-CN', 35_000)).toBe('¥350');
    expect(money('en', 35_050)).toBe('¥350.50');
    expect(money('en', 123_456_700)).toBe('¥1,234,567');
    expect(day('zh-CN', '2026-03-20')).toBe('2026年3月20日');
    expect(day('en', '2026-03-20')).toBe('20 Mar 2026');
    expect(day('en', 'soon')).toBe('soon');
  });
});
