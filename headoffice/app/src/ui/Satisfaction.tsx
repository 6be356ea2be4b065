/**
 * Satisfaction: the receipt survey's NPS (GET /v1/reports/nps; core/survey/nps.ts says how it
 * is counted, and the formula is printed on the page) for the chosen sale dates: the chain, each
 * store beside the complaints and suggestions recorded at its tills over the same dates, and a
 * line per store (and the chain) of NPS by week.
 */
import { useMemo } from 'react';
import type { NpsReport, NpsTally } from '../lib/types.js';
import { num } from '../lib/format.js';
import { Chart, type ChartOption } from './Chart.js';
import { Card, Place, placeText, Table } from './common.js';
import { useUi } from './context.js';

const score = (n: number | null): string => (n === null ? '—' : n > 0 ? `+${n}` : String(n));

function weekly(report: NpsReport, chainName: string): ChartOption {
  const weeks = [...new Set(report.weeks.map((w) => w.week))].sort();
  const series = [null, ...report.stores.map((s) => s.storeId)].map((storeId) => {
    const at = new Map(report.weeks.filter((w) => w.storeId === storeId).map((w) => [w.week, w.nps]));
    const st = report.stores.find((s) => s.storeId === storeId);
    return {
      type: 'line',
      name: storeId === null ? chainName : placeText(st?.storeName, storeId),
      data: weeks.map((w) => at.get(w) ?? null),
      connectNulls: true,
      lineStyle: storeId === null ? { width: 3 } : { width: 1.5 },
    };
  });
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: weeks },
    yAxis: { type: 'value', min: -100, max: 100 },
    series,
  };
}

export function Satisfaction({ report }: { report: NpsReport | null }): React.JSX.Element {
  const { t, lang } = useUi();
  const option = useMemo(() => (report ? weekly(report, t('nps.chainSeries')) : null), [report, t]);
  if (!report) return <p className="muted">{t('status.loading')}</p>;
  const c: NpsTally = report.chain;
  const complaints = report.stores.reduce((n, s) => n + s.complaints, 0);
  return (
    <section data-testid="satisfaction-page">
      <h2>
        {t('nps.title')} {report.from} – {report.to}
      </h2>
      <p className="muted" data-testid="nps-formula">
        {t('nps.formula')}: {lang === 'en' ? report.formula.en : report.formula.zh}
      </p>
      <p className="muted">{t('nps.note')}</p>
      <div className="cards">
        <Card title={t('nps.chain')} value={score(c.nps)} bad={c.nps !== null && c.nps < 0} testId="nps-chain" />
        <Card title={t('nps.answers')} value={num(lang, c.answers)} />
        <Card title={t('nps.promoters')} value={num(lang, c.promoters)} />
        <Card title={t('nps.detractors')} value={num(lang, c.detractors)} />
        <Card title={t('nps.complaints')} value={num(lang, complaints)} bad={complaints > 0} />
      </div>
      <Table
        testId="nps-stores"
        rows={report.stores}
        rowKey={(r) => r.storeId}
        rowAttr={(r) => ({ 'data-store': r.storeId })}
        columns={[
          { title: t('col.store'), cell: (r) => <Place name={r.storeName} id={r.storeId} /> },
          { title: t('nps.nps'), cell: (r) => score(r.nps), numeric: true, bad: (r) => r.nps !== null && r.nps < 0 },
          { title: t('nps.answers'), cell: (r) => num(lang, r.answers), numeric: true },
          { title: t('nps.promoters'), cell: (r) => num(lang, r.promoters), numeric: true },
          { title: t('nps.passives'), cell: (r) => num(lang, r.passives), numeric: true },
          { title: t('nps.detractors'), cell: (r) => num(lang, r.detractors), numeric: true },
          {
            title: t('nps.complaints'),
            cell: (r) => num(lang, r.complaints),
            numeric: true,
            bad: (r) => r.complaints > 0,
          },
          { title: t('nps.suggestions'), cell: (r) => num(lang, r.suggestions), numeric: true },
        ]}
      />
      <h3>{t('nps.byWeek')}</h3>
      {option && <Chart option={option} testId="nps-weekly" />}
    </section>
  );
}
