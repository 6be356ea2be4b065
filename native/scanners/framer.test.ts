import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultIdleMs, Framer, type Frame } from './framer.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function feed(f: Framer, chunks: Array<string | Buffer>, t0 = 0, step = 1): Frame[] {
  const out: Frame[] = [];
  let t = t0;
  for (const c of chunks) {
    out.push(...f.push(typeof c === 'string' ? b(c) : c, t));
    t += step;
  }
  return out;
}

describe('Framer, line mode', () => {
  it('ends codes at CR, LF, CRLF, TAB and ETX; the LF of a CRLF is no second code', () => {
    const f = new Framer();
    const frames = feed(f, ['2000001000014\r', '6901234567892\n', '4006381333931\r\n', 'ABC\t', '\x02X1\x03']);
    expect(frames.map((x) => x.text)).toEqual(['2000001000014', '6901234567892', '4006381333931', 'ABC', 'X1']);
    expect(frames.every((x) => x.error === undefined)).toBe(true);
  });

  it('joins a code split across writes, however small the pieces', () => {
    const f = new Framer();
    const frames = feed(f, ['20', '0000', '1', '000014', '\r', '\n', '69012345678', '92\r\n']);
    expect(frames.map((x) => x.text)).toEqual(['2000001000014', '6901234567892']);
  });

  it('drops noise bytes between codes and counts them', () => {
    const f = new Framer();
    const frames = feed(f, [
      Buffer.from([0x00, 0xff, 0x80, 0x1b, 0x7f]),
      '2000001000014\r\n',
      Buffer.from([0xfe, 0x00]),
    ]);
    expect(frames).toEqual([{ text: '2000001000014', at: 1 }]);
    expect(f.stats.noiseBytes).toBe(7);
  });

  it('refuses a code with a noise byte inside instead of repairing it', () => {
    const f = new Framer();
    const frames = feed(f, ['200000', Buffer.from([0x00]), '1000014\r\n']);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ error: 'misread_noise' });
  });

  it('keeps GS (FNC1) inside GS1 codes', () => {
    const f = new Framer();
    expect(feed(f, [']C1\x1d0104012345123456\r'])[0]?.text).toBe(']C1\x1d0104012345123456');
  });

  it('STX restarts a frame: a partial frame before it is discarded', () => {
    const f = new Framer();
    const frames = feed(f, ['garb', '\x022000001000014\x03']);
    expect(frames.map((x) => x.text)).toEqual(['2000001000014']);
    expect(f.stats.discarded).toBe(1);
  });

  it('discards a partial frame left without terminator for staleMs, so it cannot glue onto the next code', () => {
    const f = new Framer({ staleMs: 100 });
    expect(f.push(b('x7'), 0)).toEqual([]);
    expect(f.deadline()).toBe(100);
    expect(f.tick(150)).toEqual([]);
    expect(f.deadline()).toBeNull();
    expect(f.push(b('2000001000014\r'), 160).map((x) => x.text)).toEqual(['2000001000014']);
    // the same without the pause would be one (refused) code
    const g = new Framer({ staleMs: 100 });
    g.push(b('x7'), 0);
    expect(g.push(b('2000001000014\r'), 50).map((x) => x.text)).toEqual(['x72000001000014']);
  });

  it('reports an over-long frame as code_too_long at its end', () => {
    const f = new Framer({ maxLength: 8 });
    const frames = feed(f, ['1234567890123\r', '1234\r']);
    expect(frames[0]).toMatchObject({ error: 'code_too_long', text: '12345678' });
    expect(frames[1]).toEqual({ text: '1234', at: 1 });
  });
});

describe('Framer, idle mode', () => {
  it('ends a code after idleMs of silence', () => {
    const f = new Framer({ mode: 'idle', idleMs: 40 });
    expect(f.push(b('200000'), 0)).toEqual([]);
    expect(f.push(b('1000014'), 10)).toEqual([]);
    expect(f.tick(30)).toEqual([]);
    expect(f.deadline()).toBe(50);
    expect(f.tick(50)).toEqual([{ text: '2000001000014', at: 10 }]);
  });

  it('a terminator still ends a code at once', () => {
    const f = new Framer({ mode: 'idle', idleMs: 40 });
    expect(f.push(b('2000001000014\r'), 0).map((x) => x.text)).toEqual(['2000001000014']);
  });

  it('a new burst after the silence is a new code', () => {
    const f = new Framer({ mode: 'idle', idleMs: 40 });
    f.push(b('ABC'), 0);
    expect(f.push(b('DEF'), 100).map((x) => x.text)).toEqual(['ABC']);
    expect(f.tick(200).map((x) => x.text)).toEqual(['DEF']);
  });

  it('defaultIdleMs covers slow lines', () => {
    expect(defaultIdleMs(9600)).toBe(50);
    expect(defaultIdleMs(300)).toBe(167);
  });
});

describe('Framer fuzzing', () => {
  const chunks = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 });

  it('never throws, and every frame is printable ASCII/GS of bounded length', () => {
    fc.assert(
      fc.property(chunks, fc.constantFrom<'line' | 'idle'>('line', 'idle'), (cs, mode) => {
        const f = new Framer({ mode, idleMs: 5, staleMs: 5, maxLength: 32 });
        const frames: Frame[] = [];
        let t = 0;
        for (const c of cs) {
          frames.push(...f.push(c, t));
          t += 3;
        }
        frames.push(...f.tick(t + 100));
        for (const fr of frames) {
          expect(fr.text.length).toBeGreaterThan(0);
          expect(fr.text.length).toBeLessThanOrEqual(32);
          // eslint-disable-next-line no-control-regex -- GS (FNC1) is a legitimate code byte
          expect(/^[\x20-\x7e\x1d]+$/.test(fr.text)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a code survives any split and any noise between codes', () => {
    const noise = fc.uint8Array({ maxLength: 8 }).map((a) => a.filter((x) => x >= 0x80 || x === 0 || x === 0x1b));
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[0-9]{6,20}$/), { minLength: 1, maxLength: 5 }),
        fc.array(noise, { minLength: 6, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('\r', '\n', '\r\n', '\x03'),
        (codes, noises, cuts, term) => {
          const parts: Buffer[] = [];
          codes.forEach((c, i) => parts.push(Buffer.from(noises[i] ?? []), b(`${c}${term}`)));
          const stream = Buffer.concat(parts);
          const f = new Framer();
          const frames: Frame[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const n = cuts[i++ % cuts.length] as number;
            frames.push(...f.push(stream.subarray(at, at + n), i));
            at += n;
          }
          expect(frames.map((x) => x.text)).toEqual(codes);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
