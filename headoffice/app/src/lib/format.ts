/**
 * Numbers, money and times as the programme team reads them. Times are shown in the
 * programme's zone (Asia/Shanghai unless head office says otherwise), whatever zone the
 * browser is in; money is fen shown as yuan.
 */
import type { Lang } from '../i18n/index.js';

export const DEFAULT_ZONE = 'Asia/Shanghai';

export function num(lang: Lang, n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : new Intl.NumberFormat(lang).format(n);
}

export function pct(lang: Lang, n: number | null | undefined): string {
  return n === null || n === undefined
    ? '—'
    : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(n);
}

/** +12.5 % / −3 %: a change against the previous period. */
export function signedPct(lang: Lang, n: number | null): string {
  if (n === null) return '—';
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(
    n,
  );
}

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  return new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(fen / 100);
}

/** An instant as local date and time in `zone`: 2026-03-01 10:00. */
export function when(iso: string | null | undefined, zone: string = DEFAULT_ZONE): string {
  if (!iso) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** Today's date in `zone` (YYYY-MM-DD). */
export function todayIn(zone: string = DEFAULT_ZONE, now: Date = new Date()): string {
  return when(now.toISOString(), zone).slice(0, 10);
}
