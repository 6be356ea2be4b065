/**
 * What the cashier reads instead of codes (issue 14): readers and the printer by name, sync
 * state in three words, ages in minutes. Ids stay available to IT on the settings screen.
 */
import { isMessageKey } from '../i18n/index.js';
import type { DeviceStatus, HealthResponse } from '../lib/types.js';
import type { T } from './context.js';

/** A reader as the screen knows it: from /v1/health, or only its id from a `device` event. */
export interface DeviceState {
  device: string;
  state: string;
  kind?: DeviceStatus['kind'];
  reads?: DeviceStatus['reads'];
  description?: string;
}

/** The kind a reader's id names (ids are `<kind>:<where>`, main/devices/spec.ts). */
function kindOf(d: DeviceState): { kind: string; reads: string } {
  const kind = d.kind ?? d.device.split(':')[0] ?? '';
  const reads = d.reads ?? (kind === 'pcsc' || kind === 'nfc-serial' ? 'nfc' : 'barcode');
  return { kind, reads };
}

function baseName(t: T, d: DeviceState): string {
  const { kind, reads } = kindOf(d);
  const key = `device.name.${kind}.${reads}`;
  return isMessageKey(key) ? t(key) : t('device.name.other');
}

/** Each reader's name; two of a kind are numbered ("USB 扫码枪 1", "USB 扫码枪 2"). */
export function deviceNames(t: T, devices: readonly DeviceState[]): Map<string, string> {
  const base = devices.map((d) => baseName(t, d));
  const seen = new Map<string, number>();
  const names = new Map<string, string>();
  devices.forEach((d, i) => {
    const b = base[i] ?? '';
    const twins = base.filter((x) => x === b).length;
    const n = (seen.get(b) ?? 0) + 1;
    seen.set(b, n);
    names.set(d.device, twins > 1 ? `${b} ${n}` : b);
  });
  return names;
}

export function deviceState(t: T, state: string): string {
  if (state === 'ready' || state === 'connected') return t('device.connected');
  const key = `device.${state}`;
  return isMessageKey(key) ? t(key) : t('device.error');
}

export function printerState(t: T, state: string): string {
  const key = `printer.${state}`;
  return isMessageKey(key) ? t(key) : t('printer.error');
}

/** "12 分钟", "3 小时": how long something has waited. */
export function ageText(t: T, seconds: number): string {
  if (seconds < 60) return t('age.underMinute');
  if (seconds < 3600) return t('age.minutes', { n: Math.floor(seconds / 60) });
  if (seconds < 86_400) return t('age.hours', { n: Math.floor(seconds / 3600) });
  return t('age.days', { n: Math.floor(seconds / 86_400) });
}

export type SyncState = 'standalone' | 'online' | 'hqUnreachable' | 'offline';

/**
 * Online only while head office answers: a till counted online (within offlineAfterMinutes of
 * its last sync) whose last attempt failed says "head office unreachable", not a green "online".
 */
export function syncState(h: HealthResponse): SyncState {
  if (h.mode === 'standalone') return 'standalone';
  if (!h.online) return 'offline';
  return h.syncProblem ? 'hqUnreachable' : 'online';
}

/** The sync problem in words; an unknown code is described as head office failing. */
export function syncProblemText(t: T, code: string): string {
  const key = `sync.problem.${code}`;
  return isMessageKey(key) ? t(key) : t('sync.problem.hq_error');
}
