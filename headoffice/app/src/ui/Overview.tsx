/**
 * Overview: every measure of GET /v1/reports/summary (all time, as of now), then the chosen
 * period day by day from GET /v1/reports/daily against the previous period of the same length,
 * with the programme's targets (member share 50-60 %) drawn against the actuals.
 */
import { useMemo, useState } from 'react';
import { change, memberShare, PROGRAMME_TARGETS, totals, type PeriodTotals } from '../../../../core/analytics.js';
import { bucketed, GRANULARITIES, type Granularity } from '../../../../core/overview.js';
import type { DailyReport, OverviewReport, SummaryReport } from '../lib/types.js';
import type { Act } from './Member.js';
import { Programme } from './Programme.js';
import { num, pct, signedPct, yuan, when } from '../lib/format.js';
import { Chart, type ChartOption } from './Chart.js';
import { Card, Place, Table } from './common.js';
import { label, useUi, type T } from './context.js';

const PREVIOUS = { type: 'dashed' as const, opacity: 0.6 };

function AllTime({ s }: { s: SummaryReport }): React.JSX.Element {
  const { t, lang } = useUi();
  const c = s.feedback.complaints;
  const g = s.feedback.suggestions;
  return (
    <div className="cards" data-testid="summary">
      <Card title={t('m.enrolled')} value={num(lang, s.members.enrolled)} />
      <Card title={t('m.withLedger')} value={num(lang, s.members.withLedger)} />
      <Card title={t('m.active')} value={num(lang, s.members.active)} />
      <Card title={t('m.issued')} value={num(lang, s.points.issued)} />
      <Card title={t('m.redeemed')} value={num(lang, s.points.redeemed)} />
      <Card title={t('m.expired')} value={num(lang, s.points.expired)} />
      <Card title={t('m.redemptionRate')} value={pct(lang, s.points.redemptionRate)} />
      <Card title={t('m.breakage')} value={pct(lang, s.points.breakageRate)} />
      <Card title={t('m.outstanding')} value={num(lang, s.points.outstanding)} />
      <Card title={t('m.liability')} value={yuan(s.points.liabilityFen)} />
      <Card
        title={t('m.negative')}
        value={`${num(lang, s.points.negativeBalances.members)} / ${num(lang, s.points.negativeBalances.points)}`}
        bad={s.points.negativeBalances.members > 0}
      />
      <Card title={t('m.salesCount')} value={num(lang, s.sales.count)} />
      <Card title={t('m.salesTotal')} value={yuan(s.sales.total)} />
      <Card
        title={t('m.memberShare')}
        value={pct(lang, s.sales.memberShare)}
        bad={s.sales.memberShare !== null && s.sales.memberShare < PROGRAMME_TARGETS.memberShare.low}
        note={t('m.targetBand', {
          low: pct(lang, PROGRAMME_TARGETS.memberShare.low),
          high: pct(lang, PROGRAMME_TARGETS.memberShare.high),
        })}
      />
      <Card title={t('m.avgSpend')} value={yuan(s.sales.averageSpendPerActiveMember)} />
      <Card title={t('m.frequency')} value={num(lang, s.sales.purchaseFrequency)} />
      <Card title={t('m.repurchase')} value={pct(lang, s.sales.repurchaseRate)} />
      <Card title={t('m.mismatches')} value={num(lang, s.sales.mismatches)} bad={s.sales.mismatches > 0} />
      <Card
        title={t('m.complaints')}
        value={`${num(lang, c.open)} / ${num(lang, c.open + c.closed)}`}
        bad={c.open > 0}
      />
      <Card
        title={t('m.nps')}
        value={s.nps.nps === null ? '—' : s.nps.nps > 0 ? `+${s.nps.nps}` : String(s.nps.nps)}
        bad={s.nps.nps !== null && s.nps.nps < 0}
        note={t('m.npsNote', { n: num(lang, s.nps.answers) })}
        testId="nps-card"
      />
      <Card title={t('m.suggestions')} value={`${num(lang, g.open)} / ${num(lang, g.open + g.closed)}`} />
      <Card
        title={t('m.tillsBroken')}
        value={`${num(lang, s.tills.broken)} / ${num(lang, s.tills.total)}`}
        bad={s.tills.broken > 0}
      />
    </div>
  );
}

function Period({ now, before }: { now: PeriodTotals; before: PeriodTotals }): React.JSX.Element {
  const { t, lang } = useUi();
  const vs = (a: number | null, b: number | null): string =>
    t('m.vsPrevious', { change: signedPct(lang, change(a, b)) });
  const rows: [string, string, number | null, number | null][] = [
    [t('m.salesTotal'), yuan(now.salesTotal), now.salesTotal, before.salesTotal],
    [t('m.memberSalesTotal'), yuan(now.memberSalesTotal), now.memberSalesTotal, before.memberSalesTotal],
    [t('m.memberShare'), pct(lang, now.memberShare), now.memberShare, before.memberShare],
    [t('m.issued'), num(lang, now.pointsIssued), now.pointsIssued, before.pointsIssued],
    [t('m.redeemed'), num(lang, now.pointsRedeemed), now.pointsRedeemed, before.pointsRedeemed],
    [t('m.expired'), num(lang, now.pointsExpired), now.pointsExpired, before.pointsExpired],
    [t('m.redemptionRate'), pct(lang, now.redemptionRate), now.redemptionRate, before.redemptionRate],
    [t('m.enrolments'), num(lang, now.enrolments), now.enrolments, before.enrolments],
    [t('m.referral'), pct(lang, now.referralRate), now.referralRate, before.referralRate],
  ];
  return (
    <div className="cards" data-testid="period">
      {rows.map(([title, value, a, b]) => (
        <Card key={title} title={title} value={value} note={vs(a, b)} />
      ))}
    </div>
  );
}

/** Day and week buckets are labelled MM-DD (a week by its Monday), months YYYY-MM. */
function axis(days: readonly { date: string }[]): ChartOption {
  return {
    type: 'category',
    data: days.map((d) => (d.date.length === 7 ? d.date : d.date.slice(5))),
    boundaryGap: true,
  };
}

function base(): ChartOption {
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 36, bottom: 28 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    color: ['#2f5bd3', '#1f9d6b', '#e08a00', '#8a94a6', '#c62828'],
  };
}

/** Long ranges draw lines without a dot per day; bars stay no wider than a finger. */
function tidy(option: ChartOption, days: number): ChartOption {
  const series = (option.series as Record<string, unknown>[]).map((s) =>
    s.type === 'bar' ? { barMaxWidth: 16, ...s } : { showSymbol: days <= 31, ...s },
  );
  return { ...option, series };
}

function charts(
  t: T,
  cur: DailyReport,
  prev: DailyReport,
  g: Granularity,
  band: { low: number; high: number },
): Record<string, ChartOption> {
  const now = bucketed(cur.days, g);
  const all = draw(t, now, bucketed(prev.days, g), band);
  return Object.fromEntries(Object.entries(all).map(([k, o]) => [k, tidy(o, now.length)]));
}

function draw(
  t: T,
  now: DailyReport['days'],
  was: DailyReport['days'],
  { low, high }: { low: number; high: number },
): Record<string, ChartOption> {
  const fen = (n: number): number => n / 100;
  return {
    sales: {
      ...base(),
      xAxis: axis(now),
      yAxis: { type: 'value' },
      series: [
        { name: `${t('m.salesTotal')} · ${t('series.current')}`, type: 'bar', data: now.map((d) => fen(d.salesTotal)) },
        {
          name: `${t('m.memberSalesTotal')} · ${t('series.current')}`,
          type: 'line',
          data: now.map((d) => fen(d.memberSalesTotal)),
        },
        {
          name: `${t('m.salesTotal')} · ${t('series.previous')}`,
          type: 'line',
          lineStyle: PREVIOUS,
          symbol: 'none',
          data: was.map((d) => fen(d.salesTotal)),
        },
      ],
    },
    share: {
      ...base(),
      xAxis: axis(now),
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      series: [
        {
          name: t('series.current'),
          type: 'line',
          connectNulls: false,
          data: now.map((d) => memberShare(d)),
          markArea: {
            silent: true,
            itemStyle: { color: 'rgba(31, 157, 107, 0.12)' },
            label: { show: true, position: 'insideTopRight', formatter: t('series.target'), fontSize: 10 },
            data: [[{ yAxis: low }, { yAxis: high }]],
          },
        },
        {
          name: t('series.previous'),
          type: 'line',
          lineStyle: PREVIOUS,
          symbol: 'none',
          data: was.map((d) => memberShare(d)),
        },
      ],
    },
    points: {
      ...base(),
      xAxis: axis(now),
      yAxis: { type: 'value' },
      series: [
        { name: t('m.issued'), type: 'line', data: now.map((d) => d.pointsIssued) },
        { name: t('m.redeemed'), type: 'line', data: now.map((d) => d.pointsRedeemed) },
        { name: t('m.expired'), type: 'line', data: now.map((d) => d.pointsExpired) },
        {
          name: `${t('m.issued')} · ${t('series.previous')}`,
          type: 'line',
          lineStyle: PREVIOUS,
          symbol: 'none',
          data: was.map((d) => d.pointsIssued),
        },
      ],
    },
    enrolments: {
      ...base(),
      xAxis: axis(now),
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('series.current'), type: 'bar', data: now.map((d) => d.enrolments) },
        {
          name: t('series.previous'),
          type: 'line',
          lineStyle: PREVIOUS,
          symbol: 'none',
          data: was.map((d) => d.enrolments),
        },
      ],
    },
  };
}

/** The charts' buckets as a table: the figures a reader (or a screen reader) can copy. */
function Trend({ days }: { days: DailyReport['days'] }): React.JSX.Element {
  const { t, lang } = useUi();
  return (
    <Table
      testId="trend-table"
      columns={[
        { title: t('granularity.bucket'), cell: (d) => d.date },
        { title: t('m.salesTotal'), cell: (d) => yuan(d.salesTotal), numeric: true },
        { title: t('m.memberSalesTotal'), cell: (d) => yuan(d.memberSalesTotal), numeric: true },
        { title: t('m.memberShare'), cell: (d) => pct(lang, memberShare(d)), numeric: true },
        { title: t('m.issued'), cell: (d) => num(lang, d.pointsIssued), numeric: true },
        { title: t('m.enrolments'), cell: (d) => num(lang, d.enrolments), numeric: true },
      ]}
      rows={days}
      rowKey={(d) => d.date}
      rowAttr={(d) => ({ 'data-bucket': d.date })}
    />
  );
}

/** Enrolments per (store, staff id), the store shown: a staff id is only unique within its store. */
function StaffEnrolments({ s }: { s: SummaryReport }): React.JSX.Element {
  const { t, lang } = useUi();
  const names = new Map(s.stores.map((x) => [x.storeId, x.storeName]));
  return (
    <div>
      <h3>{t('overview.staff')}</h3>
      <Table
        testId="staff"
        columns={[
          { title: t('col.store'), cell: (r) => <Place name={names.get(r.storeId)} id={r.storeId} /> },
          { title: t('overview.staffId'), cell: (r) => r.staffId },
          { title: t('col.count'), cell: (r) => num(lang, r.enrolments), numeric: true },
        ]}
        rows={s.staff}
        rowKey={(r) => `${r.storeId} ${r.staffId}`}
      />
    </div>
  );
}

function Distribution({
  title,
  rows,
  testId,
}: {
  title: string;
  rows: [string, number][];
  testId: string;
}): React.JSX.Element {
  const { t, lang } = useUi();
  return (
    <div>
      <h3>{title}</h3>
      <Table
        testId={testId}
        columns={[
          { title: t('col.name'), cell: (r) => r[0] },
          { title: t('col.count'), cell: (r) => num(lang, r[1]), numeric: true },
        ]}
        rows={rows}
        rowKey={(r) => r[0]}
      />
    </div>
  );
}

export function Overview({
  summary,
  current,
  previous,
  overview,
  clvMeanFen,
  act,
  onTargetsSaved,
}: {
  summary: SummaryReport;
  current: DailyReport | null;
  previous: DailyReport | null;
  overview: OverviewReport | null;
  clvMeanFen: number | null;
  act: Act;
  onTargetsSaved: () => void;
}): React.JSX.Element {
  const { t, zone } = useUi();
  const [granularity, setGranularity] = useState<Granularity>('day');
  const band = overview?.targets.memberShare ?? PROGRAMME_TARGETS.memberShare;
  const options = useMemo(
    () => (current && previous ? charts(t, current, previous, granularity, band) : null),
    [t, current, previous, granularity, band],
  );
  const m = summary.members;
  return (
    <section data-testid="overview">
      {current && previous && options ? (
        <>
          <h2>
            {t('overview.period')} {current.from} – {current.to}
          </h2>
          <p className="muted">{t('range.previous', { from: previous.from, to: previous.to })}</p>
          <Period now={totals(current.days)} before={totals(previous.days)} />
          {overview ? (
            <Programme
              o={overview}
              current={current}
              previous={previous}
              clvMeanFen={clvMeanFen}
              act={act}
              onSaved={onTargetsSaved}
            />
          ) : null}
          <div className="toolbar" role="radiogroup" aria-label={t('granularity.label')} data-testid="granularity">
            <span>{t('granularity.label')}</span>
            {GRANULARITIES.map((g) => (
              <button
                key={g}
                type="button"
                role="radio"
                aria-checked={g === granularity}
                data-testid={`granularity-${g}`}
                className={g === granularity ? 'tab current' : 'tab'}
                onClick={() => setGranularity(g)}
              >
                {t(`granularity.${g}`)}
              </button>
            ))}
          </div>
          <div className="charts">
            <figure>
              <figcaption>{t('chart.sales')}</figcaption>
              <Chart option={options.sales ?? {}} testId="chart-sales" />
            </figure>
            <figure>
              <figcaption>{t('chart.share')}</figcaption>
              <Chart option={options.share ?? {}} testId="chart-share" />
            </figure>
            <figure>
              <figcaption>{t('chart.points')}</figcaption>
              <Chart option={options.points ?? {}} testId="chart-points" />
            </figure>
            <figure>
              <figcaption>{t('chart.enrolments')}</figcaption>
              <Chart option={options.enrolments ?? {}} testId="chart-enrolments" />
            </figure>
          </div>
          <Trend days={bucketed(current.days, granularity)} />
        </>
      ) : null}
      <h2>{t('overview.allTime')}</h2>
      <p className="muted">{t('app.asOf', { time: when(summary.asOf, zone), zone })}</p>
      <AllTime s={summary} />
      <div className="row">
        <Distribution
          title={t('overview.tiers')}
          testId="tiers"
          rows={Object.entries(m.tiers).map(([k, v]) => [label(t, 'tier', k), v])}
        />
        <Distribution
          title={t('overview.classes')}
          testId="classes"
          rows={Object.entries(m.classes).map(([k, v]) => [label(t, 'class', k), v])}
        />
        <Distribution
          title={t('overview.lifecycle')}
          testId="lifecycle"
          rows={Object.entries(m.lifecycle).map(([k, v]) => [label(t, 'lifecycle', k), v])}
        />
        <StaffEnrolments s={summary} />
      </div>
    </section>
  );
}
