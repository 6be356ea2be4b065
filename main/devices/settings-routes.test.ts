import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTill, testConfig, type TestTill } from '../../test/helpers/till.js';
import { StaffDirectory } from '../api/staff.js';
import { createTill } from '../service/till.js';
import { normaliseScanners, resolveScanners } from './settings-routes.js';

let t: TestTill;
let admin: string;
let cashier: string;

const PATH = '/v1/staff/devices/settings';

beforeEach(async () => {
  t = await startTill();
  const dir = new StaffDirectory(t.ctx.db);
  dir.add({ staffId: '9001', name: '管理员', role: 'admin', pin: '9999' });
  dir.add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  const token = async (staffId: string, pin: string): Promise<string> =>
    (await t.post('/v1/staff/sessions', { staffId, pin }, { key: null })).body.token as string;
  admin = await token('9001', '9999');
  cashier = await token('1001', '1234');
});

afterEach(async () => {
  await t.close();
});

const ids = (devices: { id: string }[]) => devices.map((d) => d.id).sort();

describe('card-reader settings (admin only)', () => {
  it('an admin saves a reader list: the readers change without a restart', async () => {
    const before = await t.get(PATH, { key: admin });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ scanners: 'keyboard', fromEnvironment: false });

    const saved = await t.post(PATH, { scanners: 'keyboard\npcsc' }, { key: admin });
    expect(saved.status).toBe(200);
    expect(saved.body.scanners).toBe('keyboard,pcsc');
    // Simulated devices: the simulators, plus the keyboard (pcsc is a real device, not opened when simulated).
    const health = await t.get('/v1/health');
    expect(ids(health.body.devices)).toEqual(ids(saved.body.devices));
    expect(ids(health.body.devices)).toContain('keyboard');
    // The simulated readers still work after reconfiguring.
    expect(t.till.devices.status().find((d) => d.id === 'simulated:scanner')).toBeDefined();
  });

  it('a bad list is a 400 with the parser message and the field; nothing changes', async () => {
    await t.post(PATH, { scanners: 'keyboard' }, { key: admin });
    const bad = await t.post(PATH, { scanners: 'keyboard,floppy:/dev/fd0' }, { key: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.field).toBe('scanners');
    expect(bad.body.error.message).toContain('unknown reader kind "floppy"');
    expect((await t.get(PATH, { key: admin })).body.scanners).toBe('keyboard');
  });

  it('a cashier and the POS key get 403', async () => {
    expect((await t.get(PATH, { key: cashier })).status).toBe(403);
    expect((await t.post(PATH, { scanners: 'pcsc' }, { key: cashier })).status).toBe(403);
    expect((await t.get(PATH)).status).toBe(403);
    expect((await t.post(PATH, { scanners: 'pcsc' })).status).toBe(403);
  });

  it('the setting survives a restart; TILL_SCANNERS overrides it', async () => {
    expect((await t.post(PATH, { scanners: 'keyboard, pcsc' }, { key: admin })).status).toBe(200);
    await t.stop();
    const db = new Database(t.dbFile, { readonly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'scanners'").get() as { value: string } | undefined;
    db.close();
    expect(row?.value).toBe('keyboard,pcsc');

    const again = await createTill(testConfig(t.dir, { devices: 'auto' }), {
      quiet: true,
      devices: { detectIntervalMs: 0 },
    });
    try {
      expect(ids(again.devices.status())).toEqual(['keyboard', 'pcsc']);
      expect(resolveScanners(again.ctx.db, { scannersSpec: 'keyboard' })).toMatchObject({
        spec: 'keyboard',
        fromEnvironment: true,
      });
    } finally {
      await again.close();
    }
  });

  it('normalises commas and new lines; blank is the keyboard', () => {
    expect(normaliseScanners(' serial:/dev/ttyUSB0?baud=9600 \n\n hid:0c2e:0b61 ,pcsc')).toBe(
      'serial:/dev/ttyUSB0?baud=9600,hid:0c2e:0b61,pcsc',
    );
    expect(normaliseScanners('  \n')).toBe('keyboard');
  });
});
