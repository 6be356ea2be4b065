/**
 * The per-rule explanation a cashier reads out when a member asks "why only 371 points?".
 * Display only: the points themselves come from one exact formula in earn.ts, so the
 * rounded 'base' figure here may not multiply out to the total to the last point.
 */
import { formatMilli, toSafeNumber } from '../decimal.js';
import { formatYuan } from '../money.js';
import type { LocalisedText } from '../ruleset/names.js';
import type { TierDef } from '../ruleset/schema.js';
import type { ActivePromotion } from './promotions.js';
import type { BreakdownItem, FixedBonus, LineResult } from './types.js';

export interface BreakdownInput {
  lines: readonly LineResult[];
  eligibleSpend: number;
  baseRateMilli: bigint;
  redemptionValue: number;
  tier: TierDef;
  tierMilli: bigint;
  /** promotions that multiply at least one eligible line, in contest order */
  promotions: readonly ActivePromotion[];
  pointsBeforeCaps: number;
  caps: readonly { cap: 'perTransaction' | 'daily'; limit: number; withheld: number }[];
  points: number;
  bonuses: readonly FixedBonus[];
  stamp: { stamps: number; of: number } | null;
  /** display names of category codes (core/ruleset/names.ts): the text is read to members */
  categoryName: (code: string) => LocalisedText;
}

function bonusText(b: FixedBonus): { zh: string; en: string } {
  switch (b.bonus) {
    case 'birthday':
      return { zh: '生日礼', en: 'birthday gift' };
    case 'stamp':
      return { zh: '集点奖励', en: 'stamp reward' };
    case 'campaign':
      // The offer's own name ("满¥200加送300分"), read to the member as the cashier sees it.
      return b.name ?? { zh: '活动奖励', en: 'campaign bonus' };
    default: {
      const never: never = b.bonus;
      throw new Error(`unknown bonus ${String(never)}`);
    }
  }
}

const times = (milli: bigint | number): string => `×${formatMilli(BigInt(milli))}`;

export function buildBreakdown(b: BreakdownInput): { items: BreakdownItem[]; text: { zh: string; en: string } } {
  const items: BreakdownItem[] = [];
  const en: string[] = [];
  const zh: string[] = [];

  const basePoints = toSafeNumber((BigInt(b.eligibleSpend) * b.baseRateMilli) / 100_000n);
  items.push({
    kind: 'base',
    eligibleSpend: b.eligibleSpend,
    baseRateMilli: Number(b.baseRateMilli),
    points: basePoints,
  });
  en.push(`base ${basePoints}`);
  zh.push(`基础 ${basePoints}`);

  const names = (codes: readonly string[], lang: 'zh' | 'en'): string =>
    codes.map((c) => b.categoryName(c)[lang]).join('/');
  // Excluded goods worth nothing (fully discounted) change nothing: no "excluded ¥0.00" line.
  const excluded = b.lines.filter((l) => l.excluded && l.net > 0);
  if (excluded.length > 0) {
    const amount = excluded.reduce((a, l) => a + l.net, 0);
    const categories = [...new Set(excluded.map((l) => l.category))];
    items.push({ kind: 'excluded', amount, categories });
    en.push(`excluded ${formatYuan(amount)} (${names(categories, 'en')})`);
    zh.push(`不积分 ${formatYuan(amount)}（${names(categories, 'zh')}）`);
  }

  if (b.redemptionValue > 0) {
    items.push({ kind: 'pointsTender', amount: b.redemptionValue });
    en.push(`paid by points ${formatYuan(b.redemptionValue)}`);
    zh.push(`积分抵现 ${formatYuan(b.redemptionValue)}`);
  }

  // One item per category whose multiplier is not 1, in basket order.
  const categoryAmounts = new Map<string, { multiplierMilli: number; amount: number }>();
  for (const l of b.lines) {
    if (l.excluded || l.categoryMultiplierMilli === 1000) continue;
    const c = categoryAmounts.get(l.category) ?? { multiplierMilli: l.categoryMultiplierMilli, amount: 0 };
    c.amount += l.eligible;
    categoryAmounts.set(l.category, c);
  }
  for (const [category, c] of categoryAmounts) {
    items.push({ kind: 'category', category, ...c });
    en.push(`${b.categoryName(category).en} ${times(c.multiplierMilli)}`);
    zh.push(`${b.categoryName(category).zh} ${times(c.multiplierMilli)}`);
  }

  items.push({ kind: 'tier', tier: b.tier.code, multiplierMilli: Number(b.tierMilli) });
  // ×1 tiers are left out of the text: "Ordinary ×1" tells the cashier nothing.
  if (b.tierMilli !== 1000n) {
    en.push(`${b.tier.name.en} ${times(b.tierMilli)}`);
    zh.push(`${b.tier.name.zh} ${times(b.tierMilli)}`);
  }

  for (const p of b.promotions) {
    const categories = p.categories === null ? null : [...p.categories];
    items.push({ kind: 'promotion', promotionId: p.id, multiplierMilli: Number(p.multiplierMilli), categories });
    en.push(`${p.name.en} ${times(p.multiplierMilli)}${categories ? ` (${names(categories, 'en')})` : ''}`);
    zh.push(`${p.name.zh} ${times(p.multiplierMilli)}${categories ? `（${names(categories, 'zh')}）` : ''}`);
  }

  let enText = `${en.join(', ')} = ${b.pointsBeforeCaps}`;
  let zhText = `${zh.join('，')} = ${b.pointsBeforeCaps}`;

  for (const c of b.caps) {
    items.push({ kind: 'cap', ...c });
    enText += c.cap === 'daily' ? `; daily cap: ${c.withheld} withheld` : `; per-sale cap: ${c.withheld} withheld`;
    zhText += c.cap === 'daily' ? `；每日上限：扣除 ${c.withheld}` : `；单笔上限：扣除 ${c.withheld}`;
  }
  if (b.caps.length > 0) {
    enText += ` → ${b.points}`;
    zhText += ` → ${b.points}`;
  }

  for (const bonus of b.bonuses) {
    items.push({
      kind: 'bonus',
      bonus: bonus.bonus,
      points: bonus.points,
      ...(bonus.campaignId !== undefined ? { campaignId: bonus.campaignId } : {}),
    });
    const text = bonusText(bonus);
    enText += `; ${text.en} +${bonus.points}`;
    zhText += `；${text.zh} +${bonus.points}`;
  }

  if (b.stamp) {
    items.push({ kind: 'stamp', ...b.stamp });
    enText += `; stamp ${b.stamp.stamps}/${b.stamp.of}`;
    zhText += `；集点 ${b.stamp.stamps}/${b.stamp.of}`;
  }

  return { items, text: { en: enText, zh: zhText } };
}
