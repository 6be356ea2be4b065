/**
 * An ESC/POS tokenizer: splits a byte stream into commands (with their parameter bytes) and
 * print data, knowing how long each command is. The printer simulator uses it to answer
 * DLE EOT and to find where a receipt ends, and the receipt tests use it to decode what
 * would be printed. It covers the commands the till sends plus the common rest of the
 * TM-series set; anything else is reported as unknown rather than guessed at.
 */

const ESC = 0x1b;
const FS = 0x1c;
const GS = 0x1d;
const DLE = 0x10;

export type Token =
  | { type: 'data'; byte: number }
  | { type: 'lf' }
  | { type: 'cr' }
  | { type: 'ht' }
  /** `name` is the mnemonic ("ESC @", "GS ( k", "DLE EOT"); `args` are the bytes after it */
  | { type: 'cmd'; name: string; args: Buffer }
  /** a command byte sequence this tokenizer does not know (one byte consumed) */
  | { type: 'unknown'; byte: number };

export interface TokenAt {
  token: Token;
  /** index after the token */
  next: number;
}

const NAMES: Record<number, string> = { [ESC]: 'ESC', [FS]: 'FS', [GS]: 'GS', [DLE]: 'DLE' };

function printable(c: number): string {
  if (c === 0x20) return 'SP';
  if (c === 0x04) return 'EOT';
  if (c === 0x05) return 'ENQ';
  if (c === 0x14) return 'DC4';
  return c >= 0x21 && c < 0x7f ? String.fromCharCode(c) : `0x${c.toString(16).padStart(2, '0')}`;
}

/** Fixed parameter counts by prefix and function byte. */
const FIXED: Record<number, Record<string, number>> = {
  [ESC]: {
    '@': 0,
    '2': 0,
    '3': 1,
    a: 1,
    M: 1,
    SP: 1,
    '{': 1,
    '-': 1,
    E: 1,
    G: 1,
    t: 1,
    R: 1,
    d: 1,
    J: 1,
    K: 1,
    e: 1,
    '!': 1,
    $: 2,
    '\\': 2,
    V: 1,
    r: 1,
    U: 1,
    L: 0,
    S: 0,
    T: 1,
    W: 8,
    i: 0,
    m: 0,
    '=': 1,
    p: 3,
    '%': 1,
    '?': 1,
    c: 2,
  },
  [FS]: { '&': 0, '.': 0, C: 1, '-': 1, '!': 1, S: 2, W: 1, p: 2 },
  [GS]: {
    a: 1,
    B: 1,
    '!': 1,
    w: 1,
    h: 1,
    H: 1,
    f: 1,
    r: 1,
    b: 1,
    I: 1,
    L: 2,
    W: 2,
    P: 2,
    $: 2,
    '\\': 2,
    '/': 1,
    ':': 0,
    '^': 3,
    g: 2,
  },
  [DLE]: { EOT: 1, ENQ: 1, DC4: 3 },
};

function cmd(buf: Buffer, i: number, nameLen: number, argLen: number): TokenAt | null {
  const end = i + nameLen + argLen;
  if (end > buf.length) return null;
  const prefix = buf[i] ?? 0;
  const parts = [NAMES[prefix] ?? '?'];
  for (let k = 1; k < nameLen; k++) parts.push(printable(buf[i + k] ?? 0));
  return { token: { type: 'cmd', name: parts.join(' '), args: buf.subarray(i + nameLen, end) }, next: end };
}

/**
 * The token starting at `i`, or null when the buffer ends inside it (wait for more bytes).
 */
export function nextToken(buf: Buffer, i: number): TokenAt | null {
  if (i >= buf.length) return null;
  const b = buf[i] ?? 0;
  if (b === 0x0a) return { token: { type: 'lf' }, next: i + 1 };
  if (b === 0x0d) return { token: { type: 'cr' }, next: i + 1 };
  if (b === 0x09) return { token: { type: 'ht' }, next: i + 1 };
  if (b !== ESC && b !== FS && b !== GS && b !== DLE) {
    if (b < 0x20) return { token: { type: 'unknown', byte: b }, next: i + 1 };
    return { token: { type: 'data', byte: b }, next: i + 1 };
  }
  if (i + 1 >= buf.length) return null;
  const f = buf[i + 1] ?? 0;
  const key = printable(f);
  // Variable-length commands first.
  if ((b === GS || b === FS) && f === 0x28) {
    // GS ( X pL pH d1..dk / FS ( X pL pH d1..dk
    if (i + 4 >= buf.length) return null;
    const len = (buf[i + 3] ?? 0) + (buf[i + 4] ?? 0) * 256;
    return cmd(buf, i, 3, 2 + len);
  }
  if (b === GS && f === 0x38) {
    // GS 8 L p1 p2 p3 p4 d1..dk (large graphics data)
    if (i + 6 >= buf.length) return null;
    const len = (buf[i + 3] ?? 0) + (buf[i + 4] ?? 0) * 256 + (buf[i + 5] ?? 0) * 65536 + (buf[i + 6] ?? 0) * 16777216;
    return cmd(buf, i, 3, 4 + len);
  }
  if (b === GS && f === 0x76) {
    // GS v 0 m xL xH yL yH d1..dk (raster bit image)
    if (i + 7 >= buf.length) return null;
    const x = (buf[i + 4] ?? 0) + (buf[i + 5] ?? 0) * 256;
    const y = (buf[i + 6] ?? 0) + (buf[i + 7] ?? 0) * 256;
    return cmd(buf, i, 3, 5 + x * y);
  }
  if (b === GS && f === 0x6b) {
    // GS k m d1..dk NUL (m 0..6) or GS k m n d1..dn (m 65..79)
    if (i + 2 >= buf.length) return null;
    const m = buf[i + 2] ?? 0;
    if (m <= 6) {
      const nul = buf.indexOf(0, i + 3);
      if (nul < 0) return null;
      return cmd(buf, i, 2, nul + 1 - (i + 2));
    }
    if (i + 3 >= buf.length) return null;
    return cmd(buf, i, 2, 2 + (buf[i + 3] ?? 0));
  }
  if (b === GS && f === 0x56) {
    // GS V m (m 0, 1, 48, 49) or GS V m n (m 65, 66, 97, 98, 103, 104)
    if (i + 2 >= buf.length) return null;
    const m = buf[i + 2] ?? 0;
    return cmd(buf, i, 2, m === 0 || m === 1 || m === 48 || m === 49 ? 1 : 2);
  }
  if (b === GS && f === 0x2a) {
    // GS * x y d1..d(x*y*8)
    if (i + 3 >= buf.length) return null;
    return cmd(buf, i, 2, 2 + (buf[i + 2] ?? 0) * (buf[i + 3] ?? 0) * 8);
  }
  if (b === ESC && f === 0x2a) {
    // ESC * m nL nH d1..dk (bit image; k = n or 3n)
    if (i + 4 >= buf.length) return null;
    const m = buf[i + 2] ?? 0;
    const n = (buf[i + 3] ?? 0) + (buf[i + 4] ?? 0) * 256;
    return cmd(buf, i, 2, 3 + (m >= 32 ? 3 * n : n));
  }
  if (b === ESC && f === 0x44) {
    // ESC D n1..nk NUL (tab positions)
    const nul = buf.indexOf(0, i + 2);
    if (nul < 0) return null;
    return cmd(buf, i, 2, nul + 1 - (i + 2));
  }
  const fixed = FIXED[b]?.[key];
  if (fixed === undefined) return { token: { type: 'unknown', byte: b }, next: i + 1 };
  return cmd(buf, i, 2, fixed);
}

/** All tokens of a complete buffer; a command cut off at the end is reported as unknown bytes. */
export function tokenize(buf: Buffer): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < buf.length) {
    const t = nextToken(buf, i);
    if (!t) {
      for (; i < buf.length; i++) out.push({ type: 'unknown', byte: buf[i] ?? 0 });
      break;
    }
    out.push(t.token);
    i = t.next;
  }
  return out;
}
