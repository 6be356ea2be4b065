/** The HID driver fed through the node-hid-shaped interface with recorded reports. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HidReaderDriver, pickInterface, type HidDeviceInfo } from './hid.js';
import { MockHidBackend, type RecordedReport } from './hid-sim.js';
import { keyboardReports } from './hidkeyboard.js';
import type { CardRead, ReaderSink } from './types.js';

const rec = (name: string): RecordedReport[] =>
  (JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as { reports: RecordedReport[] })
    .reports;

const HONEYWELL_POS: HidDeviceInfo & { path: string } = {
  vendorId: 0x0c2e,
  productId: 0x0b61,
  path: '/dev/hidraw3',
  product: 'Honeywell scanner',
  usagePage: 0x8c,
  usage: 0x02,
  interface: 0,
};
const WEDGE: HidDeviceInfo & { path: string } = {
  vendorId: 0x1a2b,
  productId: 0x0001,
  path: '/dev/hidraw4',
  usagePage: 0x01,
  usage: 0x06,
  interface: 0,
};

const drivers: HidReaderDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

function setup(o: Partial<ConstructorParameters<typeof HidReaderDriver>[0]> & { vendorId: number; productId: number }) {
  const backend = new MockHidBackend();
  const driver = new HidReaderDriver({
    id: 'hid:test',
    mode: 'auto',
    kind: 'barcode',
    backend: () => Promise.resolve(backend),
    ...o,
  });
  drivers.push(driver);
  const reads: CardRead[] = [];
  const lost: Error[] = [];
  const sink: ReaderSink = { read: (r) => reads.push(r), lost: (e) => lost.push(e) };
  return { backend, driver, reads, lost, sink };
}

async function until(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(fn()).toBe(true);
}

describe('pickInterface', () => {
  it('prefers the HID POS interface of a composite scanner in auto mode', () => {
    const list = [{ ...HONEYWELL_POS, path: 'kbd', usagePage: 1, usage: 6 }, HONEYWELL_POS];
    expect(pickInterface(list, { vendorId: 0x0c2e, productId: 0x0b61, mode: 'auto' })).toMatchObject({
      mode: 'pos',
      info: { path: '/dev/hidraw3' },
    });
    expect(pickInterface(list, { vendorId: 0x0c2e, productId: 0x0b61, mode: 'keyboard' })).toMatchObject({
      mode: 'keyboard',
      info: { path: 'kbd' },
    });
  });

  it('says what is wrong when nothing fits', () => {
    expect(pickInterface([], { vendorId: 1, productId: 2, mode: 'auto' })).toEqual({
      error: 'not connected (no HID device 0001:0002)',
    });
    expect(pickInterface([WEDGE], { vendorId: 0x1a2b, productId: 1, mode: 'pos' })).toMatchObject({
      error: expect.stringContaining('set mode=keyboard'),
    });
    expect(
      pickInterface([{ ...WEDGE, usagePage: 0xff00, usage: 1 }], { vendorId: 0x1a2b, productId: 1, mode: 'auto' }),
    ).toMatchObject({ error: expect.stringContaining('set mode=pos or mode=keyboard') });
  });

  it('tells two readers of one model apart by serial number', () => {
    const a = { ...HONEYWELL_POS, serialNumber: 'A1' };
    const b = { ...HONEYWELL_POS, path: '/dev/hidraw9', serialNumber: 'B2' };
    expect(
      pickInterface([a, b], { vendorId: 0x0c2e, productId: 0x0b61, mode: 'pos', serialNumber: 'B2' }),
    ).toMatchObject({
      info: { path: '/dev/hidraw9' },
    });
  });
});

describe('HidReaderDriver', () => {
  it('reads a recorded HID POS session through the node-hid interface', async () => {
    const s = setup({ vendorId: 0x0c2e, productId: 0x0b61 });
    s.backend.plug(HONEYWELL_POS);
    await s.driver.open(s.sink);
    expect(s.driver.openedMode).toBe('pos');
    await s.backend.replay(HONEYWELL_POS.path, rec('hidpos-reports.json'), 20);
    expect(s.reads.map((r) => r.text)).toEqual([']E02000001000014', ']E06901234567892', `]Q1LM1.${'A'.repeat(56)}`]);
    expect(s.reads.every((r) => r.kind === 'barcode' && !r.error)).toBe(true);
  });

  it('reads a recorded keyboard-mode scanner', async () => {
    const s = setup({ vendorId: 0x1a2b, productId: 1, mode: 'keyboard' });
    s.backend.plug(WEDGE);
    await s.driver.open(s.sink);
    await s.backend.replay(WEDGE.path, rec('keyboard-reports.json'), 20);
    expect(s.reads.map((r) => r.text)).toEqual(['2000001000014', 'Ab-9!']);
  });

  it('reads a keyboard-wedge NFC reader and normalises its decimal UID with the profile', async () => {
    const s = setup({
      vendorId: 0x1a2b,
      productId: 1,
      mode: 'keyboard',
      kind: 'nfc',
      uidProfile: { format: 'decimal10', byteOrder: 'lsb' },
    });
    s.backend.plug(WEDGE);
    await s.driver.open(s.sink);
    await s.backend.replay(WEDGE.path, rec('keyboard-nfc-reports.json'), 20);
    expect(s.reads).toEqual([expect.objectContaining({ kind: 'nfc', text: 'DEADBEEF' })]);
  });

  it('an absent device is "not connected"; an unplug is lost(); replugging opens it again', async () => {
    const s = setup({ vendorId: 0x1a2b, productId: 1, mode: 'keyboard' });
    await expect(s.driver.open(s.sink)).rejects.toThrow(/not connected/);
    s.backend.plug(WEDGE);
    await s.driver.open(s.sink);
    s.backend.unplug(WEDGE.path);
    await until(() => s.lost.length === 1);
    expect(s.lost[0]?.message).toMatch(/could not read/);
    s.backend.plug({ ...WEDGE, path: '/dev/hidraw7' }); // a replugged device gets a new path
    await s.driver.open(s.sink);
    for (const r of keyboardReports('2000001000014')) s.backend.send('/dev/hidraw7', r);
    expect(s.reads.map((r) => r.text)).toEqual(['2000001000014']);
  });
});
