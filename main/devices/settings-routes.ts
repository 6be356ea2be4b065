/**
 * The card-reader settings (issues 4 and 5), admin only:
 *
 *   GET  /v1/staff/devices/settings   {scanners, fromEnvironment, devices}
 *   POST /v1/staff/devices/settings   {scanners}  -> saves, then reopens the readers
 *
 * `scanners` is a reader list in the TILL_SCANNERS syntax (main/devices/spec.ts); the cashier
 * UI also accepts one entry per line. It is kept in the `meta` table under `scanners`.
 * Precedence: TILL_SCANNERS when it is set (the settings are then read-only), else the saved
 * setting, else `keyboard`.
 */
import { z } from 'zod';
import type { Db } from '../db/open.js';
import { DeviceStatus } from '../api/schemas.js';
import type { Route } from '../api/routes.js';
import { staffOnly } from '../api/staff-routes.js';
import { TillError } from '../service/errors.js';
import { getMeta, setMeta } from '../service/identity.js';
import type { DeviceManager } from './manager.js';
import { parseScanners, ScannerSpecError, type ScannerSpec } from './spec.js';

export const SCANNERS_META_KEY = 'scanners';
const DEFAULT_SPEC = 'keyboard';

export const DeviceSettingsRequest = z
  .object({
    scanners: z
      .string()
      .max(4096)
      .describe('reader list as TILL_SCANNERS: entries separated by commas or new lines; empty = keyboard'),
  })
  .meta({ id: 'DeviceSettingsRequest' });

export const DeviceSettingsView = z
  .object({
    scanners: z.string().describe('the reader list in use, TILL_SCANNERS syntax'),
    fromEnvironment: z.boolean().describe('TILL_SCANNERS is set: change it there'),
    devices: z.array(DeviceStatus),
  })
  .meta({ id: 'DeviceSettings' });

/** Entries separated by commas or new lines -> the TILL_SCANNERS form ("a,b"); blank -> keyboard. */
export function normaliseScanners(value: string): string {
  const entries = value
    .split(/[,\r\n]/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  return entries.length > 0 ? entries.join(',') : DEFAULT_SPEC;
}

export interface ScannerSettings {
  /** the reader list in use, TILL_SCANNERS syntax */
  spec: string;
  fromEnvironment: boolean;
  specs: ScannerSpec[];
}

/**
 * Which readers to open: TILL_SCANNERS (config.scannersSpec) when set, else the saved setting,
 * else config.scanners (tests set it directly), else the keyboard. A saved setting that no
 * longer parses is ignored (and logged by the caller) rather than stopping the till.
 */
export function resolveScanners(
  db: Db,
  config: { scanners?: ScannerSpec[] | undefined; scannersSpec?: string | null | undefined },
  onBadSetting?: (message: string) => void,
): ScannerSettings {
  if (config.scannersSpec) {
    return {
      spec: config.scannersSpec,
      fromEnvironment: true,
      specs: config.scanners ?? parseScanners(config.scannersSpec),
    };
  }
  const saved = getMeta(db, SCANNERS_META_KEY);
  if (saved !== null) {
    try {
      return { spec: saved, fromEnvironment: false, specs: parseScanners(saved) };
    } catch (e) {
      if (!(e instanceof ScannerSpecError)) throw e;
      onBadSetting?.(e.message);
    }
  }
  return {
    spec: DEFAULT_SPEC,
    fromEnvironment: false,
    specs: config.scanners ?? parseScanners(DEFAULT_SPEC),
  };
}

export function deviceSettingsRoutes(manager: DeviceManager, initial: ScannerSettings): Route[] {
  let current = initial;
  const view = () => ({ scanners: current.spec, fromEnvironment: current.fromEnvironment, devices: manager.status() });
  return [
    {
      method: 'GET',
      path: '/v1/staff/devices/settings',
      operationId: 'getDeviceSettings',
      summary: 'The card-reader settings and the devices now (admin only)',
      response: DeviceSettingsView,
      successStatus: 200,
      handle: (_ctx, _body, input) => {
        staffOnly(input, ['admin']);
        return { status: 200, body: view() };
      },
    },
    {
      method: 'POST',
      path: '/v1/staff/devices/settings',
      operationId: 'saveDeviceSettings',
      summary: 'Save the card-reader list (TILL_SCANNERS syntax) and reopen the readers (admin only)',
      request: DeviceSettingsRequest,
      response: DeviceSettingsView,
      successStatus: 200,
      handle: async (ctx, body, input) => {
        const s = staffOnly(input, ['admin']);
        if (current.fromEnvironment) {
          throw new TillError(
            'scanners_from_environment',
            'the readers are set by TILL_SCANNERS; change it there',
            'scanners',
          );
        }
        const spec = normaliseScanners(DeviceSettingsRequest.parse(body).scanners);
        let specs: ScannerSpec[];
        try {
          specs = parseScanners(spec);
        } catch (e) {
          if (e instanceof ScannerSpecError) throw new TillError('validation_failed', e.message, 'scanners');
          throw e;
        }
        setMeta(ctx.db, SCANNERS_META_KEY, spec);
        const before = current.spec;
        current = { spec, fromEnvironment: false, specs };
        ctx.log.log('warn', 'device_settings_changed', { staffId: s.staffId, scanners: spec, before });
        await manager.reconfigure(specs);
        return { status: 200, body: view() };
      },
    },
  ];
}
