/** The receipt prints what a campaign offer gave (the breakdown names it) and what is still open (docs/campaigns.md). */
import { describe, expect, it } from 'vitest';
import { PAPER } from '../../native/printers/config.js';
import { decodeEscPos } from './escpos-decode.js';
import { sampleModel } from './fixtures.js';
import type { ReceiptModel } from './model.js';
import { renderEscPos } from './render.js';
import { displayWidth } from './text.js';

const squash = (s: string): string => s.replace(/\s+/g, '');

describe('campaign offers on the receipt', () => {
  const base = sampleModel();
  const m: ReceiptModel = {
    ...base,
    earn: base.earn && {
      ...base.earn,
      breakdown: { zh: '基础 100，双倍积分 ×2 = 200', en: 'base 100, double points ×2 = 200' },
    },
    offers: { zh: '双倍积分 ×2，还剩 3 天', en: 'double points ×2, 3 days left' },
  };

  for (const width of [58, 80] as const) {
    it(`prints what applied and what is open, ${width} mm, both languages`, () => {
      const zh = decodeEscPos(renderEscPos(m, { width, lang: 'zh-CN' }));
      expect(squash(zh.lines.join(''))).toContain('双倍积分×2=200');
      expect(squash(zh.lines.join(''))).toContain('您的专属优惠双倍积分×2，还剩3天');
      const en = decodeEscPos(renderEscPos(m, { width, lang: 'en' }));
      expect(squash(en.lines.join(''))).toContain(squash('Your offers double points ×2, 3 days left'));
      for (const l of [...zh.lines, ...en.lines]) expect(displayWidth(l)).toBeLessThanOrEqual(PAPER[width].columns);
    });
  }

  it('prints no offers heading without offers', () => {
    const zh = decodeEscPos(renderEscPos(base, { width: 80, lang: 'zh-CN' }));
    expect(zh.lines.join('')).not.toContain('您的专属优惠');
  });
});
