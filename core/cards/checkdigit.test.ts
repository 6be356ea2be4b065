import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDigitValid,
  ean13CheckDigit,
  ean13Valid,
  mod10CheckDigit,
  mod10Valid,
  mod11CheckDigit,
  mod11Valid,
  type CheckDigitScheme,
} from './checkdigit.js';

/** Every code that differs from `code` in exactly one digit position (check position included). */
function singleDigitErrors(code: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i++) {
    for (const d of '0123456789') {
      if (d !== code[i]) out.push(code.slice(0, i) + d + code.slice(i + 1));
    }
  }
  return out;
}

/** Every adjacent transposition of two different characters, with the swapped pair. */
function adjacentSwaps(code: string): { swapped: string; a: string; b: string }[] {
  const out: { swapped: string; a: string; b: string }[] = [];
  for (let i = 0; i + 1 < code.length; i++) {
    const a = code.charAt(i);
    const b = code.charAt(i + 1);
    if (a !== b) out.push({ swapped: code.slice(0, i) + b + a + code.slice(i + 2), a, b });
  }
  return out;
}

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

describe('EAN-13', () => {
  // Real product codes: a German one from the GS1 examples, and mainland China (690-699) ones.
  const real = ['4006381333931', '6901234567892', '9780306406157', '5901234123457', '6901028075831'];

  it('accepts real EAN-13 codes and computes their check digits', () => {
    for (const code of real) {
      expect(ean13Valid(code)).toBe(true);
      expect(ean13CheckDigit(code.slice(0, 12))).toBe(code.charAt(12));
    }
    // worked by hand: 6 9 0 1 2 3 4 5 6 7 8 9 -> odd places 6+0+2+4+6+8 = 26, even 3*(9+1+3+5+7+9) = 102,
    // 128 -> (10 - 8) = 2
    expect(ean13CheckDigit('690123456789')).toBe('2');
  });

  it('refuses wrong shapes without throwing', () => {
    for (const bad of [
      '',
      '400638133393',
      '40063813339310',
      '400638133393a',
      '４００６３８１３３３９３１',
      ' 4006381333931',
    ]) {
      expect(ean13Valid(bad)).toBe(false);
    }
    expect(() => ean13CheckDigit('12345')).toThrow(RangeError);
    expect(() => ean13CheckDigit('40063813339a')).toThrow(RangeError);
  });

  it('detects every single wrong digit', () => {
    for (const code of real) for (const bad of singleDigitErrors(code)) expect(ean13Valid(bad)).toBe(false);
  });

  it('detects adjacent transpositions except of digits 5 apart (0<->5, 1<->6, 2<->7, 3<->8, 4<->9)', () => {
    fc.assert(
      fc.property(digits(12, 12), (payload) => {
        const code = payload + ean13CheckDigit(payload);
        for (const { swapped, a, b } of adjacentSwaps(code)) {
          expect(ean13Valid(swapped)).toBe(Math.abs(Number(a) - Number(b)) === 5);
        }
      }),
    );
    // the blind spot, concretely: 4006381333931 -> swap "38" (3 and 8 differ by 5)
    expect(ean13Valid('4006831333931')).toBe(true);
  });
});

describe('mod 10 (Luhn)', () => {
  const valid = ['79927398713', '4532015112830366', '0000000000', '18', '059'];

  it('accepts known codes and computes check digits', () => {
    for (const code of valid) {
      expect(mod10Valid(code)).toBe(true);
      expect(mod10CheckDigit(code.slice(0, -1))).toBe(code.slice(-1));
    }
    expect(mod10CheckDigit('7992739871')).toBe('3');
  });

  it('refuses wrong shapes', () => {
    for (const bad of ['', '0', '7992739871a', '79927398713 ', '-18']) expect(mod10Valid(bad)).toBe(false);
    expect(() => mod10CheckDigit('')).toThrow(RangeError);
    expect(() => mod10CheckDigit('12a')).toThrow(RangeError);
  });

  it('detects every single wrong digit', () => {
    for (const code of valid) for (const bad of singleDigitErrors(code)) expect(mod10Valid(bad)).toBe(false);
  });

  it('detects every adjacent transposition except 09 <-> 90', () => {
    fc.assert(
      fc.property(digits(1, 20), (payload) => {
        const code = payload + mod10CheckDigit(payload);
        for (const { swapped, a, b } of adjacentSwaps(code)) {
          const blind = (a === '0' && b === '9') || (a === '9' && b === '0');
          expect(mod10Valid(swapped)).toBe(blind);
        }
      }),
    );
    // the blind spot, concretely: "090" + check and "900" + the same check are both valid
    expect(mod10Valid(`090${mod10CheckDigit('090')}`)).toBe(true);
    expect(mod10Valid(`900${mod10CheckDigit('090')}`)).toBe(true);
  });
});

describe('mod 11 (weights 2..7 from the right, 10 -> X, remainder 0 -> 0)', () => {
  it('matches hand-worked examples', () => {
    // 12345: 5*2 + 4*3 + 3*4 + 2*5 + 1*6 = 50; 50 mod 11 = 6; 11 - 6 = 5
    expect(mod11CheckDigit('12345')).toBe('5');
    // 123456: 6*2+5*3+4*4+3*5+2*6+1*7 = 77 = 7*11 -> remainder 0 -> '0' (11 - 0 = 11 is written 0)
    expect(mod11CheckDigit('123456')).toBe('0');
    // 1234567: weights cycle back to 2 at the 7th digit from the right:
    // 7*2+6*3+5*4+4*5+3*6+2*7+1*2 = 106; 106 mod 11 = 7; 11 - 7 = 4
    expect(mod11CheckDigit('1234567')).toBe('4');
    // 6: 6*2 = 12; 12 mod 11 = 1; 11 - 1 = 10 -> 'X'
    expect(mod11CheckDigit('6')).toBe('X');
    expect(mod11CheckDigit('0000006')).toBe('X');
    for (const code of ['123455', '1234560', '12345674', '6X', '0000006X', '00']) expect(mod11Valid(code)).toBe(true);
  });

  it('refuses wrong shapes, lower-case x and X anywhere but last', () => {
    for (const bad of ['', '5', '6x', 'X6', '12X45', '1234567A', '123456 ']) expect(mod11Valid(bad)).toBe(false);
    expect(() => mod11CheckDigit('12X')).toThrow(RangeError);
  });

  it('detects every single wrong character, X included', () => {
    fc.assert(
      fc.property(digits(1, 20), (payload) => {
        const code = payload + mod11CheckDigit(payload);
        for (const bad of singleDigitErrors(code)) expect(mod11Valid(bad)).toBe(false);
        if (!code.endsWith('X')) expect(mod11Valid(`${payload}X`)).toBe(false);
      }),
    );
  });

  it('detects every adjacent transposition', () => {
    fc.assert(
      fc.property(digits(1, 20), (payload) => {
        const code = payload + mod11CheckDigit(payload);
        for (const { swapped } of adjacentSwaps(code)) expect(mod11Valid(swapped)).toBe(false);
      }),
    );
  });

  it('misses a swap of digits six places apart (equal weights), as documented', () => {
    const payload = '1000000';
    const swapped = '0000001'; // positions 7 and 1 from the right both weigh 2
    expect(mod11CheckDigit(payload)).toBe(mod11CheckDigit(swapped));
  });
});

describe('checkDigitValid', () => {
  it('dispatches by scheme', () => {
    const cases: [CheckDigitScheme, string, boolean][] = [
      ['ean13', '4006381333931', true],
      ['ean13', '4006381333932', false],
      ['ean13', '79927398713', false],
      ['mod10', '79927398713', true],
      ['mod10', '79927398714', false],
      ['mod11', '123455', true],
      ['mod11', '123456', false],
      ['none', '123456', true],
      ['none', '', false],
      ['none', '12a', false],
    ];
    for (const [scheme, code, ok] of cases) expect(checkDigitValid(scheme, code)).toBe(ok);
  });

  it('never throws and validates nothing under an unknown scheme', () => {
    expect(checkDigitValid('luhn' as CheckDigitScheme, '79927398713')).toBe(false);
    fc.assert(
      fc.property(fc.constantFrom<CheckDigitScheme>('ean13', 'mod10', 'mod11', 'none'), fc.string(), (scheme, s) => {
        expect(typeof checkDigitValid(scheme, s)).toBe('boolean');
      }),
    );
  });
});
