/**
 * The bottom line: sync state in colour and words (online / head office unreachable / offline),
 * what waits for head office and for how long, readers and the printer by name, the live
 * connection and who is signed in. What needs a person is in the banner above (Alerts.tsx).
 */
import type { HealthResponse } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import type { PrinterHealth } from '../lib/types.js';
import { useApp } from './context.js';
import {
  ageText,
  deviceNames,
  deviceState,
  printerState,
  syncState,
  type DeviceState,
  type SyncState,
} from './names.js';

export { deviceState, printerState, type DeviceState } from './names.js';

const DOT: Record<SyncState, string> = {
  standalone: 'dot-muted',
  online: 'dot-ok',
  hqUnreachable: 'dot-warn',
  offline: 'dot-err',
};

const WORDS = {
  standalone: 'status.standalone',
  online: 'status.online',
  hqUnreachable: 'status.hqUnreachable',
  offline: 'status.offline',
} as const;

function SyncPart(props: { h: HealthResponse }) {
  const { t, lang, programme } = useApp();
  const h = props.h;
  const s = syncState(h);
  const waiting =
    h.oldestWaitingSeconds !== null && h.entriesWaiting > 0
      ? t('status.waitingOldest', { n: h.entriesWaiting, age: ageText(t, h.oldestWaitingSeconds) })
      : t('status.waiting', { n: h.entriesWaiting });
  return (
    <>
      <span className={`dot ${DOT[s]}`} aria-hidden="true" />
      <span data-testid="status-sync" data-state={s} className={`sync sync-${s}`}>
        {t(WORDS[s])}
      </span>
      {h.mode === 'connected' ? (
        <span>
          {h.lastSyncAt
            ? t('status.lastSync', { time: dateTime(h.lastSyncAt, programme.timeZone, lang) })
            : t('status.neverSynced')}
        </span>
      ) : null}
      {h.mode === 'connected' ? (
        <span data-testid="status-waiting" className={s === 'online' ? undefined : 'warn'}>
          {waiting}
        </span>
      ) : null}
    </>
  );
}

export function StatusBar(props: {
  health: HealthResponse | null;
  live: boolean;
  devices: DeviceState[];
  printer: PrinterHealth | null;
}) {
  const { t, staff } = useApp();
  const h = props.health;
  const names = deviceNames(t, props.devices);
  const p = props.printer;
  const printerOk = p && (p.state === 'ready' || p.state === 'none' || p.state === 'unknown');
  return (
    <footer className="statusbar" data-testid="statusbar">
      {h ? <SyncPart h={h} /> : <span data-testid="status-sync">…</span>}
      {h?.redemptionLock ? (
        <span className="err" data-testid="status-lock">
          {t('status.redemptionLocked')}
        </span>
      ) : null}
      <span className={props.live ? 'ok' : 'warn'} data-testid="status-live">
        {props.live ? t('status.events') : t('status.eventsDown')}
      </span>
      <span data-testid="status-devices">
        {props.devices.length === 0
          ? `${t('status.devices')}: —`
          : props.devices.map((d) => `${names.get(d.device) ?? ''} ${deviceState(t, d.state)}`).join(' · ')}
      </span>
      {p && p.state !== 'none' ? (
        <span data-testid="status-printer" className={printerOk ? undefined : 'warn'}>
          {t('printer.name')}: {printerState(t, p.state)}
          {p.paperLow ? ` · ${t('printer.paperLow')}` : ''}
          {p.queuedJobs > 0 ? ` · ${t('printer.queued', { n: p.queuedJobs })}` : ''}
        </span>
      ) : null}
      <span className="grow" />
      <span data-testid="status-staff">{t('status.staff', { name: staff.name, role: t(`role.${staff.role}`) })}</span>
    </footer>
  );
}
