/**
 * Serial readers over real serial lines (pty pairs made by socat) into a real till: scanner
 * processes write codes at different bauds and terminators, split across writes, with noise
 * between them; the till identifies each member. Pulling the line (killing socat) and putting
 * it back (socat again on the same link paths) recovers without restarting the till.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockHidBackend } from '../../native/scanners/hid-sim.js';
import type { TillEvent } from '../../main/service/events.js';
import { ScannerProcess } from './scanner-process.js';
import { PtyPair, socatUnavailable } from './socat.js';
import { startDeviceTill, until, type DeviceTill } from './till.js';

const noSocat = socatUnavailable();
const NOISE = Buffer.from([0x00, 0xff, 0x80, 0x1b, 0x7f, 0xfe]);

/** Fails naming the step when it takes longer than `ms`, rather than leaving the test to time out. */
function step<T>(name: string, p: Promise<T>, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe.skipIf(noSocat !== null)(`serial readers on real ptys${noSocat ? ` (skipped: ${noSocat})` : ''}`, () => {
  let dir: string;
  let t: DeviceTill;
  const pairs: Record<string, PtyPair> = {};
  const scanners: ScannerProcess[] = [];
  const onLine: Record<string, ScannerProcess> = {};
  const members: Record<string, string> = {};

  const isMember = (memberNo: string) => (e: TillEvent) => e.type === 'member' && e.memberNo === memberNo;
  const deviceIs = (id: string, state: string) => (e: TillEvent) =>
    e.type === 'device' && e.device === id && e.state === state;

  async function scanner(name: string, baud: number): Promise<ScannerProcess> {
    const s = new ScannerProcess((pairs[name] as PtyPair).scannerLink, baud);
    scanners.push(s);
    onLine[name] = s;
    await s.ready;
    return s;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'till-pty-'));
    for (const name of ['a', 'b', 'c', 'd']) {
      pairs[name] = new PtyPair(join(dir, `scanner-${name}`), join(dir, `till-${name}`));
    }
    // a, b, c are plugged in before the till starts; d is hot-plugged later
    await Promise.all(['a', 'b', 'c'].map((n) => (pairs[n] as PtyPair).start()));
    t = await startDeviceTill({
      devices: 'auto',
      scanners: [
        `serial:${join(dir, 'till-a')}?baud=9600&term=crlf`,
        `serial:${join(dir, 'till-b')}?baud=115200&term=none&idle=150&prefix=%5B&suffix=%5D`,
        `nfc-serial:${join(dir, 'till-c')}?baud=1200&term=cr&profile=decimal10-lsb`,
        `nfc-serial:${join(dir, 'till-d')}?baud=19200&term=lf&profile=hex-lsb`,
      ].join(','),
      deviceOptions: {
        hid: () => Promise.resolve(new MockHidBackend()), // no USB here; HID is tested with recorded reports
        backoff: { initialMs: 50, maxMs: 400 },
        debounceMs: 300,
      },
    });
    members.a = await t.enrol();
    members.a2 = await t.enrol('6901234567892');
    members.b = await t.enrol();
    members.c = await t.enrol('DE:AD:BE:EF');
    members.d = await t.enrol('04A2B3C4D5E680');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(scanners.map((s) => s.stop()));
    await t?.close();
    await Promise.all(Object.values(pairs).map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the plugged-in lines and reports the missing one as disconnected', async () => {
    for (const n of ['a', 'b', 'c']) {
      const id = n === 'c' ? `nfc-serial:${join(dir, 'till-c')}` : `serial:${join(dir, `till-${n}`)}`;
      await until(async () => (await t.device(id)).state === 'ready', `${id} ready`);
    }
    const d = await t.device(`nfc-serial:${join(dir, 'till-d')}`);
    expect(d.state).toBe('disconnected');
    expect(d.detail).toMatch(/cannot open .*till-d/);
  });

  it('9600 baud, CRLF: codes split across writes with noise between them identify their members', async () => {
    const s = await scanner('a', 9600);
    const a = members.a as string;
    let mark = t.events.mark();
    await s.write([NOISE, a.slice(0, 5), a.slice(5, 9), `${a.slice(9)}\r`, '\n']);
    await t.events.waitFor(isMember(a), `member ${a}`, 5000, mark);
    mark = t.events.mark();
    await s.write([NOISE, '69012', '34567892\r\n', NOISE]);
    await t.events.waitFor(isMember(members.a2 as string), 'member by EAN card', 5000, mark);
    // a misread: the last digit wrong; a card event says so, nobody is identified
    mark = t.events.mark();
    const bad = `${a.slice(0, 12)}${(Number(a.at(-1)) + 3) % 10}`;
    await s.write([`${bad}\r\n`]);
    const refused = await t.events.waitFor((e) => e.type === 'card' && e.error !== undefined, 'refusal', 5000, mark);
    expect(refused).toMatchObject({ error: 'misread_check_digit', code: bad });
    // a noise byte inside a code refuses it rather than "repairing" it
    mark = t.events.mark();
    await s.write([`${a.slice(0, 6)}`, Buffer.from([0x00]), `${a.slice(6)}\r\n`]);
    await t.events.waitFor((e) => e.type === 'card' && e.error === 'misread_noise', 'noise refusal', 5000, mark);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.events.events.slice(mark).filter((e) => e.type === 'member')).toEqual([]);
  });

  it('115200 baud, no terminator (idle timeout), prefix and suffix stripped', async () => {
    const s = await scanner('b', 115200);
    const b = members.b as string;
    const mark = t.events.mark();
    // idle=150, not a faster scanner's 40: a loaded CI runner may stall the relay between the two
    // halves below; the noise is then followed by silence well past it.
    await s.write([NOISE], 400); // noise, then silence: dropped
    await s.write([`[${b.slice(0, 7)}`, `${b.slice(7)}]`], 5);
    const card = await t.events.waitFor((e) => e.type === 'card', 'card', 5000, mark);
    expect(card).toMatchObject({ source: `serial:${join(dir, 'till-b')}`, code: b });
    await t.events.waitFor(isMember(b), `member ${b}`, 5000, mark);
  });

  it('1200 baud NFC reader, STX/ETX framing, 10-digit little-endian decimal UIDs', async () => {
    const s = await scanner('c', 1200);
    const mark = t.events.mark();
    // DE AD BE EF read as a little-endian 32-bit number: 0xEFBEADDE = 4022250974
    await s.write([NOISE, '\x024022', '250974\r', '\x03']);
    const card = await t.events.waitFor((e) => e.type === 'card', 'card', 5000, mark);
    expect(card).toMatchObject({ code: 'DEADBEEF', kind: 'nfc' });
    await t.events.waitFor(isMember(members.c as string), 'member by NFC card', 5000, mark);
  });

  it('a reader plugged in while the till runs is opened: 19200 baud, LF, labelled reversed hex', async () => {
    const id = `nfc-serial:${join(dir, 'till-d')}`;
    const mark = t.events.mark();
    await (pairs.d as PtyPair).start();
    await t.events.waitFor(deviceIs(id, 'ready'), 'hot-plugged reader ready', 10_000, mark);
    const s = await scanner('d', 19200);
    await s.write(['UID: 80 E6 D5 C4', ' B3 A2 04\n']);
    await t.events.waitFor(isMember(members.d as string), 'member by 7-byte UID', 5000, mark);
  });

  it('pulling the line and putting it back recovers without restarting the till', async () => {
    const id = `serial:${join(dir, 'till-a')}`;
    const url = t.url;
    await step('stop the scanner process on line a', onLine.a?.stop() ?? Promise.resolve());
    let mark = t.events.mark();
    await step('kill socat (unplug)', (pairs.a as PtyPair).stop());
    await t.events.waitFor(deviceIs(id, 'disconnected'), 'unplugged', 5000, mark);
    expect(await step('health', t.device(id))).toMatchObject({
      state: 'disconnected',
      detail: expect.stringMatching(/^lost: /),
    });
    await new Promise((r) => setTimeout(r, 300)); // the till retries meanwhile
    mark = t.events.mark();
    await step('start socat again on the same links (replug)', (pairs.a as PtyPair).start());
    await t.events.waitFor(deviceIs(id, 'ready'), 'replugged', 10_000, mark);
    expect(await step('health', t.device(id))).toMatchObject({ state: 'ready', reconnects: 1 });
    const s = await step('start a scanner process', scanner('a', 9600));
    mark = t.events.mark();
    await step('scan', s.write([NOISE, `${members.a}\r\n`]));
    await t.events.waitFor(isMember(members.a as string), 'member after replug', 5000, mark);
    expect(t.url).toBe(url);
    // the other lines were not disturbed
    expect((await step('health', t.device(`serial:${join(dir, 'till-b')}`))).reconnects).toBe(0);
  }, 60_000);
});
