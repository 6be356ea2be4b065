import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Frame } from './framer.js';
import { KeyboardReportDecoder, keyboardReports, usageToChar } from './hidkeyboard.js';

function recording(name: string): Array<{ dtMs: number; hex: string }> {
  return (
    JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as {
      reports: Array<{ dtMs: number; hex: string }>;
    }
  ).reports;
}

function play(d: KeyboardReportDecoder, reports: Array<{ dtMs: number; hex: string }>): Frame[] {
  const out: Frame[] = [];
  let t = 0;
  for (const r of reports) {
    t += r.dtMs;
    out.push(...d.push(Buffer.from(r.hex, 'hex'), t));
  }
  return out;
}

const report = (mods: number, ...keys: number[]): Buffer => {
  const r = Buffer.alloc(8);
  r[0] = mods;
  keys.forEach((k, i) => (r[2 + i] = k));
  return r;
};

describe('boot keyboard reports', () => {
  it('maps usage IDs to US-layout characters with shift', () => {
    expect(usageToChar(0x04, false)).toBe('a');
    expect(usageToChar(0x04, true)).toBe('A');
    expect(usageToChar(0x1e, false)).toBe('1');
    expect(usageToChar(0x1e, true)).toBe('!');
    expect(usageToChar(0x27, false)).toBe('0');
    expect(usageToChar(0x2d, true)).toBe('_');
    expect(usageToChar(0x62, false)).toBe('0'); // keypad 0
    expect(usageToChar(0x3a, false)).toBeNull(); // F1
  });

  it('reads the recorded keyboard-mode scanner: a member barcode, then mixed case and symbols', () => {
    const d = new KeyboardReportDecoder();
    expect(play(d, recording('keyboard-reports.json')).map((f) => f.text)).toEqual(['2000001000014', 'Ab-9!']);
  });

  it('reads a reader with numbered reports (9 bytes, report ID first)', () => {
    const d = new KeyboardReportDecoder();
    expect(play(d, recording('keyboard-nfc-reports.json')).map((f) => f.text)).toEqual(['4022250974']);
  });

  it('types a key once per press: held keys do not repeat, a repeated digit needs a release', () => {
    const d = new KeyboardReportDecoder();
    const frames = [
      report(0, 0x1e),
      report(0, 0x1e), // still held
      report(0),
      report(0, 0x1e),
      report(0, 0x1e, 0x1f), // 2 pressed while 1 is held (rollover)
      report(0),
      report(0, 0x28),
    ].flatMap((r, i) => d.push(r, i));
    expect(frames.map((f) => f.text)).toEqual(['112']);
  });

  it('ignores ErrorRollOver reports', () => {
    const d = new KeyboardReportDecoder();
    const frames = [report(0, 0x1e), report(0, 1, 1, 1, 1, 1, 1), report(0), report(0, 0x28)].flatMap((r, i) =>
      d.push(r, i),
    );
    expect(frames.map((f) => f.text)).toEqual(['1']);
  });

  it('Ctrl+] is GS (FNC1); other Ctrl, Alt or function keys inside a code refuse it', () => {
    const d = new KeyboardReportDecoder();
    const gs = [...keyboardReports('\x1d0104012345123456')].flatMap((r, i) => d.push(r, i));
    expect(gs[0]?.text).toBe('\x1d0104012345123456');
    const alt = [report(0, 0x1e), report(0), report(0x04, 0x1f), report(0), report(0, 0x28)].flatMap((r, i) =>
      d.push(r, 100 + i),
    );
    expect(alt[0]).toMatchObject({ error: 'misread_noise' });
    const f1 = [report(0, 0x3a), report(0, 0x28)].flatMap((r, i) => d.push(r, 200 + i));
    expect(f1[0]).toMatchObject({ error: 'misread_noise' });
  });

  it('discards a code whose Enter never came', () => {
    const d = new KeyboardReportDecoder({ staleMs: 100 });
    d.push(report(0, 0x1e), 0);
    d.push(report(0), 1);
    expect(d.deadline()).toBe(100);
    d.tick(200);
    const frames = [...keyboardReports('2')].flatMap((r) => d.push(r, 300));
    expect(frames.map((f) => f.text)).toEqual(['2']);
  });

  it('types back whatever keyboardReports typed', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~]{1,60}$/), (text) => {
        const d = new KeyboardReportDecoder();
        const frames = keyboardReports(text).flatMap((r, i) => d.push(r, i));
        expect(frames.map((f) => f.text)).toEqual([text]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('keyboard report fuzzing', () => {
  it('random reports never throw and yield only printable, bounded text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ minLength: 8, maxLength: 9 }), fc.uint8Array({ maxLength: 20 })), {
          maxLength: 60,
        }),
        (reports) => {
          const d = new KeyboardReportDecoder({ maxLength: 32 });
          const frames = reports.flatMap((r, i) => [...d.push(r, i), ...d.tick(i)]);
          for (const f of frames) {
            expect(f.text.length).toBeLessThanOrEqual(32);
            // eslint-disable-next-line no-control-regex -- GS (FNC1) is a legitimate code byte
            expect(/^[\x20-\x7e\x1d]*$/.test(f.text)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
