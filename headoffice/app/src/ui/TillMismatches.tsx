/**
 * Which of one till's sales and returns head office's recomputation flagged, and what differed
 * (GET /v1/tills/{tillId}/mismatches), opened from the mismatch count on the Tills page.
 */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api.js';
import type { TillMismatches as Answer } from '../lib/types.js';
import { when } from '../lib/format.js';
import { Table } from './common.js';
import { useUi } from './context.js';

export function TillMismatches({ tillId, onClose }: { tillId: string; onClose: () => void }): React.JSX.Element {
  const { t, zone } = useUi();
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setAnswer(null);
    setError(null);
    api
      .tillMismatches(tillId)
      .then((a) => live && setAnswer(a))
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.code : String(e)));
    return () => {
      live = false;
    };
  }, [tillId]);
  return (
    <section data-testid="till-mismatches" aria-live="polite">
      <h3>
        {t('mismatches.title', { till: tillId })}{' '}
        <button type="button" data-testid="close-mismatches" onClick={onClose}>
          {t('mismatches.close')}
        </button>
      </h3>
      {error ? <p className="alert">{error}</p> : null}
      {answer ? (
        <>
          <Table
            testId="mismatch-list"
            rows={answer.mismatches}
            rowKey={(r) => `${r.kind}:${r.id}`}
            columns={[
              { title: t('mismatches.kind'), cell: (r) => t(`mismatches.${r.kind}`) },
              { title: t('mismatches.id'), cell: (r) => r.id },
              {
                title: t('mismatches.sale'),
                cell: (r) =>
                  r.originalTillId && r.originalTillId !== tillId ? `${r.originalTillId} ${r.saleId}` : r.saleId,
              },
              { title: t('mismatches.occurred'), cell: (r) => when(r.occurredAt, zone) },
              { title: t('mismatches.received'), cell: (r) => when(r.receivedAt, zone) },
              { title: t('mismatches.note'), cell: (r) => r.note },
            ]}
          />
          {answer.truncated ? <p className="muted">{t('mismatches.truncated')}</p> : null}
        </>
      ) : null}
    </section>
  );
}
