/** Redeeming catalogue rewards, and the supervisor's PIN for what is above the threshold. */
import { useEffect, useState, type FormEvent } from 'react';
import { localDay, money, points as fmtPoints } from '../lib/format.js';
import {
  ApiError,
  type Approval,
  type ApprovalAction,
  type Coupon,
  type MemberSummary,
  type Reward,
} from '../lib/api.js';
import { checkPin, checkStaffId } from '../lib/validate.js';
import { Badge, Banner, Dialog, errorText, fieldError, Keypad, TextField, type FieldError } from './common.js';
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
                <button
                  type="button"
                  className="primary"
                  disabled={short || busy !== null}
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

export function SupervisorDialog(props: { action: ApprovalAction; onDone(a: Approval | null): void }) {
  const { api, t, lang, programme } = useApp();
  const [staffId, setStaffId] = useState('');
  const [pin, setPin] = useState('');
  const [focus, setFocus] = useState<'staffId' | 'pin'>('staffId');
  const [errors, setErrors] = useState<{ staffId: FieldError | null; pin: FieldError | null }>({
    staffId: null,
    pin: null,
  });
  const [busy, setBusy] = useState(false);
  const a = props.action;
  const why =
    a.kind === 'redeem_points'
      ? t('supervisor.why.redeem_points', {
          points: fmtPoints(a.points, lang),
          threshold: fmtPoints(programme.supervisorThreshold, lang),
        })
      : a.kind === 'redeem_reward'
        ? t('supervisor.why.redeem_reward', { threshold: fmtPoints(programme.supervisorThreshold, lang) })
        : t('supervisor.why.unblock_card');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const id = checkStaffId(staffId);
    const p = checkPin(pin);
    setErrors({ staffId: fieldError(id), pin: fieldError(p) });
    if (!id.ok || !p.ok) return;
    setBusy(true);
    try {
      props.onDone(await api.approve(id.value, p.value, props.action));
    } catch (err) {
      setPin('');
      const text = errorText(t, err);
      const onId = err instanceof ApiError && err.field === 'supervisorId';
      setErrors({
        staffId: onId ? { key: 'error.generic', text } : null,
        pin: onId ? null : { key: 'error.generic', text },
      });
    } finally {
      setBusy(false);
    }
  };
  const edit = (f: (v: string) => string) => (focus === 'staffId' ? setStaffId((v) => f(v)) : setPin((v) => f(v)));
  return (
    <Dialog title={t('supervisor.title')} onClose={() => props.onDone(null)} testId="supervisor-dialog">
      <p>{why}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div onFocus={() => setFocus('staffId')}>
          <TextField
            name="supervisorId"
            label={t('supervisor.staffId')}
            value={staffId}
            onChange={(v) => {
              setStaffId(v);
              setErrors((x) => ({ ...x, staffId: null }));
            }}
            error={errors.staffId}
            inputMode="numeric"
          />
        </div>
        <div onFocus={() => setFocus('pin')}>
          <TextField
            name="supervisorPin"
            label={t('supervisor.pin')}
            value={pin}
            onChange={(v) => {
              setPin(v);
              setErrors((x) => ({ ...x, pin: null }));
            }}
            error={errors.pin}
            inputMode="numeric"
            type="password"
          />
        </div>
        <Keypad
          onDigit={(d) => edit((v) => v + d)}
          onBackspace={() => edit((v) => v.slice(0, -1))}
          onClear={() => edit(() => '')}
          clearLabel={t('keypad.clear')}
          backspaceLabel={t('keypad.backspace')}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="supervisor-approve">
            {t('supervisor.approve')}
          </button>
          <button type="button" onClick={() => props.onDone(null)}>
            {t('app.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
