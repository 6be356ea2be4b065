/**
 * The device manager inside a real till (createTill, SQLite in a temp folder, HTTP on
 * loopback), with the drivers' stand-ins where no hardware exists: serialport's mock binding,
 * the node-hid-shaped MockHidBackend and the nfc-pcsc stand-in. Real ptys: test/devices.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatUidForReader, type UidProfile } from '../../core/cards/uid.js';
import { SimulatedPcsc } from '../../native/nfc/pcsc-sim.js';
import { UID_PROFILES } from '../../core/cards/uid-line.js';
import { MockHidBackend } from '../../native/scanners/hid-sim.js';
import { hidPosReports } from '../../native/scanners/hidpos.js';
import { keyboardReports } from '../../native/scanners/hidkeyboard.js';
import { MockSerialPorts } from '../../native/scanners/serial-mock.js';
import type { TillEvent } from '../service/events.js';
import { startDeviceTill, until, type DeviceTill } from '../../test/devices/till.js';

const tills: DeviceTill[] = [];
afterEach(async () => {
  await Promise.all(tills.splice(0).map((t) => t.close()));
});

async function start(o: Parameters<typeof startDeviceTill>[0]): Promise<DeviceTill> {
  const t = await startDeviceTill(o);
  tills.push(t);
  return t;
}

const isMember = (memberNo: string) => (e: TillEvent) => e.type === 'member' && e.memberNo === memberNo;
let pathNo = 0;
const mockPath = (name: string): string => `/dev/ROBOT-${name}-${process.pid}-${pathNo++}`;

describe('TILL_DEVICES=simulated', () => {
  it('lists the simulated readers in /v1/health and identifies scans and taps through POST /v1/devices/simulate', async () => {
    const t = await start({ devices: 'simulated' });
    await until(async () => (await t.device('simulated:nfc')).state === 'ready', 'simulated readers ready');
    const h = await t.get('/v1/health');
    expect(h.body.devices.map((d: { id: string; state: string }) => [d.id, d.state])).toEqual([
      ['simulated:scanner', 'ready'],
      ['simulated:nfc', 'ready'],
      ['keyboard', 'ui'],
    ]);

    const byBarcode = await t.enrol();
    const byCard = await t.enrol('04:A2:B3:C4:D5:E6:80');
    const scan = await t.post('/v1/devices/simulate', { kind: 'scan', code: `]E0${byBarcode}` });
    expect(scan).toMatchObject({
      status: 200,
      body: {
        outcome: 'identified',
        memberNo: byBarcode,
        device: 'simulated:scanner',
        code: byBarcode,
        kind: 'barcode',
      },
    });
    const tap = await t.post('/v1/devices/simulate', { kind: 'tap', code: '04a2b3c4d5e680' });
    expect(tap.body).toMatchObject({ outcome: 'identified', memberNo: byCard, code: '04A2B3C4D5E680', kind: 'nfc' });

    const cards = t.events.of('card');
    expect(cards).toEqual([
      { type: 'card', source: 'simulated:scanner', code: byBarcode, kind: 'barcode' },
      { type: 'card', source: 'simulated:nfc', code: '04A2B3C4D5E680', kind: 'nfc' },
    ]);
    // each card event comes before its member event
    const order = t.events.events.filter((e) => e.type === 'card' || e.type === 'member').map((e) => e.type);
    expect(order).toEqual(['card', 'member', 'card', 'member']);
  });

  it('refuses misreads and unknown cards with a card event carrying the error, and identifies nobody', async () => {
    const t = await start({ devices: 'simulated' });
    await until(async () => (await t.device('simulated:scanner')).state === 'ready', 'ready');
    const memberNo = await t.enrol();
    const misread = `${memberNo.slice(0, 12)}${(Number(memberNo.at(-1)) + 1) % 10}`;
    expect((await t.post('/v1/devices/simulate', { kind: 'scan', code: misread })).body).toMatchObject({
      outcome: 'refused',
      error: 'misread_check_digit',
    });
    expect((await t.post('/v1/devices/simulate', { kind: 'scan', code: '6901234567892' })).body).toMatchObject({
      outcome: 'refused',
      error: 'unknown_card',
    });
    expect((await t.post('/v1/devices/simulate', { kind: 'tap', code: '01 02 03' })).body).toMatchObject({
      outcome: 'refused',
      error: 'invalid_uid',
    });
    expect(t.events.of('member')).toEqual([]);
    expect(t.events.of('card').map((c) => c.error)).toEqual(['misread_check_digit', 'unknown_card', 'invalid_uid']);
  });

  it('debounces the same code read again within the window', async () => {
    const t = await start({ devices: 'simulated', deviceOptions: { debounceMs: 300 } });
    await until(async () => (await t.device('simulated:scanner')).state === 'ready', 'ready');
    const memberNo = await t.enrol();
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push((await t.post('/v1/devices/simulate', { kind: 'scan', code: memberNo })).body.outcome);
    }
    await new Promise((r) => setTimeout(r, 350));
    outcomes.push((await t.post('/v1/devices/simulate', { kind: 'scan', code: memberNo })).body.outcome);
    expect(outcomes).toEqual(['identified', 'debounced', 'debounced', 'identified']);
    expect(t.events.of('member')).toHaveLength(2);
  });

  it('validates the request; the endpoint needs the POS key', async () => {
    const t = await start({ devices: 'simulated' });
    expect((await t.post('/v1/devices/simulate', { kind: 'wave', code: '1' })).status).toBe(400);
    expect((await t.post('/v1/devices/simulate', { kind: 'scan', code: '' })).status).toBe(400);
    expect((await t.post('/v1/devices/simulate', { kind: 'scan', code: '1' }, null)).status).toBe(401);
    expect((await t.post('/v1/devices/simulate', { kind: 'scan', code: '1' }, 'wrong-key')).status).toBe(401);
    const doc = (await t.get('/v1/openapi.json')).body;
    expect(doc.paths['/v1/devices/simulate'].post.requestBody).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.DeviceStatus)).toContain('readCount');
  });

  it('the simulate endpoint does not exist on a till with real devices', async () => {
    const t = await start({ devices: 'auto', scanners: 'keyboard' });
    const r = await t.post('/v1/devices/simulate', { kind: 'scan', code: '2000001000014' });
    expect(r.status).toBe(404);
  });
});

describe('reader profiles', () => {
  it('UID forms of one card from every reader profile identify the one member', async () => {
    const ports = new MockSerialPorts();
    const hid = new MockHidBackend();
    const uid4 = 'DEADBEEF';
    const uid7 = '04A2B3C4D5E680';
    const profiles = Object.keys(UID_PROFILES);
    const paths = profiles.map((p) => mockPath(`nfc-${p}`));
    paths.forEach((p) => ports.create(p));
    const scanners = [
      ...profiles.map((p, i) => `nfc-serial:${paths[i]}?profile=${p}`),
      'hid:ffff:0035?mode=keyboard&reads=nfc&profile=decimal10-lsb',
    ].join(',');
    hid.plug({ vendorId: 0xffff, productId: 0x35, path: '/dev/hidraw-wedge', usagePage: 1, usage: 6 });
    const t = await start({
      devices: 'auto',
      scanners,
      deviceOptions: { serialOpener: ports.opener, hid: () => Promise.resolve(hid), debounceMs: 0 },
    });
    await until(
      async () => (await t.get('/v1/health')).body.devices.every((d: { state: string }) => d.state === 'ready'),
      'every reader ready',
    );
    const m4 = await t.enrol(uid4);
    const m7 = await t.enrol(uid7);

    for (const [i, name] of profiles.entries()) {
      const profile = UID_PROFILES[name] as UidProfile;
      for (const [uid, memberNo] of [
        [uid4, m4],
        [uid7, m7],
      ] as const) {
        if (profile.format === 'decimal10' && uid.length !== 8) continue;
        const mark = t.events.mark();
        ports.emit(paths[i] as string, `${formatUidForReader(uid, profile)}\r\n`);
        const card = await t.events.waitFor((e) => e.type === 'card', `card from ${name}`, 5000, mark);
        expect(card).toMatchObject({ source: `nfc-serial:${paths[i]}`, code: uid, kind: 'nfc' });
        await t.events.waitFor(isMember(memberNo), `${memberNo} via ${name}`, 5000, mark);
      }
    }
    // the keyboard-wedge reader types the 10-digit little-endian decimal
    const mark = t.events.mark();
    for (const r of keyboardReports(formatUidForReader(uid4, UID_PROFILES['decimal10-lsb'] as UidProfile))) {
      hid.send('/dev/hidraw-wedge', r);
    }
    await t.events.waitFor(isMember(m4), 'member via keyboard wedge', 5000, mark);
    // the same reader misconfigured (msb instead of lsb) reads another card: never this member
    const wrong = formatUidForReader(uid4, UID_PROFILES['decimal10-msb'] as UidProfile);
    const before = t.events.of('member').length;
    ports.emit(paths[profiles.indexOf('decimal10-lsb')] as string, `${wrong}\r\n`);
    await t.events.waitFor((e) => e.type === 'card' && e.error === 'unknown_card', 'unknown card', 5000);
    expect(t.events.of('member')).toHaveLength(before);
  });
});

describe('reconnecting', () => {
  it('a serial scanner unplugged and replugged is reopened without restarting the till', async () => {
    const ports = new MockSerialPorts();
    const path = mockPath('scanner');
    ports.create(path);
    const t = await start({
      devices: 'auto',
      scanners: `serial:${path}?baud=19200`,
      deviceOptions: { serialOpener: ports.opener },
    });
    const id = `serial:${path}`;
    await until(async () => (await t.device(id)).state === 'ready', 'ready');
    const memberNo = await t.enrol();
    const first = t.events.mark();
    ports.emit(path, `${memberNo}\r\n`);
    await t.events.waitFor(isMember(memberNo), 'first scan', 5000, first);

    ports.unplug(path);
    await t.events.waitFor((e) => e.type === 'device' && e.device === id && e.state === 'disconnected', 'unplug');
    expect(await t.device(id)).toMatchObject({ state: 'disconnected', detail: expect.stringMatching(/^lost: /) });
    await new Promise((r) => setTimeout(r, 150)); // a few failed retries
    ports.replug(path);
    await t.events.waitFor((e) => e.type === 'device' && e.device === id && e.state === 'ready', 'replug');
    expect(await t.device(id)).toMatchObject({ state: 'ready', reconnects: 1 });
    const mark = t.events.mark();
    await new Promise((r) => setTimeout(r, 1600)); // past the debounce window
    ports.emit(path, `${memberNo}\r\n`);
    await t.events.waitFor(isMember(memberNo), 'scan after replug', 5000, mark);
  });

  it('retries with exponential backoff up to the maximum', async () => {
    const attempts: number[] = [];
    const t = await start({
      devices: 'auto',
      scanners: 'serial:/dev/ROBOT-never-there',
      deviceOptions: {
        serialOpener: () => {
          attempts.push(performance.now());
          return Promise.reject(new Error('No such file or directory'));
        },
        backoff: { initialMs: 20, maxMs: 160, factor: 2, jitter: 0 },
      },
    });
    await until(() => attempts.length >= 7, '7 attempts', 5000);
    const gaps = attempts.slice(1).map((a, i) => a - (attempts[i] as number));
    const expected = [20, 40, 80, 160, 160, 160];
    gaps.slice(0, 6).forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual((expected[i] as number) - 2);
      expect(g).toBeLessThan((expected[i] as number) + 60);
    });
    const d = await t.device('serial:/dev/ROBOT-never-there');
    expect(d).toMatchObject({ state: 'disconnected', detail: expect.stringContaining('No such file') });
    // one device event for the state change, none per retry
    expect(t.events.of('device').filter((e) => e.state === 'disconnected')).toHaveLength(1);
  });
});

describe('TILL_DEVICES=auto detection', () => {
  it('opens HID POS scanners as they are plugged in, but never a keyboard', async () => {
    const hid = new MockHidBackend();
    hid.plug({ vendorId: 0x05e0, productId: 0x1234, path: '/dev/hidraw-kbd', usagePage: 1, usage: 6 });
    const t = await start({
      devices: 'auto',
      scanners: 'keyboard',
      deviceOptions: { hid: () => Promise.resolve(hid), detectIntervalMs: 20 },
    });
    const memberNo = await t.enrol();
    hid.plug({ vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw-pos', usagePage: 0x8c, usage: 2 });
    await t.events.waitFor(
      (e) => e.type === 'device' && e.device === 'hid:0c2e:0b61' && e.state === 'ready',
      'detected',
    );
    const h = await t.get('/v1/health');
    expect(h.body.devices.map((d: { id: string; origin: string }) => [d.id, d.origin])).toEqual([
      ['keyboard', 'configured'],
      ['hid:0c2e:0b61', 'detected'],
    ]);
    const mark = t.events.mark();
    for (const r of hidPosReports(memberNo, { aim: ']E0' })) hid.send('/dev/hidraw-pos', r);
    await t.events.waitFor(isMember(memberNo), 'member via detected HID POS scanner', 5000, mark);
    expect(hid.opens.get('/dev/hidraw-kbd')).toBeUndefined();
  });
});

describe('PC/SC in the till', () => {
  it('a missing nfc-pcsc is a clear "pcsc unavailable" state, not a crash', async () => {
    const pcsc = new SimulatedPcsc();
    pcsc.installed = false;
    const t = await start({ devices: 'auto', scanners: 'pcsc,keyboard', deviceOptions: { pcsc } });
    await until(async () => (await t.device('pcsc')).state === 'unavailable', 'unavailable');
    expect((await t.device('pcsc')).detail).toMatch(/^pcsc unavailable: /);
    expect((await t.get('/v1/health')).status).toBe(200);
  });

  it('waits for pcscd, then reads taps; a crashed pcscd is reconnected', async () => {
    const pcsc = new SimulatedPcsc();
    pcsc.running = false;
    pcsc.attach('ACS ACR122U PICC Interface');
    const t = await start({ devices: 'auto', scanners: 'pcsc', deviceOptions: { pcsc, debounceMs: 0 } });
    await until(async () => (await t.device('pcsc')).state === 'disconnected', 'waiting for pcscd');
    expect((await t.device('pcsc')).detail).toMatch(/pcscd is not running/);
    const memberNo = await t.enrol('04A2B3C4D5E680');
    pcsc.running = true;
    await until(async () => (await t.device('pcsc')).detail === 'readers: ACS ACR122U PICC Interface', 'reader');
    const tapped = t.events.mark();
    pcsc.tap('ACS ACR122U PICC Interface', '04a2b3c4d5e680');
    await t.events.waitFor(isMember(memberNo), 'tap', 5000, tapped);
    pcsc.crash();
    await t.events.waitFor((e) => e.type === 'device' && e.device === 'pcsc' && e.state === 'disconnected', 'crash');
    pcsc.running = true;
    await until(async () => (await t.device('pcsc')).reconnects === 1, 'reconnected');
    await until(async () => (await t.device('pcsc')).detail?.startsWith('readers:') === true, 'reader again');
    const mark = t.events.mark();
    pcsc.tap('ACS ACR122U PICC Interface', '04a2b3c4d5e680');
    await t.events.waitFor(isMember(memberNo), 'tap after reconnect', 5000, mark);
  });
});

describe('events', () => {
  it('card, member and device events reach /v1/events subscribers', async () => {
    const t = await start({ devices: 'simulated' });
    await until(async () => (await t.device('simulated:scanner')).state === 'ready', 'ready');
    const memberNo = await t.enrol();
    const ac = new AbortController();
    const res = await fetch(`${t.url}/v1/events`, {
      headers: { authorization: `Bearer ${'device-test-pos-key-0123456789'}` },
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    const read = (async () => {
      while (!text.includes('event: member')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await t.post('/v1/devices/simulate', { kind: 'scan', code: memberNo });
    await read;
    ac.abort();
    expect(text).toContain(
      `event: card\ndata: {"type":"card","source":"simulated:scanner","code":"${memberNo}","kind":"barcode"}`,
    );
    expect(text).toContain(`event: member\ndata: {"type":"member","memberNo":"${memberNo}"`);
  });
});
