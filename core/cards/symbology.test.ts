import { describe, expect, it } from 'vitest';
import {
  cleanCode128Payload,
  preprocessScan,
  stripAffixes,
  stripLeadingFnc1,
  stripSymbology,
  trimTerminators,
} from './symbology.js';

describe('stripSymbology', () => {
  it('names the common AIM identifiers and strips them', () => {
    const cases: [string, string, string, boolean][] = [
      [']E04006381333931', 'ean-upc', '4006381333931', false],
      [']E412345670', 'ean-upc', '12345670', false],
      [']C0ABC-123', 'code128', 'ABC-123', false],
      [']C1010123456789012815', 'code128', '010123456789012815', true],
      [']Q1LM1.x.y.z', 'qr', 'LM1.x.y.z', false],
      [']Q3010123', 'qr', '010123', true],
      [']d2010123', 'datamatrix', '010123', true],
      [']d1hello', 'datamatrix', 'hello', false],
      [']A0CODE39', 'code39', 'CODE39', false],
      [']G0X', 'code93', 'X', false],
      [']F0A123B', 'codabar', 'A123B', false],
      [']I012345678', 'itf', '12345678', false],
      [']L0pdf', 'pdf417', 'pdf', false],
      [']z0aztec', 'aztec', 'aztec', false],
      [']e00101', 'databar', '0101', true],
      [']X0other', 'other', 'other', false],
    ];
    for (const [raw, symbology, payload, gs1] of cases) {
      expect(stripSymbology(raw)).toEqual({ symbology, aimId: raw.slice(0, 3), gs1, payload });
    }
  });

  it('leaves text without a well-formed identifier alone', () => {
    for (const raw of ['4006381333931', ']', ']E', ']1A123', '] E0123', ']E?123', 'E0123', '']) {
      expect(stripSymbology(raw)).toEqual({ symbology: 'none', aimId: null, gs1: false, payload: raw });
    }
    expect(stripSymbology(']E0')).toEqual({ symbology: 'ean-upc', aimId: ']E0', gs1: false, payload: '' });
  });
});

describe('Code 128 payload clean-up', () => {
  it('strips leading FNC1 (GS) and any control characters', () => {
    expect(cleanCode128Payload('\x1d\x1d0101234')).toBe('0101234');
    expect(cleanCode128Payload('12\x1d34\x00\x7f5')).toBe('12345');
    expect(cleanCode128Payload('plain')).toBe('plain');
    expect(stripLeadingFnc1('\x1dABC\x1dD')).toBe('ABC\x1dD');
  });
});

describe('stripAffixes', () => {
  it('strips a configured prefix and suffix where present, once', () => {
    expect(stripAffixes('#4006381333931$', { prefix: '#', suffix: '$' })).toBe('4006381333931');
    expect(stripAffixes('4006381333931', { prefix: '#', suffix: '$' })).toBe('4006381333931');
    expect(stripAffixes('##12', { prefix: '#' })).toBe('#12');
    expect(stripAffixes('SCAN:12:END', { prefix: 'SCAN:', suffix: ':END' })).toBe('12');
    expect(stripAffixes('12', { prefix: '', suffix: '' })).toBe('12');
    expect(stripAffixes('ab', {})).toBe('ab');
  });
});

describe('trimTerminators', () => {
  it('trims CR, LF, TAB, NUL and STX/ETX framing at both ends only', () => {
    expect(trimTerminators('4006381333931\r\n')).toBe('4006381333931');
    expect(trimTerminators('\x0204A22B1C\r\n\x03')).toBe('04A22B1C');
    expect(trimTerminators('\t12\t34\t')).toBe('12\t34');
    expect(trimTerminators('\0\0')).toBe('');
    expect(trimTerminators(' 12 ')).toBe(' 12 ');
  });
});

describe('preprocessScan', () => {
  it('undoes a full scanner transmission in order', () => {
    expect(preprocessScan('#]E04006381333931$\r\n', { affixes: { prefix: '#', suffix: '$' } })).toEqual({
      symbology: 'ean-upc',
      aimId: ']E0',
      gs1: false,
      payload: '4006381333931',
    });
    expect(preprocessScan(']C1\x1d2000001000007\r').payload).toBe('2000001000007');
    expect(preprocessScan('\x1d2000001000007\n').payload).toBe('2000001000007');
    // outside Code 128, inner control characters are kept (and make the code unrecognisable later)
    expect(preprocessScan(']E0400638\x071333931').payload).toBe('400638\x071333931');
  });

  it('is linear on huge input', () => {
    const huge = `${'\r'.repeat(200_000)}x${'\n'.repeat(200_000)}`;
    const started = performance.now();
    expect(preprocessScan(huge).payload).toBe('x');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
