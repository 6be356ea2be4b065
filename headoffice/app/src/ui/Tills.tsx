/**
 * Tills: each till's last upload, how long it has been silent (an alert past the threshold the
 * operator sets), chain state, mismatches and refusals, from GET /v1/tills; head office's
 * backlog of acknowledged batches not applied yet (and tills stuck in it) from GET /v1/health.
 * A till's mismatch count opens the list of what was flagged (TillMismatches).
 */
import { useState } from 'react';
import type { Health, TillView } from '../lib/types.js';
import { num, when } from '../lib/format.js';
import { Place, placeText, Table } from './common.js';
import { TillMismatches } from './TillMismatches.js';
import { useUi, type T } from './context.js';

const THRESHOLD_KEY = 'hqSilenceHours';

function age(t: T, ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return t('age.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('age.hours', { n: hours });
  return t('age.days', { n: Math.floor(hours / 24) });
}

export function Tills({
  tills,
  health,
  now,
  onClear,
}: {
  tills: readonly TillView[];
  health: Health | null;
  now: Date;
  onClear: (tillId: string) => void;
}): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [open, setOpen] = useState<string | null>(null);
  const [hours, setHours] = useState(() => Number(sessionStorage.getItem(THRESHOLD_KEY) ?? '24') || 24);
  const silentMs = (r: TillView): number | null =>
    r.lastUploadAt ? now.getTime() - new Date(r.lastUploadAt).getTime() : null;
  const silent = (r: TillView): boolean => {
    const ms = silentMs(r);
    return ms === null || ms > hours * 3_600_000;
  };
  const stuck = new Set(health?.inbox.stuckTills ?? []);
  const alerts = tills.filter(silent);
  return (
    <section data-testid="tills-page">
      <h2>{t('nav.tills')}</h2>
      <div className="toolbar">
        <label htmlFor="silence">{t('tills.threshold')}</label>
        <input
          id="silence"
          type="number"
          min={1}
          max={720}
          value={hours}
          data-testid="silence-hours"
          onChange={(e) => {
            const v = Math.max(1, Number(e.target.value) || 1);
            setHours(v);
            sessionStorage.setItem(THRESHOLD_KEY, String(v));
          }}
        />
        {health ? (
          <span className="muted" data-testid="backlog">
            {t('tills.backlog', { batches: num(lang, health.inbox.batches), entries: num(lang, health.inbox.entries) })}
            {health.inbox.oldestReceivedAt
              ? ` · ${t('tills.backlogOldest', { time: when(health.inbox.oldestReceivedAt, zone) })}`
              : ''}
          </span>
        ) : null}
      </div>
      {health?.inbox.failing ? <p className="alert">{t('tills.applyFailing')}</p> : null}
      {alerts.length > 0 ? (
        <ul className="alerts" data-testid="silence-alerts" role="alert">
          {alerts.map((r) => {
            const ms = silentMs(r);
            return (
              <li key={r.tillId}>
                {ms === null
                  ? t('tills.neverAlert', {
                      till: placeText(r.tillName, r.tillId),
                      store: placeText(r.storeName, r.storeId),
                    })
                  : t('tills.silentAlert', {
                      till: placeText(r.tillName, r.tillId),
                      store: placeText(r.storeName, r.storeId),
                      age: age(t, ms),
                    })}
              </li>
            );
          })}
        </ul>
      ) : null}
      <Table
        testId="tills"
        rows={tills}
        rowKey={(r) => r.tillId}
        rowClass={(r) => (r.chainStatus === 'broken' ? 'broken' : '')}
        rowAttr={(r) => ({ 'data-till': r.tillId })}
        columns={[
          { title: t('col.till'), cell: (r) => <Place name={r.tillName} id={r.tillId} /> },
          { title: t('col.store'), cell: (r) => <Place name={r.storeName} id={r.storeId} /> },
          { title: t('tills.lastUpload'), cell: (r) => when(r.lastUploadAt, zone) },
          {
            title: t('tills.silentFor'),
            cell: (r) => {
              const ms = silentMs(r);
              return ms === null ? t('tills.never') : age(t, ms);
            },
            bad: silent,
          },
          { title: t('tills.ackSeq'), cell: (r) => num(lang, r.ackSeq), numeric: true },
          {
            title: t('tills.chain'),
            cell: (r) =>
              r.chainStatus === 'broken'
                ? `${t('tills.broken')}${r.chainError ? `: ${r.chainError}` : ''}`
                : stuck.has(r.tillId)
                  ? t('tills.stuck')
                  : t('tills.ok'),
            bad: (r) => r.chainStatus === 'broken' || stuck.has(r.tillId),
          },
          {
            title: t('tills.badSignatures'),
            cell: (r) => num(lang, r.badSignatures),
            numeric: true,
            bad: (r) => r.badSignatures > 0,
          },
          {
            // Lookups by number past the limit: what a credential harvesting members looks like.
            title: t('tills.lookupsRefused'),
            cell: (r) => num(lang, r.lookupsRefused),
            numeric: true,
            bad: (r) => r.lookupsRefused > 0,
          },
          {
            title: t('m.mismatches'),
            cell: (r) =>
              r.mismatches > 0 ? (
                <button
                  type="button"
                  className="link"
                  data-testid={`show-mismatches-${r.tillId}`}
                  onClick={() => setOpen(r.tillId)}
                >
                  {num(lang, r.mismatches)}
                </button>
              ) : (
                num(lang, r.mismatches)
              ),
            numeric: true,
            bad: (r) => r.mismatches > 0,
          },
          {
            title: t('tills.refused'),
            cell: (r) => `${num(lang, r.refusedChanges)}${r.lastRefusal ? ` (${r.lastRefusal.reason})` : ''}`,
            numeric: true,
            bad: (r) => r.refusedChanges > 0,
          },
          { title: t('tills.sales'), cell: (r) => num(lang, r.sales), numeric: true },
          {
            title: t('col.action'),
            cell: (r) =>
              r.chainStatus === 'broken' ? (
                <button type="button" data-testid={`clear-chain-${r.tillId}`} onClick={() => onClear(r.tillId)}>
                  {t('tills.clearChain')}
                </button>
              ) : null,
          },
        ]}
      />
      {open ? <TillMismatches tillId={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}
