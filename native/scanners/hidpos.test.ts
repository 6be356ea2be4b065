import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Frame } from './framer.js';
import { HidPosAssembler, hidPosReports, parseHidPosReport } from './hidpos.js';

const recording = JSON.parse(readFileSync(new URL('./fixtures/hidpos-reports.json', import.meta.url), 'utf8')) as {
  reports: Array<{ dtMs: number; hex: string }>;
};

function play(a: HidPosAssembler, reports: Array<{ dtMs: number; hex: string }>): Frame[] {
  const out: Frame[] = [];
  let t = 0;
  for (const r of reports) {
    t += r.dtMs;
    out.push(...a.push(Buffer.from(r.hex, 'hex'), t));
  }
  return out;
}

describe('HID POS scanned-data reports', () => {
  it('parses length, AIM symbology identifier, data and the continuation flag', () => {
    const [r] = hidPosReports('2000001000014', { aim: ']E0' });
    expect(r).toHaveLength(64);
    const p = parseHidPosReport(r as Buffer);
    expect(p).toMatchObject({ type: 'data', aim: ']E0', continued: false });
    expect(p.type === 'data' && Buffer.from(p.data).toString('latin1')).toBe('2000001000014');
  });

  it('ignores reports with another report ID and refuses a length beyond the report', () => {
    expect(parseHidPosReport(Buffer.from([0x04, 1, 2, 3, 4, 5, 6, 7, 8])).type).toBe('ignored');
    const bad = Buffer.alloc(64);
    bad[0] = 2;
    bad[1] = 57;
    expect(parseHidPosReport(bad)).toMatchObject({ type: 'damaged' });
  });

  it('reads the recorded session: two EAN-13 codes, a status report ignored, a QR over two reports', () => {
    const a = new HidPosAssembler();
    const frames = play(a, recording.reports);
    expect(frames.map((f) => f.text)).toEqual([']E02000001000014', ']E06901234567892', `]Q1LM1.${'A'.repeat(56)}`]);
    expect(frames.every((f) => !f.error)).toBe(true);
    expect(a.stats.ignored).toBe(1);
  });

  it('drops a trailing CR/LF suffix, refuses other control bytes in the data', () => {
    const a = new HidPosAssembler();
    expect(a.push(hidPosReports('2000001000014\r\n', { aim: ']E0' })[0] as Buffer, 0)).toEqual([
      { text: ']E02000001000014', at: 0 },
    ]);
    expect(a.push(hidPosReports('200000\x001000014')[0] as Buffer, 1)[0]).toMatchObject({ error: 'misread_noise' });
  });

  it('strips a configured prefix and suffix from the data, after the symbology identifier', () => {
    const a = new HidPosAssembler({ affixes: { prefix: '#', suffix: '!' } });
    expect(a.push(hidPosReports('#2000001000014!', { aim: ']E0' })[0] as Buffer, 0)[0]?.text).toBe(']E02000001000014');
  });

  it('a continuation that never comes is discarded, not glued to the next code', () => {
    const a = new HidPosAssembler({ staleMs: 100 });
    const [first] = hidPosReports(`LM1.${'B'.repeat(70)}`);
    expect(a.push(first as Buffer, 0)).toEqual([]);
    expect(a.deadline()).toBe(100);
    expect(a.push(hidPosReports('2000001000014')[0] as Buffer, 200).map((f) => f.text)).toEqual(['2000001000014']);
    expect(a.stats.discarded).toBe(1);
  });

  it('round-trips codes of any length through reports of any size', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Za-z.+/=]{1,200}$/), fc.integer({ min: 9, max: 64 }), (code, size) => {
        const a = new HidPosAssembler();
        const frames = hidPosReports(code, { reportSize: size }).flatMap((r, i) => a.push(r, i));
        expect(frames).toEqual([{ text: code, at: frames[0]?.at }]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('HID POS fuzzing', () => {
  it('random reports never throw and yield only printable, bounded text', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 30 }), (reports) => {
        const a = new HidPosAssembler({ maxLength: 64 });
        const frames: Frame[] = [];
        reports.forEach((r, i) => frames.push(...a.push(r, i), ...a.tick(i)));
        for (const f of frames) {
          expect(f.text.length).toBeLessThanOrEqual(64 + 3);
          // eslint-disable-next-line no-control-regex -- GS (FNC1) is a legitimate code byte
          if (!f.error) expect(/^[\x20-\x7e\x1d]*$/.test(f.text)).toBe(true);
          else expect(/^[\x20-\x7e\uFFFD]*$/.test(f.text)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('random reports shaped like scanned data (ID 2) never throw', () => {
    const report = fc.uint8Array({ minLength: 8, maxLength: 64 }).map((r) => {
      const b = Buffer.from(r);
      b[0] = 2;
      return b;
    });
    fc.assert(
      fc.property(fc.array(report, { maxLength: 20 }), (reports) => {
        const a = new HidPosAssembler();
        reports.forEach((r, i) => a.push(r, i));
      }),
      { numRuns: 2000 },
    );
  });
});
