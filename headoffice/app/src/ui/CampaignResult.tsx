/**
 * A campaign's results (issue 15 item 8, docs/campaigns.md "Result", "Return on cost"):
 * targeted / held out / granted / reached / used, spend and visits per member against the
 * holdout with the 95 % interval and the return on the points cost, all as GET
 * /v1/campaigns/{id}/result computes them (nothing is recomputed here), with two charts.
 */
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../lib/api.js';
import { campaignsApi, type CampaignResult } from '../lib/campaigns.js';
import { num, when, yuan } from '../lib/format.js';
import { Chart, type ChartOption } from './Chart.js';
import { Card } from './common.js';
import { useUi } from './context.js';

const ratio = (lang: string, x: number | null): string =>
  x === null ? '—' : new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(x);

export function CampaignResultView({
  id,
  version,
  onClose,
}: {
  id: string;
  /** bumped when the list reloads, so a start or an end shows at once */
  version: number;
  onClose: () => void;
}): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [result, setResult] = useState<CampaignResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    // Another campaign's result is not shown under this one's name while its own loads.
    setResult((r) => (r && r.campaign.id === id ? r : null));
    campaignsApi.result(id).then(
      (r) => live && setResult(r),
      (e: unknown) => live && setError(e instanceof ApiError ? e.code : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  const groups = useMemo<ChartOption | null>(
    () =>
      result && {
        animation: false,
        tooltip: { trigger: 'axis' },
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        xAxis: {
          type: 'category',
          data: [t('result.targeted'), t('result.heldOut'), t('result.granted'), t('result.reached'), t('result.used')],
        },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          {
            type: 'bar',
            name: t('col.count'),
            data: [result.targeted, result.heldOut, result.granted, result.reached, result.used],
            label: { show: true, position: 'top' },
          },
        ],
      },
    [result, t],
  );
  const spend = useMemo<ChartOption | null>(() => {
    if (!result) return null;
    const s = result.spendPerMember;
    const v = result.visitsPerMember;
    return {
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 56 },
      xAxis: { type: 'category', data: [t('result.targetGroup'), t('result.holdoutGroup')] },
      yAxis: [
        { type: 'value', name: t('result.spendAxis') },
        { type: 'value', name: t('result.visitsAxis') },
      ],
      series: [
        {
          type: 'bar',
          name: t('result.spendPerMember'),
          data: [s.target / 100, s.holdout / 100],
          label: { show: true, position: 'top', formatter: (p: { value: number }) => `¥${p.value.toFixed(2)}` },
        },
        {
          type: 'bar',
          name: t('result.visitsPerMember'),
          yAxisIndex: 1,
          data: [v.target, v.holdout],
          label: { show: true, position: 'top', formatter: (p: { value: number }) => p.value.toFixed(2) },
        },
      ],
    };
  }, [result, t]);

  if (error) return <p className="err">{t('status.failed', { code: error })}</p>;
  if (!result) return <p className="muted">{t('status.loading')}</p>;
  const c = result.campaign;
  const s = result.spendPerMember;
  const r = result.returnOnCost;
  const interval = (lo: number | null, hi: number | null, f: (x: number) => string): string =>
    lo === null || hi === null ? t('result.noInterval') : t('result.interval', { low: f(lo), high: f(hi) });

  return (
    <div className="result" data-testid="campaign-result">
      <div className="toolbar">
        <h3>
          {t('result.title', { name: c.name })}{' '}
          <span className="muted">
            {t(`campaigns.status.${c.status}`)} · {t('result.since', { at: when(c.startedAt, zone) })}
            {c.endedAt ? ` · ${t('result.ended', { at: when(c.endedAt, zone) })}` : ''}
            {result.segmentName ? ` · ${t('campaigns.segmentTarget', { name: result.segmentName })}` : ''}
          </span>
        </h3>
        <button type="button" data-testid="result-close" onClick={onClose}>
          {t('result.close')}
        </button>
      </div>
      <div className="cards">
        <Card testId="result-targeted" title={t('result.targeted')} value={num(lang, result.targeted)} />
        <Card testId="result-heldOut" title={t('result.heldOut')} value={num(lang, result.heldOut)} />
        <Card testId="result-granted" title={t('result.granted')} value={num(lang, result.granted)} />
        <Card
          testId="result-reached"
          title={t('result.reached')}
          value={num(lang, result.reached)}
          note={t('result.reachedNote')}
        />
        <Card testId="result-used" title={t('result.used')} value={num(lang, result.used)} />
        <Card
          testId="result-uplift"
          title={t('result.uplift')}
          value={yuan(s.difference)}
          note={interval(s.low, s.high, yuan)}
        />
        <Card
          testId="result-visits"
          title={t('result.visitsUplift')}
          value={num(lang, Math.round((result.visitsPerMember.target - result.visitsPerMember.holdout) * 100) / 100)}
          note={t('result.visitsNote', {
            target: num(lang, Math.round(result.visitsPerMember.target * 100) / 100),
            holdout: num(lang, Math.round(result.visitsPerMember.holdout * 100) / 100),
          })}
        />
        {result.campaign.budgetUnit === 'fen' ? (
          <Card
            testId="result-cost"
            title={t('result.moneyCost')}
            value={yuan(result.moneyCost)}
            note={t('result.costNoteFen', { estimated: yuan(result.estimatedCost) })}
          />
        ) : (
          <Card
            testId="result-cost"
            title={t('result.pointsCost')}
            value={t('result.points', { n: num(lang, result.pointsCost) })}
            note={t('result.costNote', {
              fen: yuan(r.costFen),
              value: num(lang, r.pointValueFen),
              estimated: num(lang, result.estimatedCost),
            })}
          />
        )}
        <Card
          testId="result-incremental"
          title={t('result.incremental')}
          value={yuan(r.incrementalSpend)}
          note={interval(r.incrementalLow, r.incrementalHigh, yuan)}
        />
        <Card
          testId="result-roi"
          title={t('result.roi')}
          value={ratio(lang, r.ratio)}
          note={r.ratio === null ? t('result.roiNoCost') : interval(r.low, r.high, (x) => ratio(lang, x))}
        />
      </div>
      <p className="muted" data-testid="result-rule">
        {t('result.rule')}
      </p>
      <div className="charts">
        <figure>
          <figcaption>{t('result.groupsChart')}</figcaption>
          {groups ? <Chart option={groups} testId="result-groups-chart" /> : null}
        </figure>
        <figure>
          <figcaption>{t('result.spendChart')}</figcaption>
          {spend ? <Chart option={spend} testId="result-spend-chart" /> : null}
        </figure>
      </div>
    </div>
  );
}
