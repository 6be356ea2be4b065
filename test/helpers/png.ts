/**
 * A minimal PNG reader for test screenshots (Chromium writes 8-bit, non-interlaced RGB or
 * RGBA): chunks, zlib (node:zlib), the five row filters. Enough to look at the pixels of a
 * screenshot without a PNG package (the repo has none as a direct dependency).
 */
import { inflateSync } from 'node:zlib';

export interface Gray {
  width: number;
  height: number;
  /** luminance 0-255 of pixel (x, y), row-major */
  lum: Uint8Array;
}

export class PngError extends Error {
  constructor(
    readonly code: 'png_signature' | 'png_unsupported' | 'png_truncated',
    message: string,
  ) {
    super(message);
    this.name = 'PngError';
  }
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** The PNG's pixels as luminance (alpha composited over white). */
export function readPngGray(png: Buffer): Gray {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new PngError('png_signature', 'not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + len);
    if (body.length !== len) throw new PngError('png_truncated', `chunk ${type} is cut short`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      channels = colour === 2 ? 3 : colour === 6 ? 4 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new PngError('png_unsupported', `depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  if (!width || !idat.length) throw new PngError('png_truncated', 'no IHDR or IDAT');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new PngError('png_truncated', 'image data is cut short');
  const cur = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const lum = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? (cur[i - channels] as number) : 0;
      const b = prev[i] as number;
      const c = i >= channels ? (prev[i - channels] as number) : 0;
      const x = row[i] as number;
      const pred =
        filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
      if (filter === undefined || filter > 4) throw new PngError('png_unsupported', `row filter ${filter}`);
      cur[i] = (x + pred) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const p = x * channels;
      const alpha = channels === 4 ? (cur[p + 3] as number) / 255 : 1;
      const l = 0.299 * (cur[p] as number) + 0.587 * (cur[p + 1] as number) + 0.114 * (cur[p + 2] as number);
      lum[y * width + x] = Math.round(l * alpha + 255 * (1 - alpha));
    }
    prev = Uint8Array.from(cur);
  }
  return { width, height, lum };
}
