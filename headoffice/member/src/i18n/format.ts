/**
 * Numbers, money, dates and waits as the member reads them, through Intl in the page's
 * language. English uses British conventions (20 Mar 2026), as the till's English does
 * (renderer/src/lib/format.ts). Money is the store's currency in both languages: yuan with ¥.
 */
import type { Lang } from '../../../../core/i18n.js';

/** The Intl locale of a page language. */
const locale = (lang: Lang): string => (lang === 'en' ? 'en-GB' : 'zh-CN');

export function num(lang: Lang, n: number): string {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** Fen as yuan: "¥350", or "¥350.50" when there are jiao or fen. */
export function money(lang: Lang, fen: number): string {
  const digits = fen % 100 === 0 ? 0 : 2;
  return new Intl.NumberFormat(locale(lang), {
    style: 'currency',
    currency: 'CNY',
    // "CN¥" is what English would print otherwise; the member only ever pays in yuan.
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(fen / 100);
}

/**
 * A calendar date head office sends as YYYY-MM-DD (already the programme's local date):
 * "2026年3月20日" / "20 Mar 2026". Formatted at UTC midnight so no phone's zone moves it a day.
 */
export function day(lang: Lang, date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale(lang), { timeZone: 'UTC', dateStyle: 'medium' }).format(d);
}

/** An instant in the phone's own zone (the member's, wherever they are), 24-hour clock. */
export function dateTime(lang: Lang, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), {
    year: 'numeric',
    month: lang === 'en' ? 'short' : 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

/**
 * A wait before asking again (a 429's `retryAfterSeconds`): seconds under two minutes, else
 * minutes, past two hours hours, rounded up so the member never tries too early. Without a
 * usable number, a minute.
 */
export function wait(lang: Lang, seconds: unknown): string {
  const s = typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 60;
  const [value, unit] =
    s < 120 ? [s, 'second'] : s < 7200 ? [Math.ceil(s / 60), 'minute'] : [Math.ceil(s / 3600), 'hour'];
  return new Intl.NumberFormat(locale(lang), { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
