/**
 * The overview's programme section (issue 13 item 2): the targets the programme team set
 * (member share band, repurchase lift on the previous period, CLV lift on a baseline; the
 * guides' figures until set) drawn against the period's actuals, churn and the referral rate.
 * core/overview.ts defines each; the page states the definitions beside the figures.
 */
import { useState } from 'react';
import { totals } from '../../../../core/analytics.js';
import type { Targets } from '../../../../core/overview.js';
import { api } from '../lib/api.js';
import { num, pct, yuan, when } from '../lib/format.js';
import type { DailyReport, OverviewReport } from '../lib/types.js';
import { Card } from './common.js';
import { useUi } from './context.js';
import type { Act } from './Member.js';

function TargetsForm({ o, act, onSaved }: { o: OverviewReport; act: Act; onSaved: () => void }): React.JSX.Element {
  const { t } = useUi();
  const cur = o.targets;
  const [low, setLow] = useState(String(Math.round(cur.memberShare.low * 100)));
  const [high, setHigh] = useState(String(Math.round(cur.memberShare.high * 100)));
  const [rep, setRep] = useState(String(Math.round(cur.repurchaseLift * 100)));
  const [clv, setClv] = useState(String(Math.round(cur.clvLift * 100)));
  const [base, setBase] = useState(cur.clvBaselineFen === null ? '' : String(cur.clvBaselineFen / 100));
  const field = (id: string, label: string, value: string, set: (v: string) => void): React.JSX.Element => (
    <label>
      {label}
      <input id={id} data-testid={id} inputMode="decimal" value={value} onChange={(e) => set(e.target.value)} />
    </label>
  );
  return (
    <form
      className="toolbar"
      data-testid="targets-form"
      onSubmit={(e) => {
        e.preventDefault();
        const next: Targets = {
          memberShare: { low: Number(low) / 100, high: Number(high) / 100 },
          repurchaseLift: Number(rep) / 100,
          clvLift: Number(clv) / 100,
          clvBaselineFen: base.trim() === '' ? null : Math.round(Number(base) * 100),
        };
        act((who) => api.setTargets(next, who)).then(
          (r) => r !== null && onSaved(),
          () => undefined,
        );
      }}
    >
      {field('target-share-low', t('targets.shareLow'), low, setLow)}
      {field('target-share-high', t('targets.shareHigh'), high, setHigh)}
      {field('target-repurchase', t('targets.repurchaseLift'), rep, setRep)}
      {field('target-clv', t('targets.clvLift'), clv, setClv)}
      {field('target-clv-base', t('targets.clvBaseline'), base, setBase)}
      <button type="submit" data-testid="targets-save">
        {t('targets.save')}
      </button>
    </form>
  );
}

export function Programme({
  o,
  current,
  previous,
  clvMeanFen,
  act,
  onSaved,
}: {
  o: OverviewReport;
  current: DailyReport;
  previous: DailyReport;
  /** the Members report's average CLTV, null when this operator may not read it */
  clvMeanFen: number | null;
  act: Act;
  onSaved: () => void;
}): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [editing, setEditing] = useState(false);
  const now = totals(current.days);
  const before = totals(previous.days);
  const tg = o.targets;
  const share = now.memberShare;
  const rep = o.repurchase;
  return (
    <section data-testid="programme">
      <h3>{t('targets.title')}</h3>
      <p className="muted">
        {tg.updatedAt
          ? t('targets.setBy', { who: tg.updatedBy ?? '', time: when(tg.updatedAt, zone) })
          : t('targets.defaults')}{' '}
        <button type="button" className="secondary" data-testid="targets-edit" onClick={() => setEditing(!editing)}>
          {t('targets.edit')}
        </button>
      </p>
      {editing ? <TargetsForm o={o} act={act} onSaved={onSaved} /> : null}
      <div className="cards">
        <Card
          testId="target-share"
          title={t('m.memberShare')}
          value={pct(lang, share)}
          bad={share !== null && share < tg.memberShare.low}
          note={t('m.targetBand', { low: pct(lang, tg.memberShare.low), high: pct(lang, tg.memberShare.high) })}
        />
        <Card
          testId="target-repurchase"
          title={t('m.repurchase')}
          value={pct(lang, rep.current.rate)}
          bad={rep.target !== null && rep.current.rate !== null && rep.current.rate < rep.target}
          note={t('targets.repurchaseNote', {
            target: pct(lang, rep.target),
            previous: pct(lang, rep.previous.rate),
            lift: pct(lang, tg.repurchaseLift),
          })}
        />
        <Card
          testId="target-clv"
          title={t('targets.clv')}
          value={yuan(clvMeanFen)}
          bad={tg.clvTargetFen !== null && clvMeanFen !== null && clvMeanFen < tg.clvTargetFen}
          note={
            tg.clvTargetFen === null
              ? t('targets.clvNoBaseline')
              : t('targets.clvNote', { target: yuan(tg.clvTargetFen), base: yuan(tg.clvBaselineFen) })
          }
        />
        <Card
          testId="churn"
          title={t('m.churn')}
          value={pct(lang, o.churn.rate)}
          note={t('m.churnNote', {
            lapsed: num(lang, o.churn.lapsed),
            active: num(lang, o.churn.activeAtStart),
            missing: num(lang, o.churn.daysWithoutSnapshot),
          })}
        />
        <Card
          testId="referral"
          title={t('m.referral')}
          value={pct(lang, now.referralRate)}
          note={t('m.referralNote', {
            referred: num(lang, now.referred),
            enrolments: num(lang, now.enrolments),
            previous: pct(lang, before.referralRate),
          })}
        />
      </div>
      <p className="muted" data-testid="definitions">
        {t('overview.definitions')}
      </p>
    </section>
  );
}
