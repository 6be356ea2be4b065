/**
 * A proleptic Gregorian calendar of its own (Howard Hinnant's days_from_civil and civil_from_days),
 * for tests that check core/time.ts and the code built on it against references that share none
 * of its arithmetic (no Date, no Intl).
 */

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Days since 1970-01-01 of a YYYY-MM-DD. */
export function dayNumber(date: string): number {
  const [y0, m, d] = date.split('-').map(Number) as [number, number, number];
  const y = y0 - (m <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The YYYY-MM-DD of a day number (days since 1970-01-01). */
export function dateOfDayNumber(n: number): string {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return `${pad(era * 400 + yoe + (m <= 2 ? 1 : 0), 4)}-${pad(m)}-${pad(d)}`;
}
