/**
 * Fuzzing from the wire to the member lookup: random bytes through every parser a reader's
 * bytes pass (serial framer, HID POS reports, keyboard reports, serial NFC lines, PC/SC
 * GET UID answers), and each resulting read through the device manager of a real till with
 * enrolled members. Nothing throws, and nothing identifies anybody: random input never does,
 * and a member's code with one byte damaged identifies that member or nobody, never another.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UidProfile } from '../../core/cards/uid.js';
import { parseGetUidResponse } from '../../native/nfc/pcsc.js';
import { UID_PROFILES } from '../../core/cards/uid-line.js';
import { Framer, type Frame } from '../../native/scanners/framer.js';
import { KeyboardReportDecoder } from '../../native/scanners/hidkeyboard.js';
import { HidPosAssembler } from '../../native/scanners/hidpos.js';
import { frameToRead } from '../../native/scanners/reads.js';
import type { CardKind, CardRead } from '../../native/scanners/types.js';
import { startDeviceTill, type DeviceTill } from '../../test/devices/till.js';
import { SIMULATED_NFC, SIMULATED_SCANNER, type ReadOutcome } from './manager.js';

let t: DeviceTill;
const members: string[] = [];
const uids = ['04A2B3C4D5E680', 'DEADBEEF', '08112233', '04C1D2E3F4A5B6'];

beforeAll(async () => {
  t = await startDeviceTill({ devices: 'simulated', deviceOptions: { debounceMs: 0 } });
  // UIDs are enrolled written with separators, so one without A-F is not taken for a barcode.
  const card = (i: number): string | undefined => uids[i]?.match(/../g)?.join(':');
  for (let i = 0; i < 12; i++) members.push(await t.enrol(card(i)));
}, 60_000);

afterAll(async () => {
  await t.close();
});

function deliver(kind: CardKind, reads: CardRead[]): ReadOutcome[] {
  return reads.map((r) => {
    const o = t.till.devices.deliver(kind === 'nfc' ? SIMULATED_NFC : SIMULATED_SCANNER, r);
    if (!o) throw new Error('simulated device missing');
    return o;
  });
}

function noIdentification(outcomes: ReadOutcome[]): void {
  for (const o of outcomes) expect(o.outcome, JSON.stringify(o)).not.toBe('identified');
}

const RUNS = { numRuns: 600 };
const bytes = fc.uint8Array({ maxLength: 120 });
const profile = fc.constantFrom(...Object.values(UID_PROFILES)) as fc.Arbitrary<UidProfile>;

describe('random bytes identify nobody', () => {
  it('serial scanners (line and idle framing)', () => {
    fc.assert(
      fc.property(
        fc.array(bytes, { maxLength: 8 }),
        fc.constantFrom<'line' | 'idle'>('line', 'idle'),
        (chunks, mode) => {
          const f = new Framer({ mode, idleMs: 5 });
          const frames: Frame[] = [];
          chunks.forEach((c, i) => frames.push(...f.push(c, i * 3)));
          frames.push(...f.push(Buffer.from('\r'), 100), ...f.tick(1000));
          noIdentification(
            deliver(
              'barcode',
              frames.map((fr) => frameToRead(fr, 'barcode', {})),
            ),
          );
        },
      ),
      RUNS,
    );
  });

  it('serial NFC readers, every profile', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 6 }), profile, (chunks, p) => {
        const f = new Framer();
        const frames = chunks.flatMap((c, i) => f.push(c, i)).concat(f.push(Buffer.from('\n'), 99));
        noIdentification(
          deliver(
            'nfc',
            frames.map((fr) => frameToRead(fr, 'nfc', { uidProfile: p })),
          ),
        );
      }),
      RUNS,
    );
  });

  it('HID POS reports', () => {
    const report = fc.uint8Array({ minLength: 8, maxLength: 64 }).map((r) => {
      const b = Buffer.from(r);
      b[0] = 2; // scanned data, so the parser looks at every byte
      return b;
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(report, bytes), { maxLength: 10 }), (reports) => {
        const a = new HidPosAssembler();
        const frames = reports.flatMap((r, i) => a.push(r, i));
        noIdentification(
          deliver(
            'barcode',
            frames.map((fr) => frameToRead(fr, 'barcode', {})),
          ),
        );
      }),
      RUNS,
    );
  });

  it('keyboard reports (scanners and NFC wedges)', () => {
    const report = fc.uint8Array({ minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(report, { maxLength: 40 }),
        fc.constantFrom<CardKind>('barcode', 'nfc'),
        profile,
        (rs, kind, p) => {
          const d = new KeyboardReportDecoder();
          const frames = rs.flatMap((r, i) => d.push(r, i));
          noIdentification(
            deliver(
              kind,
              frames.map((fr) => frameToRead(fr, kind, { uidProfile: p })),
            ),
          );
        },
      ),
      RUNS,
    );
  });

  it('PC/SC GET UID answers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (resp) => {
        const r = parseGetUidResponse(resp);
        const read: CardRead = r.ok
          ? { kind: 'nfc', text: r.uid, at: 0 }
          : { kind: 'nfc', text: '', error: r.error, at: 0 };
        noIdentification(deliver('nfc', [read]));
      }),
      RUNS,
    );
  });
});

describe('a damaged code never identifies another member', () => {
  it('one byte substituted, inserted, dropped or doubled anywhere in a framed scan', () => {
    const damage = fc.record({
      member: fc.nat(),
      op: fc.constantFrom('substitute', 'insert', 'drop', 'double'),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      aim: fc.boolean(),
    });
    let identifiedSelf = 0;
    fc.assert(
      fc.property(damage, (d) => {
        const memberNo = members[d.member % members.length] as string;
        const clean = Buffer.from(`${d.aim ? ']E0' : ''}${memberNo}\r\n`, 'latin1');
        const at = d.at % clean.length;
        const parts = [...clean];
        if (d.op === 'substitute') parts[at] = d.byte;
        else if (d.op === 'insert') parts.splice(at, 0, d.byte);
        else if (d.op === 'drop') parts.splice(at, 1);
        else parts.splice(at, 0, parts[at] as number);
        const f = new Framer();
        const frames = [...f.push(Buffer.from(parts), 0), ...f.push(Buffer.from('\r'), 1)];
        for (const o of deliver(
          'barcode',
          frames.map((fr) => frameToRead(fr, 'barcode', {})),
        )) {
          if (o.outcome === 'identified') {
            expect(o.memberNo).toBe(memberNo);
            identifiedSelf++;
          }
        }
      }),
      { numRuns: 2000 },
    );
    // damage to the framing (a doubled CR, a noise byte before the code) still reads it
    expect(identifiedSelf).toBeGreaterThan(0);
  });

  it('one hex digit changed in a tapped UID never identifies another member', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 15 }), (m, pos, delta) => {
        const uid = uids[m % uids.length] as string;
        const i = pos % uid.length;
        const digit = ((parseInt(uid.charAt(i), 16) + delta) % 16).toString(16).toUpperCase();
        const changed = uid.slice(0, i) + digit + uid.slice(i + 1);
        const [o] = deliver('nfc', [{ kind: 'nfc', text: changed, at: 0 }]);
        expect(o?.outcome).not.toBe('identified');
      }),
      { numRuns: 300 },
    );
  });
});
