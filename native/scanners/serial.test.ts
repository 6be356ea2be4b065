/** The serial driver over serialport's mock binding (the pty tests in test/devices use real ports). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialReaderDriver } from './serial.js';
import { MockSerialPorts } from './serial-mock.js';
import type { CardRead, ReaderSink } from './types.js';

let n = 0;
const drivers: SerialReaderDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

/** `onDisk`: the driver's path is that real file (so it is watched); the mock port stays at its own. */
function setup(opts: Partial<ConstructorParameters<typeof SerialReaderDriver>[0]> = {}, onDisk?: string) {
  const ports = new MockSerialPorts();
  const path = `/dev/ROBOT-serial-${process.pid}-${n++}`;
  ports.create(path);
  const driver = new SerialReaderDriver({
    id: `serial:${onDisk ?? path}`,
    path: onDisk ?? path,
    baudRate: 9600,
    kind: 'barcode',
    opener: onDisk ? (o) => ports.opener({ ...o, path }) : ports.opener,
    ...opts,
  });
  drivers.push(driver);
  const reads: CardRead[] = [];
  const lost: Error[] = [];
  const sink: ReaderSink = { read: (r) => reads.push(r), lost: (e) => lost.push(e) };
  return { ports, path, driver, reads, lost, sink };
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !fn(); i++) await tick(5);
  expect(fn()).toBe(true);
}

describe('SerialReaderDriver (mock binding)', () => {
  it('reads line-terminated codes split across chunks, with noise between them', async () => {
    const s = setup();
    await s.driver.open(s.sink);
    s.ports.emit(s.path, Buffer.from([0x00, 0xff]));
    s.ports.emit(s.path, '20000010');
    s.ports.emit(s.path, '00014\r\n');
    s.ports.emit(s.path, Buffer.from([0x80, 0x1b]));
    s.ports.emit(s.path, '6901234567892\r');
    await until(() => s.reads.length === 2);
    expect(s.reads.map((r) => r.text)).toEqual(['2000001000014', '6901234567892']);
  });

  it('strips the configured prefix and suffix', async () => {
    const s = setup({ affixes: { prefix: 'S:', suffix: '#' } });
    await s.driver.open(s.sink);
    s.ports.emit(s.path, 'S:2000001000014#\r\n');
    await until(() => s.reads.length === 1);
    expect(s.reads[0]?.text).toBe('2000001000014');
  });

  it('ends codes on silence in idle mode', async () => {
    const s = setup({ framing: { mode: 'idle', idleMs: 20 } });
    await s.driver.open(s.sink);
    s.ports.emit(s.path, '200000');
    s.ports.emit(s.path, '1000014');
    await until(() => s.reads.length === 1);
    expect(s.reads[0]?.text).toBe('2000001000014');
  });

  it('normalises UIDs of an NFC reader with its profile, and refuses what is no UID', async () => {
    const s = setup({ kind: 'nfc', uidProfile: { format: 'decimal10', byteOrder: 'lsb' } });
    await s.driver.open(s.sink);
    s.ports.emit(s.path, '\x024022250974\r\n\x03');
    s.ports.emit(s.path, 'UID: 12345\r\n');
    await until(() => s.reads.length === 2);
    expect(s.reads[0]).toMatchObject({ kind: 'nfc', text: 'DEADBEEF' });
    expect(s.reads[1]).toMatchObject({ kind: 'nfc', error: 'invalid_uid' });
  });

  it('reports an unplug as lost, cannot reopen until replugged, then reads again', async () => {
    const s = setup();
    await s.driver.open(s.sink);
    s.ports.unplug(s.path);
    await until(() => s.lost.length === 1);
    await expect(s.driver.open(s.sink)).rejects.toThrow(/cannot open/);
    s.ports.replug(s.path);
    await s.driver.open(s.sink);
    s.ports.emit(s.path, '2000001000014\r');
    await until(() => s.reads.length === 1);
  });

  it('reports an unplug the port itself does not notice: its path is gone, or names another device', async () => {
    // The port stays open (a hung-up line that reads as "no data"); only its path tells.
    const dir = mkdtempSync(join(tmpdir(), 'serial-watch-'));
    try {
      const file = join(dir, 'ttyUSB0');
      writeFileSync(file, '');
      const gone = setup({ watchMs: 10 }, file);
      await gone.driver.open(gone.sink);
      await tick(40);
      expect(gone.lost).toEqual([]);
      rmSync(file);
      await until(() => gone.lost.length === 1);
      expect(gone.lost[0]?.message).toMatch(/is gone/);
      expect(gone.ports.isOpen(gone.path)).toBe(false);

      // Back, but another device at the same path (a different adapter plugged in quickly).
      writeFileSync(file, '');
      let name = 'first';
      const other = setup({ watchMs: 10, identify: () => Promise.resolve(name) }, file);
      await other.driver.open(other.sink);
      name = 'second';
      await until(() => other.lost.length === 1);
      expect(other.lost[0]?.message).toMatch(/another device/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() is quiet: no lost() for a port the till closed itself', async () => {
    const s = setup();
    await s.driver.open(s.sink);
    await s.driver.close();
    await tick(20);
    expect(s.lost).toEqual([]);
    expect(s.ports.isOpen(s.path)).toBe(false);
  });
});
