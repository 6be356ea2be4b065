/** The bottom line: sync state, card readers, the printer, the live connection and who is signed in. */
import { isMessageKey } from '../i18n/index.js';
import type { HealthResponse } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import type { PrinterHealth } from '../lib/types.js';
import { useApp, type T } from './context.js';

export interface DeviceState {
  device: string;
  state: string;
  description?: string;
}

export function StatusBar(props: {
  health: HealthResponse | null;
  live: boolean;
  devices: DeviceState[];
  printer: PrinterHealth | null;
}) {
  const { t, lang, staff, programme } = useApp();
  const h = props.health;
  const sync = !h
    ? null
    : h.mode === 'standalone'
      ? t('status.standalone')
      : h.online
        ? t('status.online')
        : t('status.offline');
  const p = props.printer;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span
        className={`dot ${h?.mode === 'standalone' ? 'dot-muted' : h?.online ? 'dot-ok' : 'dot-warn'}`}
        aria-hidden="true"
      />
      <span data-testid="status-sync">{sync ?? '…'}</span>
      {h && h.mode === 'connected' ? (
        <span>
          {h.lastSyncAt
            ? t('status.lastSync', { time: dateTime(h.lastSyncAt, programme.timeZone, lang) })
            : t('status.neverSynced')}
        </span>
      ) : null}
      {h && h.mode === 'connected' ? (
        <span data-testid="status-waiting">{t('status.waiting', { n: h.entriesWaiting })}</span>
      ) : null}
      <span className={props.live ? 'ok' : 'warn'} data-testid="status-live">
        {props.live ? t('status.events') : t('status.eventsDown')}
      </span>
      <span data-testid="status-devices">
        {t('status.devices')}:{' '}
        {props.devices.length === 0
          ? '—'
          : props.devices.map((d) => `${d.device} ${deviceState(t, d.state)}`).join(' · ')}
      </span>
      {p ? (
        <span data-testid="status-printer" className={p.state === 'ready' || p.state === 'none' ? undefined : 'warn'}>
          {t('printer.label')}: {printerState(t, p.state)}
          {p.paperLow ? ` · ${t('printer.paperLow')}` : ''}
          {p.queuedJobs > 0 ? ` · ${t('printer.queued', { n: p.queuedJobs })}` : ''}
        </span>
      ) : null}
      <span className="grow" />
      <span data-testid="status-staff">{t('status.staff', { name: staff.name, role: t(`role.${staff.role}`) })}</span>
    </footer>
  );
}

export function deviceState(t: T, state: string): string {
  if (state === 'ready' || state === 'connected') return t('device.connected');
  const key = `device.${state}`;
  return isMessageKey(key) ? t(key) : state;
}

export function printerState(t: T, state: string): string {
  const key = `printer.${state}`;
  return isMessageKey(key) ? t(key) : state;
}
