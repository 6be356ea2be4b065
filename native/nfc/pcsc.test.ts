/** The PC/SC driver against the nfc-pcsc stand-in; test/devices/pcsc.test.ts runs it against pcscd. */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { CardRead, ReaderSink } from '../scanners/types.js';
import { parseGetUidResponse, PcscDriver } from './pcsc.js';
import { SimulatedPcsc } from './pcsc-sim.js';

describe('GET DATA UID response', () => {
  it('reads the UID in card order before 90 00', () => {
    expect(parseGetUidResponse(Buffer.from('04a2b3c4d5e6809000', 'hex'))).toEqual({ ok: true, uid: '04A2B3C4D5E680' });
  });

  it('refuses error status words and impossible UIDs', () => {
    expect(parseGetUidResponse(Buffer.from('6a81', 'hex'))).toMatchObject({ ok: false, error: 'nfc_read_failed' });
    expect(parseGetUidResponse(Buffer.from('0102039000', 'hex'))).toMatchObject({ ok: false, error: 'invalid_uid' });
    expect(parseGetUidResponse(Buffer.from('000000009000', 'hex'))).toMatchObject({ ok: false, error: 'invalid_uid' });
    expect(parseGetUidResponse(Buffer.alloc(0))).toMatchObject({ ok: false });
  });

  it('random responses never throw; any UID it accepts was in the response', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const r = parseGetUidResponse(b);
        if (r.ok) expect(Buffer.from(b).toString('hex').toUpperCase().startsWith(r.uid)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

const drivers: PcscDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
});

function setup(filter?: string) {
  const sim = new SimulatedPcsc();
  const driver = new PcscDriver({ id: 'pcsc', deps: sim, ...(filter ? { readerFilter: filter } : {}) });
  drivers.push(driver);
  const reads: CardRead[] = [];
  const lost: Error[] = [];
  const details: Array<string | null> = [];
  const sink: ReaderSink = { read: (r) => reads.push(r), lost: (e) => lost.push(e), detail: (d) => details.push(d) };
  return { sim, driver, reads, lost, details, sink };
}

async function until(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(fn()).toBe(true);
}

describe('PcscDriver', () => {
  it('reads the UID of each tap with GET DATA, switching nfc-pcsc auto-processing off', async () => {
    const s = setup();
    s.sim.attach('ACS ACR122U PICC Interface');
    await s.driver.open(s.sink);
    await until(() => s.driver.attached.length === 1);
    expect(s.details.at(-1)).toBe('readers: ACS ACR122U PICC Interface');
    s.sim.tap('ACS ACR122U PICC Interface', '04a2b3c4d5e680');
    s.sim.tap('ACS ACR122U PICC Interface', 'deadbeef', Buffer.from('6a81', 'hex'));
    await until(() => s.reads.length === 2);
    expect(s.reads[0]).toMatchObject({ kind: 'nfc', text: '04A2B3C4D5E680' });
    expect(s.reads[1]).toMatchObject({ kind: 'nfc', error: 'nfc_read_failed' });
  });

  it('only takes readers whose name matches the filter', async () => {
    const s = setup('acr122');
    s.sim.attach('Gemalto USB SmartCard Reader');
    s.sim.attach('ACS ACR122U PICC Interface');
    await s.driver.open(s.sink);
    await until(() => s.driver.attached.length === 1);
    expect(s.driver.attached).toEqual(['ACS ACR122U PICC Interface']);
  });

  it('is "not running" while pcscd is down, and lost when it dies', async () => {
    const s = setup();
    s.sim.running = false;
    await expect(s.driver.open(s.sink)).rejects.toThrow(/pcscd is not running/);
    expect(s.sim.constructions).toBe(0); // the blocking constructor is never reached
    s.sim.running = true;
    await s.driver.open(s.sink);
    s.sim.crash();
    await until(() => s.lost.length === 1);
  });

  it('a missing nfc-pcsc is permanent: "pcsc unavailable"', async () => {
    const s = setup();
    s.sim.installed = false;
    await expect(s.driver.open(s.sink)).rejects.toMatchObject({ permanent: true, message: /pcsc unavailable/ });
  });
});
