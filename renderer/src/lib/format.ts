/**
 * Money, points and dates as the cashier reads them. Amounts are always yuan with ¥ in the
 * zh-CN currency format (both languages: the currency is the store's); dates and times are in
 * the store's time zone (rule set `timeZone`), whatever the till's own clock zone is.
 */
import type { Lang } from '../i18n/index.js';

const MONEY = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' });

/** 123456 fen -> "¥1,234.56" */
export function money(fen: number): string {
  return MONEY.format(fen / 100);
}

export function points(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-GB').format(n);
}

/** An instant in the store's zone: "2026/11/23 10:15" / "23 Nov 2026, 10:15". */
export function dateTime(iso: string, timeZone: string, lang: Lang): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: lang === 'zh-CN' ? '2-digit' : 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

/** A local calendar date ("2026-11-23", already in the store's zone) for display. */
export function localDay(date: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', {
    timeZone: 'UTC',
    year: 'numeric',
    month: lang === 'zh-CN' ? 'long' : 'short',
    day: 'numeric',
  }).format(d);
}

/** A local date without its year, as a limited reward's last day reads: "12月31日" / "31 Dec". */
export function monthDay(date: string, lang: Lang): string {
  const m = /^\d{4}-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (lang === 'zh-CN') return `${month}月${day}日`;
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${day} ${names[month - 1] ?? ''}`;
}

/** "12.5" / "12.50" / "12" -> fen; null for anything else (no floats involved). */
export function parseYuan(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const cents = (m[2] ?? '').padEnd(2, '0');
  return Number(m[1]) * 100 + Number(cents);
}
