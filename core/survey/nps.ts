/**
 * Net Promoter Score (issue 15 items 5 and 8): the receipt survey's "how likely are you to
 * recommend us" answers, 0-10.
 *
 *   promoters  = answers scoring 9 or 10
 *   passives   = answers scoring 7 or 8
 *   detractors = answers scoring 0 to 6
 *   NPS        = (promoters - detractors) / answers * 100, from -100 to +100
 *
 * The one rounding step: to one decimal, half away from zero, on the exact integer ratio
 * (no float sums). No answers: NPS is null, not 0 (nothing is known).
 *
 * Weeks start on Monday (ISO 8601, as Chinese retail reports them); a week is named by its
 * Monday's date. Without dependencies: the head-office app bundles it for the formula's text.
 */
export const NPS_FORMULA = {
  zh: 'NPS = (推荐者 9–10 分人数 − 贬损者 0–6 分人数) ÷ 回答总数 × 100',
  en: 'NPS = (promoters scoring 9–10 − detractors scoring 0–6) ÷ all answers × 100',
} as const;

export const SCORE_MIN = 0;
export const SCORE_MAX = 10;

export type ScoreGroup = 'promoter' | 'passive' | 'detractor';

export interface NpsTally {
  answers: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** -100..100 to one decimal; null without answers */
  nps: number | null;
}

export function isScore(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= SCORE_MIN && n <= SCORE_MAX;
}

export function scoreGroup(score: number): ScoreGroup {
  if (!isScore(score)) throw new RangeError(`a recommend score is an integer 0..10, not ${String(score)}`);
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** (p - d) * 100 / n to one decimal, half away from zero, computed on integers. */
export function npsValue(promoters: number, detractors: number, answers: number): number | null {
  if (answers === 0) return null;
  const tenthsTimesN = (promoters - detractors) * 1000; // tenths of a percent, times n
  const sign = tenthsTimesN < 0 ? -1 : 1;
  const abs = Math.abs(tenthsTimesN);
  const tenths = Math.floor((2 * abs + answers) / (2 * answers)); // round half up on |x|
  return (sign * tenths) / 10 || 0;
}

/** The tally of a list of scores. */
export function tally(scores: readonly number[]): NpsTally {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const s of scores) {
    const g = scoreGroup(s);
    switch (g) {
      case 'promoter':
        promoters++;
        break;
      case 'passive':
        passives++;
        break;
      case 'detractor':
        detractors++;
        break;
      default: {
        const never: never = g;
        throw new Error(`unknown score group ${String(never)}`);
      }
    }
  }
  return fromCounts(promoters, passives, detractors);
}

/** A tally from counts already grouped (e.g. by a database's CASE WHEN sums). */
export function fromCounts(promoters: number, passives: number, detractors: number): NpsTally {
  const answers = promoters + passives + detractors;
  return { answers, promoters, passives, detractors, nps: npsValue(promoters, detractors, answers) };
}

/** The Monday (YYYY-MM-DD) of the ISO week holding a local date. */
export function weekOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  const back = (t.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  t.setUTCDate(t.getUTCDate() - back);
  return t.toISOString().slice(0, 10);
}
