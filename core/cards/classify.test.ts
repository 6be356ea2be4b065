import { describe, expect, it } from 'vitest';
import { classifyCode, type ClassifyOptions } from './classify.js';
import { signMemberQr } from './memberqr.js';

const ean: ClassifyOptions = { barcodeCheck: 'ean13' };
const MEMBER = '2001000000012'; // an in-store EAN-13 member number (prefix 2), check digit 2

describe('classifyCode: barcodes', () => {
  it('accepts a member barcode however the scanner framed it', () => {
    for (const raw of [
      MEMBER,
      `${MEMBER}\r\n`,
      `${MEMBER}\t`,
      `]E0${MEMBER}\r`,
      `]C0${MEMBER}`,
      `]C1\x1d${MEMBER}`,
      `  ${MEMBER} `,
      '2 001000 000012', // typed as printed under the bars
      '２００１０００００００１２', // full-width, typed through a Chinese IME
    ]) {
      expect(classifyCode(raw, ean), JSON.stringify(raw)).toEqual({ ok: true, kind: 'barcode', code: MEMBER });
    }
    expect(classifyCode('#2001000000012$', { ...ean, affixes: { prefix: '#', suffix: '$' } })).toMatchObject({
      ok: true,
      code: MEMBER,
    });
  });

  it('refuses a failed check digit as a misread', () => {
    for (const raw of ['2001000000018', '2001000000021', ']E02001000000018\r\n']) {
      expect(classifyCode(raw, ean)).toMatchObject({ ok: false, code: 'misread_check_digit' });
    }
  });

  it('does not take digits of another length for an EAN-13 member card', () => {
    expect(classifyCode('12345670', ean)).toMatchObject({ ok: false, code: 'unrecognised_code' }); // EAN-8
    expect(classifyCode('036000291452', ean)).toMatchObject({ ok: false, code: 'unrecognised_code' }); // UPC-A
    expect(classifyCode('5', ean)).toMatchObject({ ok: false, code: 'unrecognised_code' });
  });

  it('checks mod-10 and mod-11 codes of any reasonable length', () => {
    const luhn: ClassifyOptions = { barcodeCheck: 'mod10' };
    expect(classifyCode('79927398713', luhn)).toEqual({ ok: true, kind: 'barcode', code: '79927398713' });
    expect(classifyCode('79927398714', luhn)).toMatchObject({ ok: false, code: 'misread_check_digit' });
    expect(classifyCode('7992-7398-713', luhn)).toMatchObject({ ok: true, code: '79927398713' });
    expect(classifyCode('18', luhn)).toMatchObject({ ok: false, code: 'unrecognised_code' }); // too short to guess
    expect(classifyCode('18', { ...luhn, barcodeLength: 2 })).toMatchObject({ ok: true, code: '18' });

    const m11: ClassifyOptions = { barcodeCheck: 'mod11' };
    expect(classifyCode('12345674', m11)).toEqual({ ok: true, kind: 'barcode', code: '12345674' });
    expect(classifyCode('0000006X', m11)).toEqual({ ok: true, kind: 'barcode', code: '0000006X' });
    expect(classifyCode('0000006x', m11)).toEqual({ ok: true, kind: 'barcode', code: '0000006X' });
    expect(classifyCode('00000061', m11)).toMatchObject({ ok: false, code: 'misread_check_digit' });
    expect(classifyCode('0000006X', luhn)).toMatchObject({ ok: false, code: 'unrecognised_code' });
  });

  it("takes any digits under 'none', only of the configured length when one is set", () => {
    expect(classifyCode('12345678', { barcodeCheck: 'none' })).toMatchObject({ ok: true, code: '12345678' });
    expect(classifyCode('12345678', { barcodeCheck: 'none', barcodeLength: 8 })).toMatchObject({ ok: true });
    expect(classifyCode('1234567', { barcodeCheck: 'none', barcodeLength: 8 })).toMatchObject({
      code: 'unrecognised_code',
    });
  });
});

describe('classifyCode: NFC', () => {
  it('recognises UIDs written as hex bytes', () => {
    for (const raw of ['04:a2:2b:1c:5d:80:00', '04 A2 2B 1C 5D 80 00', '04-a2-2b-1c-5d-80-00', '04A22B1C5D8000\r\n']) {
      expect(classifyCode(raw, ean), raw).toEqual({ ok: true, kind: 'nfc', uid: '04A22B1C5D8000' });
    }
    expect(classifyCode('deadbeef', ean)).toEqual({ ok: true, kind: 'nfc', uid: 'DEADBEEF' });
    expect(classifyCode('0x12345678', ean)).toEqual({ ok: true, kind: 'nfc', uid: '12345678' });
    expect(classifyCode('12 34 56 78', ean)).toEqual({ ok: true, kind: 'nfc', uid: '12345678' });
  });

  it("applies a hex reader's byte order", () => {
    const lsb: ClassifyOptions = { ...ean, nfcProfile: { byteOrder: 'lsb', format: 'hex' } };
    expect(classifyCode('00805D1C2BA204', lsb)).toEqual({ ok: true, kind: 'nfc', uid: '04A22B1C5D8000' });
    expect(classifyCode('00:80:5d:1c:2b:a2:04', lsb)).toEqual({ ok: true, kind: 'nfc', uid: '04A22B1C5D8000' });
  });

  it('reads a 10-digit decimal as a UID only with a decimal reader profile', () => {
    const dec = (byteOrder: 'msb' | 'lsb'): ClassifyOptions => ({
      ...ean,
      nfcProfile: { byteOrder, format: 'decimal10' },
    });
    expect(classifyCode('3735928559', dec('msb'))).toEqual({ ok: true, kind: 'nfc', uid: 'DEADBEEF' });
    expect(classifyCode('4022250974', dec('lsb'))).toEqual({ ok: true, kind: 'nfc', uid: 'DEADBEEF' });
    expect(classifyCode('4022250974\r\n', dec('lsb'))).toEqual({ ok: true, kind: 'nfc', uid: 'DEADBEEF' });
    expect(classifyCode('9999999999', dec('lsb'))).toMatchObject({ ok: false, code: 'invalid_uid' });
    expect(classifyCode('3735928559', ean)).toMatchObject({ ok: false, code: 'unrecognised_code' });
    // decimal profile under mod10 without a fixed length: the reader wins for 10 digits
    expect(classifyCode('3735928559', { ...dec('msb'), barcodeCheck: 'mod10' })).toMatchObject({ kind: 'nfc' });
    // ... but a configured barcode length of 10 wins over the reader
    expect(classifyCode('7992739871', { ...dec('msb'), barcodeCheck: 'mod10', barcodeLength: 10 })).toMatchObject({
      code: 'misread_check_digit',
    });
  });

  it('reads all-digit hex UIDs when a hex reader is configured and the barcode length is fixed', () => {
    const hex: ClassifyOptions = { ...ean, nfcProfile: { byteOrder: 'msb', format: 'hex' } };
    expect(classifyCode('12345678', hex)).toEqual({ ok: true, kind: 'nfc', uid: '12345678' });
    expect(classifyCode('12345678', ean)).toMatchObject({ code: 'unrecognised_code' });
  });

  it('refuses UID-looking input of the wrong size', () => {
    expect(classifyCode('04:a2:2b:1c:5d', ean)).toMatchObject({ ok: false, code: 'invalid_uid' });
    expect(classifyCode('00:00:00:00', ean)).toMatchObject({ ok: false, code: 'invalid_uid' });
    expect(classifyCode('04a22b1c5d', ean)).toMatchObject({ ok: false, code: 'unrecognised_code' });
  });

  it("with source 'nfc' uses the reader profile for everything", () => {
    const nfc: ClassifyOptions = { ...ean, source: 'nfc', nfcProfile: { byteOrder: 'lsb', format: 'decimal10' } };
    expect(classifyCode('4022250974\r\n', nfc)).toEqual({ ok: true, kind: 'nfc', uid: 'DEADBEEF' });
    expect(classifyCode(MEMBER, nfc)).toMatchObject({ ok: false, code: 'invalid_uid' });
    expect(classifyCode('\r\n', nfc)).toMatchObject({ ok: false, code: 'empty_code' });
    expect(classifyCode('14113739293542', { ...ean, source: 'nfc' })).toEqual({
      ok: true,
      kind: 'nfc',
      uid: '14113739293542',
    });
  });
});

describe('classifyCode: member QR', () => {
  const key = Buffer.alloc(32, 7);
  const qr = signMemberQr(key, MEMBER, Date.UTC(2025, 0, 1));

  it('recognises LM1. texts without verifying them', () => {
    expect(classifyCode(qr, ean)).toEqual({ ok: true, kind: 'qr', text: qr });
    expect(classifyCode(`]Q1${qr}\r\n`, ean)).toEqual({ ok: true, kind: 'qr', text: qr });
    expect(classifyCode(qr, { ...ean, source: 'barcode' })).toEqual({ ok: true, kind: 'qr', text: qr });
    expect(classifyCode(qr, { ...ean, source: 'qr' })).toEqual({ ok: true, kind: 'qr', text: qr });
    expect(classifyCode('LM1.anything', ean)).toMatchObject({ ok: true, kind: 'qr' });
  });

  it("with source 'qr' refuses everything else", () => {
    expect(classifyCode(MEMBER, { ...ean, source: 'qr' })).toMatchObject({ ok: false, code: 'unrecognised_code' });
    expect(classifyCode('https://example.com', { ...ean, source: 'qr' })).toMatchObject({ code: 'unrecognised_code' });
  });

  it("with source 'barcode' never reads a UID", () => {
    expect(classifyCode('04:a2:2b:1c:5d:80:00', { ...ean, source: 'barcode' })).toMatchObject({
      code: 'unrecognised_code',
    });
    expect(classifyCode('deadbeef', { ...ean, source: 'barcode' })).toMatchObject({ code: 'unrecognised_code' });
  });
});

describe('classifyCode: refusals', () => {
  it('empty input', () => {
    for (const raw of ['', ' ', '\r\n', ']E0', ']C1\x1d', '\x02\x03', '　']) {
      expect(classifyCode(raw, ean), JSON.stringify(raw)).toMatchObject({ ok: false, code: 'empty_code' });
    }
  });

  it('anything else, huge or odd input included', () => {
    for (const raw of [
      'hello',
      'https://example.com/m/123',
      `${MEMBER}\x07`,
      '200100\x000000017',
      '13812345678x',
      MEMBER.repeat(20), // 260 characters
      '1'.repeat(257),
      '\u{1F600}',
    ]) {
      expect(classifyCode(raw, ean), JSON.stringify(raw)).toMatchObject({ ok: false, code: 'unrecognised_code' });
    }
  });

  it('never throws on bad call shapes from untyped callers', () => {
    const anyFn = classifyCode as unknown as (raw: unknown, opts: unknown) => unknown;
    for (const raw of [undefined, null, 42, {}, []]) {
      expect(anyFn(raw, ean)).toMatchObject({ ok: false, code: 'unrecognised_code' });
    }
    expect(anyFn(MEMBER, undefined)).toMatchObject({ ok: true, code: MEMBER });
    expect(anyFn(MEMBER, { barcodeCheck: 'bogus', barcodeLength: Number.NaN, source: 'fax' })).toMatchObject({
      ok: true,
    });
    expect(anyFn('04:a2:2b:1c', { barcodeCheck: 'ean13', nfcProfile: { format: 'morse' } })).toMatchObject({
      ok: true,
    });
  });
});
