/**
 * What a rule-set change does to a sample basket, before it is published (issue 14): for each
 * tier, the points the same baskets earn under the rule set in force and under the new one. The
 * same engine the tills run (core/engine/earn.ts), so the preview is what members will get.
 */
import { computeEarn } from '../../core/engine/earn.js';
import type { RuleSet } from '../../core/ruleset/schema.js';

export interface PreviewLine {
  tier: string;
  basket: string;
  before: number | null;
  after: number | null;
}

/** ¥100 of groceries, and ¥100 of groceries with ¥50 of tobacco: an earning and an excluded line. */
const SAMPLES: {
  name: string;
  lines: { sku: string; category: string; quantity: number; unitPrice: number; discount: number }[];
}[] = [
  { name: 'grocery ¥100', lines: [{ sku: 'g', category: 'grocery', quantity: 1, unitPrice: 10_000, discount: 0 }] },
  {
    name: 'grocery ¥100 + tobacco ¥50',
    lines: [
      { sku: 'g', category: 'grocery', quantity: 1, unitPrice: 10_000, discount: 0 },
      { sku: 't', category: 'tobacco', quantity: 1, unitPrice: 5_000, discount: 0 },
    ],
  },
];

function pointsFor(rs: RuleSet, tier: string, lines: (typeof SAMPLES)[number]['lines'], at: string): number | null {
  if (!rs.tiers.some((t) => t.code === tier)) return null;
  const member = {
    memberNo: 'preview',
    tier,
    birthday: null,
    winBackUntil: null,
    earnedToday: 0,
    stamps: 0,
    birthdayGiftYear: null,
  };
  return computeEarn(rs, { lines, basketDiscount: 0, pointsRedeemed: 0, occurredAt: at, member }).points;
}

export function previewRuleChange(before: RuleSet, after: RuleSet, at: string): PreviewLine[] {
  const tiers = [...new Set([...before.tiers, ...after.tiers].map((t) => t.code))];
  const out: PreviewLine[] = [];
  for (const tier of tiers) {
    for (const s of SAMPLES) {
      out.push({
        tier,
        basket: s.name,
        before: pointsFor(before, tier, s.lines, at),
        after: pointsFor(after, tier, s.lines, at),
      });
    }
  }
  return out;
}

export function previewText(lines: readonly PreviewLine[]): string {
  const n = (v: number | null): string => (v === null ? '-' : String(v));
  return lines
    .map((l) => `  ${l.tier.padEnd(10)} ${l.basket.padEnd(28)} ${n(l.before)} -> ${n(l.after)} points`)
    .join('\n');
}
