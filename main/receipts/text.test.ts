import fc from 'fast-check';
import receiptline from 'receiptline';
import { describe, expect, it } from 'vitest';
import {
  displayWidth,
  escapeLine,
  fitWidth,
  groupDigits,
  localDateTime,
  maskMemberNo,
  money,
  printable,
  wrap,
} from './text.js';

describe('receipt text', () => {
  it('counts CJK and full-width characters double, as the printer prints them', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('积分余额')).toBe(8);
    expect(displayWidth('￥12.00')).toBe(7);
    expect(displayWidth('张*')).toBe(3);
  });

  it('makes text printable on a GB18030 printer: full-width yen, "?" outside GBK, no control characters', () => {
    expect(printable('¥10 优惠券', 'gb18030')).toBe('￥10 优惠券');
    expect(printable('𠀀😀张', 'gb18030')).toBe('??张');
    expect(printable('a\tb\nc\u0007', 'gb18030')).toBe('a b c ');
    expect(printable('张三 ¥1', 'cp437')).toBe('?? Y1');
  });

  it('escapes ReceiptLine markup so user text prints literally', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '|', '{', '}', '-', '=', '~', '_', '"', '`', '^', '\\', ' ', '张') }),
        (s) => {
          const line = s.replace(/^ +| +$/g, '');
          fc.pre(line.length > 0);
          const out = receiptline.transform(`|${escapeLine(line)} |`, {
            cpl: 48,
            encoding: 'gb18030',
            command: 'text',
          });
          expect(out.split('\n')[0]?.trimEnd()).toBe(line.trimEnd());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('word-wraps within the width without losing or reordering anything', () => {
    expect(wrap('base 1288, excluded ￥0.00 (tobacco), Silver ×1.5 = 1932', 32)).toEqual([
      'base 1288, excluded ￥0.00',
      '(tobacco), Silver ×1.5 = 1932',
    ]);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '，', '积', '分', '1', '×', ';') }),
        fc.integer({ min: 4, max: 48 }),
        (s, cols) => {
          const lines = wrap(s, cols);
          for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(cols);
          expect(lines.join('').replace(/\s/g, '')).toBe(s.replace(/\s/g, ''));
        },
      ),
    );
  });

  it('formats money, points, times and member numbers', () => {
    expect(money(128850)).toBe('￥1,288.50');
    expect(money(5)).toBe('￥0.05');
    expect(money(-1200)).toBe('-￥12.00');
    expect(groupDigits(12345678)).toBe('12,345,678');
    expect(groupDigits(-1234)).toBe('-1,234');
    expect(localDateTime('2026-03-10T16:30:00Z', 'Asia/Shanghai')).toBe('2026-03-11 00:30');
    expect(maskMemberNo('2000123456786')).toBe('2000*****6786');
    expect(fitWidth('幸福里便利店静安店', 10)).toBe('幸福里便…');
  });
});
