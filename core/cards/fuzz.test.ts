/**
 * Property tests: nothing a device or a cashier can send makes the card-code functions throw,
 * and random input never passes as a checked barcode or a verified member QR.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDigitValid, ean13CheckDigit, type CheckDigitScheme } from './checkdigit.js';
import { classifyCode, type ClassifyOptions } from './classify.js';
import { signMemberQr, qrWindowAt, verifyMemberQr } from './memberqr.js';
import { preprocessScan, stripSymbology } from './symbology.js';
import { normaliseUid, type UidProfile } from './uid.js';

const RUNS = { numRuns: 2000 };

/** any UTF-16 code unit, lone surrogates included */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

/** Every kind of text: UTF-16 code units, full Unicode, latin1 bytes (serial devices), ASCII with controls. */
const anyText = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: codeUnit, maxLength: 64 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdefXx:- .]ECQd01LM\r\n\t\x1d\x00'), maxLength: 40 }),
);

/** Text shaped like scanner output: optional AIM id, digits/hex, terminators. */
const scanLike = fc
  .tuple(
    fc.constantFrom('', ']E0', ']C0', ']C1\x1d', ']Q1', ']d2', ']A0', ']X9'),
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 30 }),
    fc.constantFrom('', '\r', '\n', '\r\n', '\t', ' '),
  )
  .map(([aim, body, end]) => `${aim}${body}${end}`);

const schemes = fc.constantFrom<CheckDigitScheme>('ean13', 'mod10', 'mod11', 'none');
const profile: fc.Arbitrary<UidProfile> = fc.record({
  byteOrder: fc.constantFrom('msb', 'lsb'),
  format: fc.constantFrom('hex', 'decimal10', 'decimal'),
});
const options: fc.Arbitrary<ClassifyOptions> = fc.record(
  {
    barcodeCheck: schemes,
    barcodeLength: fc.option(fc.integer({ min: -5, max: 40 }), { nil: undefined }),
    nfcProfile: fc.option(profile, { nil: undefined }),
    source: fc.option(fc.constantFrom('barcode', 'nfc', 'qr'), { nil: undefined }),
    affixes: fc.option(fc.record({ prefix: fc.string({ maxLength: 3 }), suffix: fc.string({ maxLength: 3 }) }), {
      nil: undefined,
    }),
  },
  { requiredKeys: ['barcodeCheck'] },
);

const CANONICAL_UID = /^(?:[0-9A-F]{2}){4}$|^(?:[0-9A-F]{2}){7}$|^(?:[0-9A-F]{2}){10}$/;

function checkClassification(raw: string, opts: ClassifyOptions): void {
  const r = classifyCode(raw, opts);
  if (!r.ok) {
    expect(['misread_check_digit', 'unrecognised_code', 'invalid_uid', 'empty_code']).toContain(r.code);
    expect(typeof r.message).toBe('string');
    return;
  }
  switch (r.kind) {
    case 'barcode':
      // never a barcode unless its check digit is valid under the configured scheme
      expect(checkDigitValid(opts.barcodeCheck, r.code)).toBe(true);
      break;
    case 'nfc':
      expect(r.uid).toMatch(CANONICAL_UID);
      expect(/^0+$/.test(r.uid)).toBe(false);
      break;
    case 'qr':
      expect(r.text.startsWith('LM1.')).toBe(true);
      break;
  }
}

describe('classifyCode', () => {
  it('never throws, and every answer is well-formed, on any text', () => {
    fc.assert(fc.property(fc.oneof(anyText, scanLike), options, checkClassification), RUNS);
  });

  it('a random digit string is a barcode exactly when its check digit is valid (EAN-13)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 13 }), (code) => {
        const r = classifyCode(code, { barcodeCheck: 'ean13' });
        expect(r.ok).toBe(checkDigitValid('ean13', code));
        if (!r.ok) expect(r.code).toBe('misread_check_digit');
      }),
      RUNS,
    );
  });

  it('a valid member barcode with any one character changed is never accepted as a different barcode', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 }),
        fc.nat(12),
        fc.oneof(codeUnit, fc.constantFrom(...'0123456789X.-_')),
        (payload, at, c) => {
          const good = payload + ean13CheckDigit(payload);
          const bad = good.slice(0, at) + c + good.slice(at + 1);
          const r = classifyCode(bad, { barcodeCheck: 'ean13' });
          if (r.ok && r.kind === 'barcode') expect(r.code).toBe(good);
        },
      ),
      RUNS,
    );
  });

  it('survives huge input quickly', () => {
    for (const huge of ['1'.repeat(1_000_000), '\r'.repeat(1_000_000), `LM1.${'.'.repeat(1_000_000)}`]) {
      const started = performance.now();
      expect(classifyCode(huge, { barcodeCheck: 'mod10' })).toMatchObject({ ok: false, code: 'unrecognised_code' });
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});

describe('normaliseUid', () => {
  it('never throws; a success is always canonical', () => {
    fc.assert(
      fc.property(anyText, profile, (raw, p) => {
        const r = normaliseUid(raw, p);
        if (r.ok) {
          expect(r.uid).toMatch(CANONICAL_UID);
          expect(r.uid.length).toBe(r.byteLength * 2);
        } else {
          expect(['invalid_uid', 'empty_code']).toContain(r.code);
        }
      }),
      RUNS,
    );
  });
});

describe('stripSymbology / preprocessScan', () => {
  it('never throw, and only ever remove a well-formed identifier', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, scanLike), (raw) => {
        const s = stripSymbology(raw);
        if (s.aimId === null) expect(s.payload).toBe(raw);
        else {
          expect(s.aimId).toMatch(/^\][A-Za-z][0-9A-Za-z]$/);
          expect(s.aimId + s.payload).toBe(raw);
        }
        expect(typeof preprocessScan(raw, { affixes: { prefix: '#', suffix: '$' } }).payload).toBe('string');
      }),
      RUNS,
    );
  });
});

describe('verifyMemberQr', () => {
  const key = Buffer.alloc(32, 0x5a);
  const now = Date.UTC(2025, 5, 1, 12);
  const window = qrWindowAt(now);

  it('never throws, and random text never verifies', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const r = verifyMemberQr(key, text, now);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(['qr_malformed', 'qr_expired', 'qr_forged']).toContain(r.code);
      }),
      RUNS,
    );
  });

  it('well-formed texts with a random signature in the current window are forged', () => {
    const sig = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      minLength: 22,
      maxLength: 22,
    });
    const memberNo = fc.string({ unit: fc.constantFrom(...'0123456789ABCxyz-'), minLength: 1, maxLength: 32 });
    fc.assert(
      fc.property(memberNo, fc.integer({ min: -1, max: 1 }), sig, (m, dw, s) => {
        expect(verifyMemberQr(key, `LM1.${m}.${window + dw}.${s}`, now)).toMatchObject({
          ok: false,
          code: 'qr_forged',
        });
      }),
      RUNS,
    );
  });

  it('any one-character change to a genuine code is refused', () => {
    const genuine = signMemberQr(key, '2001000000012', now);
    fc.assert(
      fc.property(fc.nat(genuine.length - 1), fc.oneof(codeUnit, fc.constantFrom(...'0123456789X.-_')), (at, c) => {
        fc.pre(genuine.charAt(at) !== c);
        const changed = genuine.slice(0, at) + c + genuine.slice(at + 1);
        expect(verifyMemberQr(key, changed, now).ok).toBe(false);
      }),
      RUNS,
    );
  });
});
