/**
 * Limited-stock rewards (限量礼品, issue 15 item 7) on the review page: each reward's count as head
 * office keeps it (GET /v1/rewards/stock) and the issues that arrived after the stock was gone,
 * for review. Nothing here changes anything: the ledger entries stand.
 */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.js';
import { num, when } from '../lib/format.js';
import type { RewardStockReport } from '../lib/types.js';
import { placeText, Table } from './common.js';
import { useUi } from './context.js';

export function RewardStock(): React.JSX.Element {
  const { t, lang, zone, names } = useUi();
  const [report, setReport] = useState<RewardStockReport | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.rewardStock().then(
      (r) => live && setReport(r),
      (e: unknown) => live && setFailed(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, []);
  const rewardName = (id: string): string => {
    const r = report?.rewards.find((x) => x.rewardId === id);
    return r ? (lang === 'zh-CN' ? r.name.zh : r.name.en) : id;
  };
  if (failed) return <p className="error">{failed}</p>;
  if (!report) return <p className="muted">…</p>;
  return (
    <section data-testid="reward-stock-section">
      <h2>{t('stock.title')}</h2>
      {report.rewards.length === 0 ? (
        <p className="muted">{t('stock.none')}</p>
      ) : (
        <Table
          testId="reward-stock"
          rows={report.rewards}
          rowKey={(r) => r.rewardId}
          columns={[
            { title: t('stock.reward'), cell: (r) => (lang === 'zh-CN' ? r.name.zh : r.name.en) },
            { title: t('stock.stock'), cell: (r) => num(lang, r.stock), numeric: true },
            { title: t('stock.issued'), cell: (r) => num(lang, r.issued), numeric: true },
            { title: t('stock.reserved'), cell: (r) => num(lang, r.reserved), numeric: true },
            { title: t('stock.released'), cell: (r) => num(lang, r.released), numeric: true },
            {
              title: t('stock.remaining'),
              cell: (r) => num(lang, r.remaining),
              numeric: true,
              bad: (r) => r.remaining === 0,
            },
            {
              title: t('stock.oversold'),
              cell: (r) => num(lang, r.oversold),
              numeric: true,
              bad: (r) => r.oversold > 0,
            },
            {
              title: t('stock.days'),
              cell: (r) =>
                r.availableFrom || r.availableUntil ? `${r.availableFrom ?? ''} – ${r.availableUntil ?? ''}` : '',
            },
          ]}
        />
      )}
      <h3>{t('stock.oversoldTitle')}</h3>
      <p className="muted">{t('stock.oversoldNote')}</p>
      {report.oversold.length === 0 ? (
        <p className="muted">{t('stock.oversoldNone')}</p>
      ) : (
        <Table
          testId="reward-oversold"
          rows={report.oversold}
          rowKey={(r) => `${r.tillId}:${r.seq}`}
          columns={[
            { title: t('stock.reward'), cell: (r) => rewardName(r.rewardId) },
            { title: t('stock.till'), cell: (r) => placeText(names.tills.get(r.tillId), r.tillId) },
            { title: t('stock.seq'), cell: (r) => String(r.seq), numeric: true },
            { title: t('stock.member'), cell: (r) => r.memberNo },
            { title: t('stock.occurredAt'), cell: (r) => when(r.occurredAt, zone) },
            { title: t('stock.countedAt'), cell: (r) => when(r.countedAt, zone) },
            { title: t('stock.how'), cell: (r) => (r.offline ? t('stock.offline') : t('stock.lateConfirm')) },
          ]}
        />
      )}
    </section>
  );
}
