/** Redeeming catalogue rewards; the supervisor's PIN for what is above the threshold is Supervisor.tsx's dialog. */
import { useEffect, useState } from 'react';
import { localDay, monthDay, money, points as fmtPoints } from '../lib/format.js';
import { type Approval, type ApprovalAction, type Coupon, type MemberSummary, type Reward } from '../lib/api.js';
import { Badge, Banner, Dialog, errorText } from './common.js';
import { needsSupervisor, useApp, withApprovalIfAsked } from './context.js';

export function RedeemDialog(props: { member: MemberSummary; onClose(): void; onRedeemed(): void }) {
  const { api, t, lang, staff, programme, requestApproval } = useApp();
  const [rewards, setRewards] = useState<Reward[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState<{
    coupon: Coupon;
    pointsSpent: number;
    balance: number;
    by: Approval | null;
  } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    api.rewards().then(setRewards, setFailure);
  }, [api]);

  const redeem = async (r: Reward) => {
    setFailure(null);
    let approval: Approval | null = null;
    if (needsSupervisor(staff, programme, r.points)) {
      approval = await requestApproval({ kind: 'redeem_reward', memberNo: props.member.memberNo, rewardId: r.id });
      if (!approval) return;
    }
    setBusy(r.id);
    try {
      const memberNo = props.member.memberNo;
      const action: ApprovalAction = { kind: 'redeem_reward', memberNo, rewardId: r.id };
      const done = await withApprovalIfAsked(requestApproval, action, approval, (a) =>
        api.redeemReward(memberNo, r.id, a?.approval),
      );
      if (!done) return;
      setDone({ ...done.out, by: done.approval });
      props.onRedeemed();
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(null);
      // Counts left (仅剩 N 件) change with every redemption here and elsewhere: show the new ones.
      api.rewards().then(setRewards, () => undefined);
    }
  };

  return (
    <Dialog title={t('redeem.title')} onClose={props.onClose} testId="redeem-dialog" wide>
      <p>
        {props.member.name} · {t('member.spendable')} <b>{fmtPoints(props.member.spendable, lang)}</b>
      </p>
      {failure ? (
        <Banner kind="error" testId="redeem-error">
          {errorText(t, failure)}
        </Banner>
      ) : null}
      {done ? (
        <Banner kind="ok" testId="redeem-done">
          <strong>{t('redeem.done')}</strong> · {t('redeem.coupon')}{' '}
          <code data-testid="coupon-code">{done.coupon.code}</code> ·{' '}
          {t('redeem.validTo', { date: localDay(done.coupon.validTo, lang) })} ·{' '}
          {t('redeem.pointsSpent', { points: fmtPoints(done.pointsSpent, lang) })} · {t('member.balance')}{' '}
          <b>{fmtPoints(done.balance, lang)}</b>
          {done.by ? (
            <div>
              {t('supervisor.approvedBy', { name: done.by.supervisor.name, staffId: done.by.supervisor.staffId })}
            </div>
          ) : null}
        </Banner>
      ) : null}
      <h3>{t('redeem.catalogue')}</h3>
      {rewards === null && !failure ? <p className="muted">{t('app.loading')}</p> : null}
      <ul className="rewards">
        {(rewards ?? []).map((r) => {
          const short = props.member.spendable < r.points;
          const a = r.availability;
          const closed = a.state !== 'available';
          return (
            <li key={r.id} className="reward" data-testid={`reward-${r.id}`}>
              <div>
                <div className="reward-name">{lang === 'zh-CN' ? r.name.zh : r.name.en}</div>
                <div className="muted">
                  {t('redeem.points', { points: fmtPoints(r.points, lang) })} ·{' '}
                  {r.kind === 'service' ? t('redeem.service') : t('redeem.value', { amount: money(r.value) })}
                </div>
              </div>
              <div className="reward-actions">
                {needsSupervisor(staff, programme, r.points) ? (
                  <Badge kind="warn">{t('redeem.needsSupervisor')}</Badge>
                ) : null}
                {short ? <Badge kind="muted">{t('redeem.notEnough')}</Badge> : null}
                <RewardUrgency a={a} />
                <button
                  type="button"
                  className="primary"
                  disabled={short || closed || busy !== null}
                  onClick={() => void redeem(r)}
                  data-testid={`redeem-${r.id}`}
                >
                  {t('redeem.choose')}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <p className="muted small">{t('redeem.asPayment')}</p>
    </Dialog>
  );
}

/** "仅剩 3 件" / "限时至 12月31日", or why the reward cannot be redeemed today. */
function RewardUrgency(props: { a: Reward['availability'] }) {
  const { t, lang } = useApp();
  const { state, remaining, from, until } = props.a;
  switch (state) {
    case 'sold_out':
      return (
        <Badge kind="warn" testId="reward-sold-out">
          {t('redeem.soldOut')}
        </Badge>
      );
    case 'ended':
      return <Badge kind="muted">{t('redeem.ended')}</Badge>;
    case 'not_started':
      return (
        <Badge kind="muted">{from ? t('redeem.from', { date: monthDay(from, lang) }) : t('redeem.notStarted')}</Badge>
      );
    case 'available':
      return (
        <>
          {remaining !== null ? (
            <Badge kind="warn" testId="reward-left">
              {t('redeem.left', { n: String(remaining) })}
            </Badge>
          ) : null}
          {until ? (
            <Badge kind="warn" testId="reward-until">
              {t('redeem.until', { date: monthDay(until, lang) })}
            </Badge>
          ) : null}
        </>
      );
    default: {
      const never: never = state;
      return never;
    }
  }
}
