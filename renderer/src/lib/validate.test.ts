import { describe, expect, it } from 'vitest';
import { dictionary, translate } from '../i18n/index.js';
import { en } from '../i18n/en.js';
import { zh } from '../i18n/zh.js';
import { dateTime, localDay, money, parseYuan } from './format.js';
import {
  checkAmount,
  checkBirthday,
  checkPhone,
  checkQuantity,
  checkRedeemPoints,
  classifyLookup,
} from './validate.js';

describe('form checks', () => {
  it('phones: the till normalisation, a clear message otherwise', () => {
    expect(checkPhone('+86 138-1234-5678')).toEqual({ ok: true, value: '13812345678' });
    expect(checkPhone('12345')).toEqual({ ok: false, error: 'field.phone' });
    expect(checkPhone(' ')).toEqual({ ok: false, error: 'field.required' });
  });

  it('amounts in yuan become exact fen', () => {
    expect(parseYuan('12.5')).toBe(1250);
    expect(parseYuan('0.07')).toBe(7);
    expect(parseYuan('19.99')).toBe(1999);
    expect(checkAmount('abc')).toEqual({ ok: false, error: 'field.amount' });
    expect(checkAmount('1.234')).toEqual({ ok: false, error: 'field.amount' });
    expect(checkAmount('0')).toEqual({ ok: false, error: 'field.amountPositive' });
  });

  it('redeemed points follow the programme', () => {
    const rule = { min: 100, step: 100, max: 500 };
    expect(checkRedeemPoints('', rule)).toEqual({ ok: true, value: 0 });
    expect(checkRedeemPoints('300', rule)).toEqual({ ok: true, value: 300 });
    expect(checkRedeemPoints('150', rule)).toMatchObject({ ok: false, error: 'field.pointsStep' });
    expect(checkRedeemPoints('600', rule)).toMatchObject({ ok: false, error: 'field.pointsMax' });
    expect(checkRedeemPoints('1e3', rule)).toMatchObject({ ok: false, error: 'field.points' });
  });

  it('birthdays, quantities and the identify box', () => {
    expect(checkBirthday('')).toEqual({ ok: true, value: null });
    expect(checkBirthday('1990-05-17')).toEqual({ ok: true, value: '05-17' });
    expect(checkBirthday('13-01')).toMatchObject({ ok: false });
    expect(checkQuantity('1.5', 2)).toEqual({ ok: true, value: 1.5 });
    expect(checkQuantity('3', 2)).toMatchObject({ ok: false });
    expect(classifyLookup('138 1234 5678')).toEqual({ ok: true, value: { phone: '13812345678' } });
    expect(classifyLookup('2183490000014')).toEqual({ ok: true, value: { code: '2183490000014' } });
  });
});

describe('languages and formats', () => {
  it('both dictionaries have the same keys and no empty message', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const [k, v] of Object.entries(dictionary(lang))) expect(v.trim(), `${lang} ${k}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) expect(names(en[k]), k).toEqual(names(zh[k]));
  });

  it('fills placeholders', () => {
    expect(translate('zh-CN', 'member.class', { class: 'A' })).toBe('A类会员');
    expect(translate('en', 'member.class', { class: 'A' })).toBe('Class A');
  });

  it('money is ¥ in both languages; dates are in the store zone', () => {
    expect(money(123456)).toBe('¥1,234.56');
    expect(money(5)).toBe('¥0.05');
    // 2026-11-22T16:30Z is 00:30 on the 23rd in Shanghai.
    expect(dateTime('2026-11-22T16:30:00Z', 'Asia/Shanghai', 'zh-CN')).toBe('2026/11/23 00:30');
    expect(dateTime('2026-11-22T16:30:00Z', 'Asia/Shanghai', 'en')).toBe('23 Nov 2026, 00:30');
    expect(localDay('2026-12-31', 'zh-CN')).toBe('2026年12月31日');
  });
});
