/**
 * The test QR reader (test/helpers/qr-decode.ts) reads back what npm `uqr` (the member page's
 * encoder) draws: any text, level, mask and version as modules (property), a drawn and
 * rasterised SVG like the page's through the PNG reader, and refuses a damaged code.
 */
import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import { encode } from 'uqr';
import { describe, expect, it } from 'vitest';
import { signMemberQr } from '../../core/cards/memberqr.js';
import { PngError, readPngGray } from './png.js';
import { decodeQrModules, decodeQrPng, QrDecodeError } from './qr-decode.js';

const LEVELS = ['L', 'M', 'Q', 'H'] as const;

/** The page's drawing (headoffice/member/src/QrCode.tsx) as an SVG string. */
function svg(text: string, px: number): string {
  const { data } = encode(text, { ecc: 'M', border: 2 });
  const n = data.length;
  let d = '';
  data.forEach((row, y) => row.forEach((on, x) => (d += on ? `M${x} ${y}h1v1h-1z` : '')));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges"><rect width="${n}" height="${n}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}

describe('test QR reader', () => {
  it('reads any text uqr encodes, at every level, mask and size (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.stringMatching(/^[0-9]{1,80}$/),
          fc.stringMatching(/^[A-Z0-9 :.-]{1,90}$/),
        ),
        fc.constantFrom(...LEVELS),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 12 }),
        (text, ecc, maskPattern, minVersion) => {
          const { data, version } = encode(text, { ecc, maskPattern, minVersion, border: 0, boostEcc: false });
          const read = decodeQrModules(data);
          expect(read).toMatchObject({ text, version, level: ecc, mask: maskPattern });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the member code from a rasterised drawing like the page draws, at odd pixel sizes', () => {
    const text = signMemberQr(Buffer.alloc(32, 7), '2000001000014', Date.UTC(2026, 0, 1));
    for (const px of [123, 200, 217, 360]) {
      const png = new Resvg(svg(text, px)).render().asPng();
      expect(decodeQrPng(Buffer.from(png)).text).toBe(text);
    }
  });

  it('refuses a damaged code rather than misread it, and what is no PNG', () => {
    const { data } = encode('LM1.2000001000014.1.x', { ecc: 'M', border: 0 });
    const n = data.length;
    const bad = data.map((r) => [...r]);
    bad[n - 1]![n - 1] = !bad[n - 1]![n - 1]; // always a data module
    expect(() => decodeQrModules(bad)).toThrow(QrDecodeError);
    expect(() => decodeQrModules(data.slice(1))).toThrow(/no QR size/);
    expect(() => readPngGray(Buffer.from('not a png'))).toThrow(PngError);
  });
});
