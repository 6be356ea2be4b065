/**
 * Local calendar arithmetic in the programme's time zone (DOMAIN.md 1). Intl is pure:
 * same instant + same zone = same date on every machine with the same tz database.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalDate {
  /** YYYY-MM-DD */
  date: string;
  year: number;
  month: number;
  day: number;
  /** ISO weekday, 1 = Monday ... 7 = Sunday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// Since 1972 every zone's offset is whole minutes and changes on a minute boundary, so a date
// computed for one minute holds for all of it. Before, some were not (Africa/Monrovia -0:44:30
// until January 1972, local mean times before about 1900): local midnight could fall inside a
// UTC minute, and those instants are computed one by one.
const dateCache = new Map<string, LocalDate>();
const WHOLE_MINUTE_OFFSETS_FROM = Date.UTC(1973, 0, 1);

export function localDate(instant: Date | string, timeZone: string): LocalDate {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (!(d.getTime() >= WHOLE_MINUTE_OFFSETS_FROM)) return computeLocalDate(d, timeZone);
  const key = `${timeZone}|${Math.floor(d.getTime() / 60_000)}`;
  const hit = dateCache.get(key);
  if (hit) return hit;
  const value = computeLocalDate(d, timeZone);
  if (dateCache.size > 10_000) dateCache.clear();
  dateCache.set(key, value);
  return value;
}

function computeLocalDate(d: Date, timeZone: string): LocalDate {
  const parts = formatter(timeZone).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const year = Number(get('year'));
  const month = Number(get('month'));
  const day = Number(get('day'));
  return {
    date: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    year,
    month,
    day,
    weekday: WEEKDAYS[get('weekday')] ?? 0,
  };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function ymd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Date arithmetic is pure and the reducer asks the same questions over and over (every entry
 * trims its member's windows relative to its own date), so answers are remembered. Bounded:
 * cleared when full, like the local date cache.
 */
const shiftCache = new Map<string, string>();

function remembered(key: string, compute: () => string): string {
  const hit = shiftCache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (shiftCache.size > 10_000) shiftCache.clear();
  shiftCache.set(key, value);
  return value;
}

/** Same day N months later, or that month's last day where it has none (DOMAIN.md 7). */
export function addMonthsClamped(date: string, months: number): string {
  return remembered(`${date}|m${months}`, () => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const total = y * 12 + (m - 1) + months;
    const ny = Math.floor(total / 12);
    const nm = (total % 12) + 1;
    return ymd(ny, nm, Math.min(d, daysInMonth(ny, nm)));
  });
}

export function addDays(date: string, days: number): string {
  return remembered(`${date}|d${days}`, () => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, d + days));
    return ymd(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  });
}

/** Whole days from a to b (b - a) for YYYY-MM-DD strings. */
export function daysBetween(a: string, b: string): number {
  const toUtc = (s: string): number => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((toUtc(b) - toUtc(a)) / 86_400_000);
}

/** The last local date of the calendar quarter containing `date`. */
export function endOfQuarter(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const qm = Math.ceil(m / 3) * 3;
  return ymd(y, qm, daysInMonth(y, qm));
}

export function endOfYear(date: string): string {
  return `${date.slice(0, 4)}-12-31`;
}
