/**
 * A QR code reader for tests: reads the text of a QR code from a clean, upright screenshot (the
 * member page's SVG code), as a till's 2D scanner would, so a test can check what the page
 * DRAWS, not only what it holds in the DOM. No camera geometry (no perspective, no rotation)
 * and no error correction: every block's Reed-Solomon check must hold, else `qr_damaged`, so a
 * wrong read can never pass as a right one. Numeric, alphanumeric and byte (UTF-8) segments.
 * Tables and the zigzag order follow ISO/IEC 18004 as in Project Nayuki's QR generator (MIT),
 * which npm `uqr` (the page's encoder) ports; the reader itself is independent of it.
 */
import { readPngGray, type Gray } from './png.js';

export class QrDecodeError extends Error {
  constructor(
    readonly code: 'qr_not_found' | 'qr_size' | 'qr_format' | 'qr_damaged' | 'qr_segment',
    message: string,
  ) {
    super(message);
    this.name = 'QrDecodeError';
  }
}

/** Error-correction codewords per block and blocks, by level (L, M, Q, H) and version 1-40. */
// prettier-ignore
const ECC_PER_BLOCK = [
  [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
  [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
];
// prettier-ignore
const BLOCKS = [
  [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
  [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
  [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
  [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
];
/** Format-information bits of each level, in the order of the tables above (L, M, Q, H). */
const LEVEL_BITS = [1, 0, 3, 2];
const LEVEL_NAMES = ['L', 'M', 'Q', 'H'] as const;
const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

export interface QrRead {
  text: string;
  version: number;
  level: (typeof LEVEL_NAMES)[number];
  mask: number;
}

function alignmentPositions(version: number): number[] {
  if (version === 1) return [];
  const n = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (n * 2 - 2)) * 2;
  const out = [6];
  for (let pos = version * 4 + 10; out.length < n; pos -= step) out.splice(1, 0, pos);
  return out;
}

/** Modules that are not data: finders with separators and format areas, timing, alignment, version. */
function functionModules(version: number): boolean[][] {
  const size = version * 4 + 17;
  const f = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const finder = (x < 9 && y < 9) || (x >= size - 8 && y < 9) || (x < 9 && y >= size - 8);
      const version7 =
        version >= 7 && ((x >= size - 11 && x < size - 8 && y < 6) || (y >= size - 11 && y < size - 8 && x < 6));
      f[y]![x] = finder || x === 6 || y === 6 || version7;
    }
  }
  const pos = alignmentPositions(version);
  for (const [i, cx] of pos.entries()) {
    for (const [j, cy] of pos.entries()) {
      const corner = (i === 0 && j === 0) || (i === 0 && j === pos.length - 1) || (i === pos.length - 1 && j === 0);
      if (corner) continue;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) f[cy + dy]![cx + dx] = true;
    }
  }
  return f;
}

function masked(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    case 7:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      throw new QrDecodeError('qr_format', `mask ${mask}`);
  }
}

/** The 15 format bits as drawn for (level bits, mask): BCH(15,5) and the fixed XOR. */
function formatWord(levelBits: number, mask: number): number {
  const data = (levelBits << 3) | mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

function gfMul(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z;
}

/** The Reed-Solomon check codewords of `data` (the remainder by the generator of `degree`). */
function rsRemainder(data: number[], degree: number): number[] {
  const divisor = new Array<number>(degree).fill(0);
  divisor[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      const shifted = gfMul(divisor[j]!, root);
      divisor[j] = j + 1 < degree ? shifted ^ divisor[j + 1]! : shifted;
    }
    root = gfMul(root, 0x02);
  }
  const out = new Array<number>(degree).fill(0);
  for (const b of data) {
    const factor = b ^ out.shift()!;
    out.push(0);
    divisor.forEach((c, i) => (out[i]! ^= gfMul(c, factor)));
  }
  return out;
}

class Bits {
  at = 0;
  constructor(private readonly bytes: number[]) {}
  left(): number {
    return this.bytes.length * 8 - this.at;
  }
  read(n: number): number {
    if (n > this.left()) throw new QrDecodeError('qr_segment', 'the data runs past its codewords');
    let v = 0;
    for (let i = 0; i < n; i++, this.at++) v = (v << 1) | ((this.bytes[this.at >>> 3]! >>> (7 - (this.at & 7))) & 1);
    return v;
  }
}

function segments(data: number[], version: number): string {
  const bits = new Bits(data);
  const band = version <= 9 ? 0 : version <= 26 ? 1 : 2;
  let text = '';
  while (bits.left() >= 4) {
    const mode = bits.read(4);
    if (mode === 0) break;
    if (mode === 1) {
      let count = bits.read([10, 12, 14][band]!);
      for (; count >= 3; count -= 3) text += String(bits.read(10)).padStart(3, '0');
      if (count === 2) text += String(bits.read(7)).padStart(2, '0');
      if (count === 1) text += String(bits.read(4));
    } else if (mode === 2) {
      let count = bits.read([9, 11, 13][band]!);
      for (; count >= 2; count -= 2) {
        const v = bits.read(11);
        text += ALPHANUMERIC[Math.floor(v / 45)]! + ALPHANUMERIC[v % 45]!;
      }
      if (count === 1) text += ALPHANUMERIC[bits.read(6)]!;
    } else if (mode === 4) {
      const count = bits.read([8, 16, 16][band]!);
      const bytes = Buffer.alloc(count);
      for (let i = 0; i < count; i++) bytes[i] = bits.read(8);
      text += new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } else if (mode === 7) {
      // ECI: the designator only; the text is read as UTF-8 whatever it names.
      const first = bits.read(8);
      if (first & 0x80) bits.read(first & 0x40 ? 16 : 8);
    } else {
      throw new QrDecodeError('qr_segment', `segment mode ${mode} is not read here (kanji, structured append)`);
    }
  }
  return text;
}

/** The text of a QR symbol given as its modules (true = dark), quiet zone excluded. */
export function decodeQrModules(m: boolean[][]): QrRead {
  const size = m.length;
  const version = (size - 17) / 4;
  if (!Number.isInteger(version) || version < 1 || version > 40 || m.some((r) => r.length !== size)) {
    throw new QrDecodeError('qr_size', `${size} modules is no QR size`);
  }
  const at = (x: number, y: number): boolean => m[y]![x]!;
  let word = 0;
  const put = (i: number, v: boolean) => (word |= (v ? 1 : 0) << i);
  for (let i = 0; i <= 5; i++) put(i, at(8, i));
  put(6, at(8, 7));
  put(7, at(8, 8));
  put(8, at(7, 8));
  for (let i = 9; i < 15; i++) put(i, at(14 - i, 8));
  let best = { distance: 16, level: 0, mask: 0 };
  for (let level = 0; level < 4; level++) {
    for (let mask = 0; mask < 8; mask++) {
      const d = (formatWord(LEVEL_BITS[level]!, mask) ^ word).toString(2).replace(/0/g, '').length;
      if (d < best.distance) best = { distance: d, level, mask };
    }
  }
  if (best.distance > 3) throw new QrDecodeError('qr_format', 'the format information does not read');
  const { level, mask } = best;

  const fn = functionModules(version);
  const bitsOut: number[] = [];
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < size; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
        if (!fn[y]![x]) bitsOut.push(at(x, y) !== masked(mask, x, y) ? 1 : 0);
      }
    }
  }
  const raw: number[] = [];
  for (let i = 0; i + 8 <= bitsOut.length; i += 8) raw.push(bitsOut.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));

  const blocks = BLOCKS[level]![version]!;
  const eccLen = ECC_PER_BLOCK[level]![version]!;
  const shortBlocks = blocks - (raw.length % blocks);
  const shortLen = Math.floor(raw.length / blocks);
  const grid = Array.from({ length: blocks }, () => new Array<number>(shortLen + 1).fill(0));
  let k = 0;
  for (let i = 0; i <= shortLen; i++) {
    for (let b = 0; b < blocks; b++) {
      if (i === shortLen - eccLen && b < shortBlocks) continue;
      grid[b]![i] = raw[k++]!;
    }
  }
  const data: number[] = [];
  grid.forEach((block, b) => {
    const dataLen = shortLen - eccLen + (b < shortBlocks ? 0 : 1);
    const d = block.slice(0, dataLen);
    const ecc = block.slice(shortLen + 1 - eccLen);
    if (rsRemainder(d, eccLen).some((v, i) => v !== ecc[i])) {
      throw new QrDecodeError('qr_damaged', `block ${b} fails its Reed-Solomon check`);
    }
    data.push(...d);
  });
  return { text: segments(data, version), version, level: LEVEL_NAMES[level]!, mask };
}

/** The modules of the one upright QR symbol in a grayscale image (dark < 128). */
export function modulesFromImage(img: Gray): boolean[][] {
  const dark = (x: number, y: number) => img.lum[y * img.width + x]! < 128;
  let [minX, minY, maxX, maxY] = [img.width, img.height, -1, -1];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!dark(x, y)) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  if (maxX < 0) throw new QrDecodeError('qr_not_found', 'no dark pixel');
  // The top-left finder's top edge is 7 modules of dark: the module size.
  let run = 0;
  while (minX + run <= maxX && dark(minX + run, minY)) run++;
  const width = maxX - minX + 1;
  const height = maxY - minY + 1;
  const guess = Math.round(width / (run / 7));
  const size = Math.round((guess - 17) / 4) * 4 + 17;
  if (size < 21 || Math.abs(width - height) > width / size) {
    throw new QrDecodeError('qr_not_found', `no square QR symbol (${width} x ${height} px)`);
  }
  return Array.from({ length: size }, (_, my) =>
    Array.from({ length: size }, (_, mx) =>
      dark(Math.floor(minX + ((mx + 0.5) * width) / size), Math.floor(minY + ((my + 0.5) * height) / size)),
    ),
  );
}

/** The text of the QR code in a PNG (a screenshot of the code, upright and sharp). */
export function decodeQrPng(png: Buffer): QrRead {
  return decodeQrModules(modulesFromImage(readPngGray(png)));
}
