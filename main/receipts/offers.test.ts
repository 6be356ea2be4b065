/** The receipt prints what a campaign offer gave (the breakdown names it) and what is still open (docs/campaigns.md). */
import { describe, expect, it } from 'vitest';
import { PAPER } from '../../native/printers/config.js';
import { decodeEscPos } from './escpos-decode.js';
import { sampleModel } from './fixtures.js';
import type { ReceiptModel } from './model.js';
import { renderEscPos } from './render.js';
import { displayWidth } from './text.js';

// The printer's code page has the full-width yen sign only.
const squash = (s: string): string => s.replace(/\s+/g, '').replace(/￥/g, '¥');

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

  // Each offer kind in the line the till builds (core/campaigns.ts offersLine), and a bonus in the breakdown.
  const kinds: ReceiptModel = {
    ...base,
    earn: base.earn && {
      ...base.earn,
      breakdown: { zh: '基础 200 = 200；满200送300 +300', en: 'base 200 = 200; spend 200 get 300 +300' },
    },
    offers: {
      zh: '回馈券 ¥20.00券 CP0123456789AB，还剩 14 天；洗车礼 免费car-wash，还剩 7 天；周末 满¥100.00加送50分，还剩 2 天',
      en: 'thank-you coupon ¥20.00 coupon CP0123456789AB, 14 days left; car wash gift free car-wash, 7 days left; weekend spend ¥100.00, get 50 bonus points, 2 days left',
    },
  };

  for (const width of [58, 80] as const) {
    it(`prints a bonus that applied and open coupon, service and bonus offers, ${width} mm, both languages`, () => {
      const zh = squash(decodeEscPos(renderEscPos(kinds, { width, lang: 'zh-CN' })).lines.join(''));
      expect(zh).toContain('满200送300+300');
      expect(zh).toContain(squash('回馈券 ¥20.00券 CP0123456789AB，还剩 14 天'));
      expect(zh).toContain(squash('洗车礼 免费car-wash，还剩 7 天'));
      expect(zh).toContain(squash('周末 满¥100.00加送50分，还剩 2 天'));
      const enLines = decodeEscPos(renderEscPos(kinds, { width, lang: 'en' })).lines;
      const en = squash(enLines.join(''));
      expect(en).toContain(squash('spend 200 get 300 +300'));
      expect(en).toContain(squash('thank-you coupon ¥20.00 coupon CP0123456789AB, 14 days left'));
      expect(en).toContain(squash('weekend spend ¥100.00, get 50 bonus points, 2 days left'));
      for (const l of enLines) expect(displayWidth(l)).toBeLessThanOrEqual(PAPER[width].columns);
    });
  }

  it('prints no offers heading without offers', () => {
    const zh = decodeEscPos(renderEscPos(base, { width: 80, lang: 'zh-CN' }));
    expect(zh.lines.join('')).not.toContain('您的专属优惠');
  });
});
