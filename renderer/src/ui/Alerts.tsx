/**
 * The red banner (issue 14): what needs a person now, each with what to do. Nothing here is a
 * code: the sync problem, the printer and the readers are told in the screen's language.
 */
import { useState, type ReactNode } from 'react';
import type { HealthResponse } from '../lib/api.js';
import type { PrinterHealth } from '../lib/types.js';
import { Banner, errorText } from './common.js';
import { useApp, type T } from './context.js';
import { ageText, deviceNames, syncProblemText, syncState, type DeviceState } from './names.js';
import { useClearLock } from './Supervisor.js';

interface Alert {
  id: string;
  text: string;
  action?: ReactNode;
}

const PRINTER_ALERTS = ['paper_out', 'cover_open', 'offline', 'absent', 'error'] as const;

function syncAlert(t: T, h: HealthResponse): Alert | null {
  const problem = h.syncProblem?.code;
  // Refused by head office: waiting does not help, someone must call head office.
  if (problem && problem !== 'hq_unreachable') {
    return { id: 'sync', text: t('alert.hqRefused', { reason: syncProblemText(t, problem) }) };
  }
  if (syncState(h) !== 'offline') return null;
  if (!h.lastSyncAt) return { id: 'sync', text: t('alert.offlineNever') };
  const since = Math.max(0, (Date.now() - Date.parse(h.lastSyncAt)) / 1000);
  return { id: 'sync', text: t('alert.offline', { age: ageText(t, since) }) };
}

function printerAlert(t: T, p: PrinterHealth | null): Alert | null {
  const state = PRINTER_ALERTS.find((s) => s === p?.state);
  return state ? { id: 'printer', text: t(`alert.printer.${state}`) } : null;
}

function readerAlerts(t: T, devices: readonly DeviceState[]): Alert[] {
  const names = deviceNames(t, devices);
  return devices
    .filter((d) => d.state === 'disconnected' || d.state === 'unavailable')
    .map((d) => ({
      id: `reader-${d.device}`,
      text: t(d.state === 'disconnected' ? 'alert.reader' : 'alert.readerUnavailable', {
        name: names.get(d.device) ?? '',
      }),
    }));
}

export function Alerts(props: {
  health: HealthResponse | null;
  printer: PrinterHealth | null;
  devices: DeviceState[];
  /** the lock was cleared from the banner: the caller reads the till's state again */
  onLockCleared(): void;
}) {
  const { t } = useApp();
  const clearLock = useClearLock();
  const [lockFailure, setLockFailure] = useState<unknown>(null);
  const clear = async () => {
    setLockFailure(null);
    try {
      if (await clearLock()) props.onLockCleared();
    } catch (e) {
      setLockFailure(e);
    }
  };
  const h = props.health;
  const alerts: Alert[] = [];
  if (h?.redemptionLock) {
    alerts.push({
      id: 'lock',
      text: t('alert.redemptionLocked', { count: h.redemptionLock.count }),
      action: (
        <>
          <button type="button" onClick={() => void clear()} data-testid="alert-clear-lock">
            {t('alert.clearLock')}
          </button>
          {lockFailure ? <span>{errorText(t, lockFailure)}</span> : null}
        </>
      ),
    });
  }
  const sync = h ? syncAlert(t, h) : null;
  if (sync) alerts.push(sync);
  const printer = printerAlert(t, props.printer);
  if (printer) alerts.push(printer);
  alerts.push(...readerAlerts(t, props.devices));
  if (alerts.length === 0) return null;
  return (
    <div className="alerts" data-testid="alerts">
      {alerts.map((a) => (
        <Banner kind="error" key={a.id} testId={`alert-${a.id}`}>
          <span>{a.text}</span>
          {a.action}
        </Banner>
      ))}
    </div>
  );
}
