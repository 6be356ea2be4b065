import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUidForReader, normaliseUid, type UidProfile } from './uid.js';

const hexMsb: UidProfile = { byteOrder: 'msb', format: 'hex' };
const hexLsb: UidProfile = { byteOrder: 'lsb', format: 'hex' };
const dec10Msb: UidProfile = { byteOrder: 'msb', format: 'decimal10' };
const dec10Lsb: UidProfile = { byteOrder: 'lsb', format: 'decimal10' };
const decMsb: UidProfile = { byteOrder: 'msb', format: 'decimal' };
const decLsb: UidProfile = { byteOrder: 'lsb', format: 'decimal' };

function uidOf(raw: string, profile: UidProfile): string {
  const r = normaliseUid(raw, profile);
  if (!r.ok) throw new Error(`${raw}: ${r.code} ${r.message}`);
  return r.uid;
}

describe('normaliseUid: one card, every way a reader writes it', () => {
  it('7-byte NXP UID 04 A2 2B 1C 5D 80 00', () => {
    const canonical = '04A22B1C5D8000';
    const forms: [string, UidProfile][] = [
      ['04:a2:2b:1c:5d:80:00', hexMsb],
      ['04:A2:2B:1C:5D:80:00', hexMsb],
      ['04A22B1C5D8000', hexMsb],
      ['04a22b1c5d8000', hexMsb],
      ['04 a2 2b 1c 5d 80 00', hexMsb],
      ['04-A2-2B-1C-5D-80-00', hexMsb],
      ['0x04A22B1C5D8000', hexMsb],
      ['4:a2:2b:1c:5d:80:0', hexMsb],
      ['04A22B1C5D8000\r\n', hexMsb],
      ['00805D1C2BA204', hexLsb],
      ['00:80:5d:1c:2b:a2:04', hexLsb],
      // the whole UID as one decimal number: 0x04A22B1C5D8000 and 0x00805D1C2BA204
      ['1304205950025728', decMsb],
      ['141137392935428', decLsb],
    ];
    for (const [raw, profile] of forms) expect(uidOf(raw, profile)).toBe(canonical);
    expect(normaliseUid('04:a2:2b:1c:5d:80:00', hexMsb)).toEqual({ ok: true, uid: canonical, byteLength: 7 });
  });

  it('4-byte UID DE AD BE EF, including both decimal10 byte orders', () => {
    const canonical = 'DEADBEEF';
    const forms: [string, UidProfile][] = [
      ['de:ad:be:ef', hexMsb],
      ['DEADBEEF', hexMsb],
      ['EFBEADDE', hexLsb],
      ['ef be ad de', hexLsb],
      ['3735928559', dec10Msb], // 0xDEADBEEF: UID0 most significant
      ['4022250974', dec10Lsb], // 0xEFBEADDE: UID0 least significant
      ['3735928559', decMsb],
      ['4022250974', decLsb],
    ];
    for (const [raw, profile] of forms) expect(uidOf(raw, profile)).toBe(canonical);
  });

  it('zero-padded decimal10 (UID 12 34 56 78)', () => {
    expect(uidOf('0305419896', dec10Msb)).toBe('12345678');
    expect(uidOf('2018915346', dec10Lsb)).toBe('12345678');
    expect(uidOf('305419896', decMsb)).toBe('12345678');
  });

  it('10-byte UIDs', () => {
    expect(uidOf('01:02:03:04:05:06:07:08:09:0a', hexMsb)).toBe('0102030405060708090A');
    expect(uidOf('0A090807060504030201', hexLsb)).toBe('0102030405060708090A');
    expect(uidOf('4759477275222530853130', decMsb)).toBe('0102030405060708090A');
    expect(uidOf('47390263963055590408705', decLsb)).toBe('0102030405060708090A');
  });

  it('refuses other lengths and bad text with a typed error', () => {
    const bad: [string, UidProfile][] = [
      ['04A22B', hexMsb], // 3 bytes
      ['04A22B1C5D', hexMsb], // 5 bytes
      ['04A22B1C5D80', hexMsb], // 6 bytes
      ['04A22B1C5D800011', hexMsb], // 8 bytes
      ['04A22B1C5D80001', hexMsb], // odd digit count
      ['04:A2:2B:1C:5D:80:00:11:22:33:44', hexMsb], // 11 bytes
      ['04:A2:2B:1C:5D:8000', hexMsb], // a 4-digit group
      ['04A22B1G', hexMsb],
      ['00000000', hexMsb], // failed read
      ['0000000000', dec10Lsb],
      ['4294967296', dec10Msb], // 2^32
      ['373592855', dec10Msb], // 9 digits
      ['37359285590', dec10Msb], // 11 digits
      ['DEADBEEF', dec10Msb],
      ['1208925819614629174706176', decMsb], // 2^80: 11 bytes
      ['12345678901234567890123456', decMsb],
      ['-1', decMsb],
      ['x'.repeat(300), hexMsb],
    ];
    for (const [raw, profile] of bad) {
      const r = normaliseUid(raw, profile);
      expect(r.ok, raw).toBe(false);
      if (!r.ok) expect(r.code).toBe('invalid_uid');
    }
    for (const empty of ['', '  ', '\r\n', ' \r\n ']) {
      expect(normaliseUid(empty, hexMsb)).toMatchObject({ ok: false, code: 'empty_code' });
    }
  });

  it('round-trips every canonical UID through every reader form', () => {
    const profiles = [hexMsb, hexLsb, decMsb, decLsb];
    fc.assert(
      fc.property(
        fc.constantFrom(4, 7, 10).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        (bytes) => {
          fc.pre(bytes.some((b) => b !== 0));
          const uid = Buffer.from(bytes).toString('hex').toUpperCase();
          for (const profile of profiles) {
            const written = formatUidForReader(uid, profile);
            // a decimal is sized by its value: skip UIDs whose high bytes (in that order) are zero
            if (profile.format === 'decimal') {
              const n = BigInt(written);
              const fits = n <= 0xffffffffn ? 4 : n < 1n << 56n ? 7 : 10;
              fc.pre(fits === bytes.length);
            }
            expect(uidOf(written, profile)).toBe(uid);
          }
          if (bytes.length === 4) {
            expect(uidOf(formatUidForReader(uid, dec10Msb), dec10Msb)).toBe(uid);
            expect(uidOf(formatUidForReader(uid, dec10Lsb), dec10Lsb)).toBe(uid);
          }
        },
      ),
    );
  });

  it('formatUidForReader refuses what it cannot express', () => {
    expect(() => formatUidForReader('04a22b1c', hexMsb)).toThrow(RangeError);
    expect(() => formatUidForReader('04A22B1C5D8000', dec10Msb)).toThrow(RangeError);
    expect(formatUidForReader('12345678', dec10Msb)).toBe('0305419896');
  });
});
