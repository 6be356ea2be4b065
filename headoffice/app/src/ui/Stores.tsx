/**
 * Stores: per store enrolments, member sales, member share and points redeemed over the chosen
 * period (GET /v1/reports/daily), ranked, each with a sparkline of its member sales by day; each
 * store by the name head office registered, its id beside it. Then per staff member of each
 * store: enrolments and the sales they rang up (member sales among them), from the same report.
 */
import { useMemo, useState } from 'react';
import { PROGRAMME_TARGETS, totals, type PeriodTotals } from '../../../../core/analytics.js';
import type { DailyReport } from '../lib/types.js';
import { num, pct, yuan } from '../lib/format.js';
import { Chart, type ChartOption } from './Chart.js';
import { Place, Table } from './common.js';
import { useUi } from './context.js';

type SortKey = 'memberSalesTotal' | 'memberShare' | 'enrolments' | 'pointsRedeemed' | 'salesTotal';

function sparkline(values: number[]): ChartOption {
  return {
    animation: false,
    grid: { left: 2, right: 2, top: 4, bottom: 4 },
    xAxis: { type: 'category', show: false, data: values.map((_, i) => i) },
    yAxis: { type: 'value', show: false, min: 0 },
    series: [{ type: 'line', data: values, symbol: 'none', lineStyle: { width: 1.5 }, areaStyle: { opacity: 0.15 } }],
  };
}

interface Row extends PeriodTotals {
  storeId: string;
  storeName: string | null;
  spark: ChartOption;
}

export function Stores({ report }: { report: DailyReport | null }): React.JSX.Element {
  const { t, lang } = useUi();
  const [sort, setSort] = useState<SortKey>('memberSalesTotal');
  const rows = useMemo<Row[]>(
    () =>
      (report?.stores ?? []).map((s) => ({
        storeId: s.storeId,
        storeName: s.storeName,
        ...totals(s.days),
        spark: sparkline(s.days.map((d) => d.memberSalesTotal / 100)),
      })),
    [report],
  );
  const names = new Map((report?.stores ?? []).map((x) => [x.storeId, x.storeName]));
  // most member sales first, then most enrolments
  const staff = [...(report?.staff ?? [])].sort(
    (a, b) => b.memberSalesTotal - a.memberSalesTotal || b.enrolments - a.enrolments,
  );
  const ranked = [...rows].sort((a, b) => (b[sort] ?? -1) - (a[sort] ?? -1) || (a.storeId < b.storeId ? -1 : 1));
  const keys: SortKey[] = ['memberSalesTotal', 'memberShare', 'enrolments', 'pointsRedeemed', 'salesTotal'];
  const title = (k: SortKey): string =>
    ({
      memberSalesTotal: t('m.memberSalesTotal'),
      memberShare: t('m.memberShare'),
      enrolments: t('m.enrolments'),
      pointsRedeemed: t('m.redeemed'),
      salesTotal: t('m.salesTotal'),
    })[k];
  return (
    <section data-testid="stores-page">
      <h2>
        {t('nav.stores')} {report ? `${report.from} – ${report.to}` : ''}
      </h2>
      <div className="toolbar">
        <label htmlFor="sort">{t('stores.sortBy')}</label>
        <select id="sort" value={sort} data-testid="store-sort" onChange={(e) => setSort(e.target.value as SortKey)}>
          {keys.map((k) => (
            <option key={k} value={k}>
              {title(k)}
            </option>
          ))}
        </select>
      </div>
      <Table
        testId="stores"
        rows={ranked}
        rowKey={(r) => r.storeId}
        rowAttr={(r) => ({ 'data-store': r.storeId })}
        columns={[
          { title: t('col.rank'), cell: (r) => String(ranked.indexOf(r) + 1), numeric: true },
          { title: t('col.store'), cell: (r) => <Place name={r.storeName} id={r.storeId} /> },
          { title: t('m.enrolments'), cell: (r) => num(lang, r.enrolments), numeric: true },
          { title: t('m.salesTotal'), cell: (r) => yuan(r.salesTotal), numeric: true },
          { title: t('m.memberSales'), cell: (r) => num(lang, r.memberSales), numeric: true },
          { title: t('m.memberSalesTotal'), cell: (r) => yuan(r.memberSalesTotal), numeric: true },
          {
            title: t('m.memberShare'),
            cell: (r) => pct(lang, r.memberShare),
            numeric: true,
            bad: (r) => r.memberShare !== null && r.memberShare < PROGRAMME_TARGETS.memberShare.low,
          },
          { title: t('m.redeemed'), cell: (r) => num(lang, r.pointsRedeemed), numeric: true },
          { title: t('m.redemptionRate'), cell: (r) => pct(lang, r.redemptionRate), numeric: true },
          {
            title: t('col.trend'),
            cell: (r) => <Chart option={r.spark} className="spark" testId={`spark-${r.storeId}`} />,
          },
        ]}
      />
      <h3>{t('stores.staff')}</h3>
      <p className="muted">{t('stores.staffRule')}</p>
      <Table
        testId="staff"
        rows={staff}
        rowKey={(r) => `${r.storeId} ${r.staffId}`}
        rowAttr={(r) => ({ 'data-staff': `${r.storeId}/${r.staffId}` })}
        columns={[
          { title: t('col.store'), cell: (r) => <Place name={names.get(r.storeId)} id={r.storeId} /> },
          { title: t('stores.staffId'), cell: (r) => r.staffId },
          { title: t('m.enrolments'), cell: (r) => num(lang, r.enrolments), numeric: true },
          { title: t('stores.staffSales'), cell: (r) => num(lang, r.sales), numeric: true },
          { title: t('m.memberSales'), cell: (r) => num(lang, r.memberSales), numeric: true },
          { title: t('m.memberSalesTotal'), cell: (r) => yuan(r.memberSalesTotal), numeric: true },
          {
            title: t('m.memberShare'),
            cell: (r) => pct(lang, r.memberShare),
            numeric: true,
            bad: (r) => r.memberShare !== null && r.memberShare < PROGRAMME_TARGETS.memberShare.low,
          },
        ]}
      />
    </section>
  );
}
