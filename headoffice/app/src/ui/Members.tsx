/**
 * Members (issue 13, item 3): tier distribution, A/B/C/D with the spend boundaries, the
 * lifecycle funnel and the RFM grid from GET /v1/reports/members; a cell drills into its
 * members (member numbers and masked fields only) and exports them as CSV (attributed: who and
 * why, kept by head office). Then tier movement (a sankey from → to, and upgrades / downgrades
 * by month), cohort retention (an HTML triangle shaded by share) and the CLTV distribution with
 * its formula written out (core/rfm.ts computes all three on the server).
 *
 * The grid is R × F (5 × 5) for one M score chosen above it, as an HTML table: recency and
 * frequency are what a campaign acts on (win back the lapsed, reward the loyal), a 5 × 5 × 5
 * cube cannot be read at once, and each cell is a real button a keyboard or a test reaches,
 * shaded by its share of the most populous cell.
 */
import { useEffect, useMemo, useState } from 'react';
import { FunnelChart, SankeyChart } from 'echarts/charts';
import * as echarts from 'echarts/core';
import { num, pct, yuan } from '../lib/format.js';
import { membersApi, type MembersReport, type RfmMember } from '../lib/members.js';
import { Chart, type ChartOption } from './Chart.js';
import { Table } from './common.js';
import { label, useUi } from './context.js';
import type { Act } from './Member.js';
import { SaveSegment, SegmentsPanel } from './Segments.js';

// Registered here: only this page draws a funnel and a sankey (Chart.tsx registers the shared kinds).
echarts.use([FunnelChart, SankeyChart]);

/** The CLTV cap as core/rfm.ts CLTV_MAX_LIFETIME_YEARS (not imported: the page states it). */
const CLTV_CAP_YEARS = 10;

/** 0 for none, then 1-4 by quarter of the share. */
const shareHeat = (share: number): number => (share <= 0 ? 0 : Math.min(4, 1 + Math.floor(share * 4)));

const SCORES = [5, 4, 3, 2, 1] as const;

export function Members({ act }: { act: Act }): React.JSX.Element {
  const { t, lang } = useUi();
  const [report, setReport] = useState<MembersReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [m, setM] = useState(5);
  const [cell, setCell] = useState<string | null>(null);
  const [members, setMembers] = useState<RfmMember[] | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  /** bumped when a cell is saved as a segment, so the list below shows it */
  const [segmentsVersion, setSegmentsVersion] = useState(0);

  useEffect(() => {
    membersApi.report().then(
      (r) => {
        setReport(r);
        // Start on the M score holding the most members, so the grid shows something.
        const byM = new Map<number, number>();
        for (const c of r.rfm.cells) byM.set(c.m, (byM.get(c.m) ?? 0) + c.members);
        const best = [...byM.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
        if (best) setM(best[0]);
      },
      (e: unknown) => setError(String(e)),
    );
  }, []);

  useEffect(() => {
    if (!cell) return undefined;
    let live = true;
    setMembers(null);
    setExported(null);
    membersApi.report(cell).then(
      (r) => live && setMembers(r.cellMembers ?? []),
      (e: unknown) => live && setError(String(e)),
    );
    return () => {
      live = false;
    };
  }, [cell]);

  const tierChart = useMemo<ChartOption | null>(
    () =>
      report && {
        animation: false,
        tooltip: { trigger: 'axis' },
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        xAxis: { type: 'category', data: report.tiers.map((x) => label(t, 'tier', x.tier)) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            type: 'bar',
            name: t('col.count'),
            data: report.tiers.map((x) => x.members),
            label: { show: true, position: 'top' },
          },
        ],
      },
    [report, t],
  );
  const funnelChart = useMemo<ChartOption | null>(
    () =>
      report && {
        animation: false,
        tooltip: { trigger: 'item' },
        series: [
          {
            type: 'funnel',
            sort: 'none',
            minSize: '20%',
            top: 8,
            bottom: 8,
            label: { show: true, position: 'inside', formatter: '{b}: {c}' },
            data: report.lifecycle.map((x) => ({ name: label(t, 'lifecycle', x.stage), value: x.members })),
          },
        ],
      },
    [report, t],
  );

  const flowChart = useMemo<ChartOption | null>(() => {
    if (!report || report.tierMovement.flows.length === 0) return null;
    // Each tier twice, as a source (left) and as a target (right): a sankey must not loop, and an
    // upgrade and a downgrade between two tiers would otherwise make one.
    const from = (tier: string): string => `${label(t, 'tier', tier)} ▸`;
    const to = (tier: string): string => `▸ ${label(t, 'tier', tier)}`;
    const flows = report.tierMovement.flows;
    const names = [...new Set([...flows.map((f) => from(f.from)), ...flows.map((f) => to(f.to))])];
    return {
      animation: false,
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'sankey',
          left: 96,
          right: 96,
          top: 8,
          bottom: 8,
          nodeAlign: 'justify',
          // sources labelled on their left, targets on their right
          data: names.map((name) => ({ name, label: { position: name.endsWith('▸') ? 'left' : 'right' } })),
          links: flows.map((f) => ({
            source: from(f.from),
            target: to(f.to),
            value: f.members,
            lineStyle: { color: f.direction === 'up' ? '#2e9d5b' : '#d0473c', opacity: 0.45 },
          })),
          label: { show: true },
        },
      ],
    };
  }, [report, t]);
  const monthChart = useMemo<ChartOption | null>(
    () =>
      report && {
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 28, bottom: 32 },
        xAxis: { type: 'category', data: report.tierMovement.months.map((x) => x.month) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            type: 'bar',
            name: t('members.upgrades'),
            itemStyle: { color: '#2e9d5b' },
            data: report.tierMovement.months.map((x) => x.upgrades),
          },
          {
            type: 'bar',
            name: t('members.downgrades'),
            itemStyle: { color: '#d0473c' },
            data: report.tierMovement.months.map((x) => x.downgrades),
          },
        ],
      },
    [report, t],
  );
  const cltvChart = useMemo<ChartOption | null>(
    () =>
      report && {
        animation: false,
        tooltip: { trigger: 'axis' },
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        xAxis: {
          type: 'category',
          axisLabel: { interval: 0, rotate: 20 },
          data: report.cltv.buckets.map((b) =>
            b.max === null ? `≥ ${yuan(b.min)}` : `${yuan(b.min)} – ${yuan(b.max)}`,
          ),
        },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            type: 'bar',
            name: t('col.count'),
            data: report.cltv.buckets.map((b) => b.members),
            label: { show: true, position: 'top' },
          },
        ],
      },
    [report, t],
  );

  if (error) return <p className="err">{t('status.failed', { code: error })}</p>;
  if (!report) return <p className="muted">{t('status.loading')}</p>;

  const count = new Map(report.rfm.cells.map((c) => [c.cell, c.members]));
  const most = Math.max(1, ...report.rfm.cells.filter((c) => c.m === m).map((c) => c.members));
  const spend = (lo: number | null, hi: number | null): string =>
    lo === null || hi === null ? '—' : `${yuan(lo)} – ${yuan(hi)}`;

  return (
    <section data-testid="members-page">
      <h2>
        {t('nav.members')}{' '}
        <span className="muted">{t('members.asOf', { date: report.asOf, n: num(lang, report.members) })}</span>
      </h2>
      <div className="charts">
        <figure>
          <figcaption>{t('overview.tiers')}</figcaption>
          {tierChart ? <Chart option={tierChart} testId="members-tiers" /> : null}
        </figure>
        <figure>
          <figcaption>{t('members.funnel')}</figcaption>
          {funnelChart ? <Chart option={funnelChart} testId="members-funnel" /> : null}
        </figure>
      </div>
      <h3>{t('overview.classes')}</h3>
      <p className="muted">{t('members.classRule')}</p>
      <Table
        testId="members-classes"
        rows={report.classes}
        rowKey={(c) => c.class}
        rowAttr={(c) => ({ 'data-class': c.class })}
        columns={[
          { title: t('member.class'), cell: (c) => label(t, 'class', c.class) },
          { title: t('col.count'), cell: (c) => num(lang, c.members), numeric: true },
          { title: t('members.spendRange'), cell: (c) => spend(c.minSpend, c.maxSpend), numeric: true },
        ]}
      />
      <h3>{t('members.movement')}</h3>
      <p className="muted" data-testid="movement-rule">
        {t('members.movementRule', {
          up: num(lang, report.tierMovement.upgrades),
          down: num(lang, report.tierMovement.downgrades),
        })}
      </p>
      <div className="charts">
        <figure>
          <figcaption>{t('members.movementFlow')}</figcaption>
          {flowChart ? (
            <Chart option={flowChart} testId="members-movement-flow" />
          ) : (
            <p className="muted">{t('app.noData')}</p>
          )}
        </figure>
        <figure>
          <figcaption>{t('members.movementByMonth')}</figcaption>
          {monthChart ? <Chart option={monthChart} testId="members-movement-months" /> : null}
        </figure>
      </div>
      <Table
        testId="movement-flows"
        rows={report.tierMovement.flows}
        rowKey={(f) => `${f.from} ${f.to}`}
        rowAttr={(f) => ({ 'data-flow': `${f.from}>${f.to}` })}
        columns={[
          { title: t('members.flowFrom'), cell: (f) => label(t, 'tier', f.from) },
          { title: t('members.flowTo'), cell: (f) => label(t, 'tier', f.to) },
          {
            title: t('col.status'),
            cell: (f) => (f.direction === 'up' ? t('members.upgrades') : t('members.downgrades')),
          },
          { title: t('col.count'), cell: (f) => num(lang, f.members), numeric: true },
        ]}
      />
      <h3>{t('members.cohorts')}</h3>
      <p className="muted">{t('members.cohortRule')}</p>
      <table className="cohorts" data-testid="cohorts">
        <thead>
          <tr>
            <th>{t('members.cohort')}</th>
            <th className="n">{t('members.cohortSize')}</th>
            {report.cohorts.map((_, k) => (
              <th key={k} className="n">
                {t('members.monthN', { n: k })}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.cohorts.map((c) => (
            <tr key={c.cohort} data-cohort={c.cohort}>
              <th>{c.cohort}</th>
              <td className="n">{num(lang, c.members)}</td>
              {report.cohorts.map((_, k) => {
                const share = c.share[k];
                // outside the triangle: nothing; an empty cohort's months: a dash
                if (share === undefined) {
                  return c.buyers[k] === undefined ? (
                    <td key={k} />
                  ) : (
                    <td key={k} className="share muted">
                      —
                    </td>
                  );
                }
                return (
                  <td
                    key={k}
                    className={`share heat-${shareHeat(share)}`}
                    title={`${num(lang, c.buyers[k])} / ${num(lang, c.members)}`}
                  >
                    {pct(lang, share)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('members.cltv')}</h3>
      <p className="muted" data-testid="cltv-formula">
        {t('members.cltvFormula', { cap: CLTV_CAP_YEARS })}
      </p>
      <p className="muted" data-testid="cltv-lifetime">
        {report.cltv.lifetimeBasis === 'unmeasured'
          ? t('members.cltvUnmeasured')
          : report.cltv.lifetimeBasis === 'cap'
            ? t('members.cltvCap', { years: report.cltv.lifetimeYears })
            : t('members.cltvChurn', {
                rate: pct(lang, report.cltv.churn.rate),
                base: num(lang, report.cltv.churn.base),
                churned: num(lang, report.cltv.churn.churned),
                years: report.cltv.lifetimeYears,
              })}
      </p>
      <p className="muted" data-testid="cltv-stats">
        {t('members.cltvStats', {
          n: num(lang, report.cltv.members),
          aov: yuan(report.cltv.averageOrderValue),
          freq: num(lang, report.cltv.purchaseFrequency),
          mean: yuan(report.cltv.mean),
          median: yuan(report.cltv.median),
        })}
      </p>
      {cltvChart ? <Chart option={cltvChart} testId="members-cltv" /> : null}
      <h3>{t('members.rfm')}</h3>
      <p className="muted">
        {t('members.rfmRule', { scored: num(lang, report.rfm.scored), unscored: num(lang, report.rfm.unscored) })}
      </p>
      <div className="toolbar">
        <label htmlFor="rfm-m">{t('members.mScore')}</label>
        <select id="rfm-m" data-testid="rfm-m" value={m} onChange={(e) => setM(Number(e.target.value))}>
          {SCORES.map((s) => (
            <option key={s} value={s}>
              M = {s}
            </option>
          ))}
        </select>
      </div>
      <table className="rfm" data-testid="rfm-grid">
        <thead>
          <tr>
            <th>{t('members.rByF')}</th>
            {[1, 2, 3, 4, 5].map((f) => (
              <th key={f} className="n">
                F = {f}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {SCORES.map((r) => (
            <tr key={r}>
              <th>R = {r}</th>
              {[1, 2, 3, 4, 5].map((f) => {
                const name = `R${r}F${f}M${m}`;
                const n = count.get(name) ?? 0;
                const heat = n === 0 ? 0 : Math.min(4, 1 + Math.floor((3 * n) / most));
                return (
                  <td key={f} className="n">
                    <button
                      type="button"
                      className={`heat heat-${heat}${cell === name ? ' current' : ''}`}
                      data-testid={`rfm-${name}`}
                      aria-pressed={cell === name}
                      title={name}
                      disabled={n === 0}
                      onClick={() => setCell(name)}
                    >
                      {num(lang, n)}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {cell ? (
        <div data-testid="rfm-cell">
          <h3>
            {t('members.cell', { cell })}
            {members ? ` · ${t('members.cellCount', { n: num(lang, members.length) })}` : ''}
          </h3>
          <div className="toolbar">
            <button
              type="button"
              data-testid="rfm-export"
              disabled={!members || members.length === 0}
              onClick={() => {
                void act((who) => membersApi.exportCsv(cell, who)).then(
                  (out) => {
                    if (out && typeof out === 'object' && 'filename' in out) setExported(String(out.filename));
                  },
                  () => undefined,
                );
              }}
            >
              {t('members.exportCsv')}
            </button>
            <span className="muted" data-testid="rfm-exported">
              {exported ? t('members.exported', { file: exported }) : t('members.exportNote')}
            </span>
          </div>
          <SaveSegment
            rule={{ rfmCells: [cell] }}
            suggested={t('members.cellSegment', { cell })}
            onSaved={() => setSegmentsVersion((v) => v + 1)}
            testId="rfm-save"
          />
          {members ? (
            <Table
              testId="rfm-members"
              rows={members}
              rowKey={(x) => x.memberNo}
              rowAttr={(x) => ({ 'data-member': x.memberNo })}
              columns={[
                { title: t('member.memberNo'), cell: (x) => x.memberNo },
                { title: t('member.tier'), cell: (x) => label(t, 'tier', x.tier) },
                { title: t('member.class'), cell: (x) => label(t, 'class', x.class) },
                { title: t('member.lifecycle'), cell: (x) => label(t, 'lifecycle', x.lifecycle) },
                {
                  title: t('members.recency'),
                  cell: (x) => (x.recencyDays === null ? '—' : num(lang, x.recencyDays)),
                  numeric: true,
                },
                { title: t('members.frequency'), cell: (x) => num(lang, x.frequency), numeric: true },
                { title: t('members.monetary'), cell: (x) => yuan(x.monetary), numeric: true },
              ]}
            />
          ) : (
            <p className="muted">{t('status.loading')}</p>
          )}
        </div>
      ) : null}
      <SegmentsPanel key={segmentsVersion} tiers={report.tiers.map((x) => x.tier)} />
    </section>
  );
}
