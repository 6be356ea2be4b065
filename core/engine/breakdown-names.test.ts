/** Issue 14: the breakdown a cashier reads out names categories in the member's language. */
import { describe, expect, it } from 'vitest';
import { computeEarn } from './earn.js';
import { line, ruleSet, sale } from './test-fixtures.js';

describe('breakdown text: category names, no zero lines', () => {
  it('names excluded and multiplied categories by their display names, not their codes', () => {
    const rs = ruleSet({
      earn: { excludedCategories: ['tobacco', 'alcohol'], categoryMultipliers: { 'own-brand': '2' } },
      categoryNames: { 'own-brand': { zh: '自有品牌', en: 'own brand' } },
    });
    const r = computeEarn(
      rs,
      sale({ lines: [line('a', 'own-brand', 1000), line('b', 'tobacco', 3000), line('c', 'alcohol', 2000)] }),
    );
    expect(r.breakdownText.zh).toBe('基础 10，不积分 ¥50.00（烟草/酒类），自有品牌 ×2 = 20');
    expect(r.breakdownText.en).toBe('base 10, excluded ¥50.00 (tobacco/alcohol), own brand ×2 = 20');
  });

  it('says nothing about excluded goods that cost nothing', () => {
    const r = computeEarn(
      ruleSet(),
      sale({ lines: [line('a', 'food', 1200), line('free-cigs', 'tobacco', 3000, 1, 3000)] }),
    );
    expect(r.breakdownText.zh).toBe('基础 12 = 12');
    expect(r.breakdown.some((i) => i.kind === 'excluded')).toBe(false);
  });
});
