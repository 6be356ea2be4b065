/**
 * Supervisor actions on screen (issue 14): clear the redemption lock, unblock a card, adjust a
 * member's points with a reason. A supervisor or admin signed in acts directly; a cashier's
 * screen asks for a supervisor's staff number and PIN first (SupervisorPinDialog), and the
 * server checks it: an approval for a card unblock, the PIN in the adjustment itself, and the
 * supervisor's own one-request session for the lock, which only a supervisor's session may clear.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Lang } from '../i18n/index.js';
import {
  ApiError,
  type AdjustmentResult,
  type ApprovalAction,
  type MemberSummary,
  type Programme,
  type RedemptionLock,
} from '../lib/api.js';
import { dateTime, points as fmtPoints } from '../lib/format.js';
import { classifyLookup } from '../lib/validate.js';
import {
  Banner,
  Dialog,
  errorText,
  Field,
  fieldError,
  Keypad,
  TextField,
  useStaffPin,
  type FieldError,
} from './common.js';
import { useApp, type T } from './context.js';

/** Refusals about the supervisor's staff number or PIN: shown in the dialog, which stays open. */
const CREDENTIAL_ERRORS = new Set(['invalid_credentials', 'staff_locked', 'forbidden', 'supervisor_required']);

export function SupervisorPinDialog(props: {
  why: string;
  run(staffId: string, pin: string): Promise<unknown>;
  onDone(ok: boolean, failure?: unknown): void;
}) {
  const { t } = useApp();
  const { staffId, setStaffId, pin, setPin, focus, setFocus, errors, setErrors, busy, setBusy, checked } =
    useStaffPin();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = checked();
    if (!v) return;
    setBusy(true);
    try {
      await props.run(v.staffId, v.pin);
      props.onDone(true);
    } catch (err) {
      if (!(err instanceof ApiError) || !CREDENTIAL_ERRORS.has(err.code)) {
        props.onDone(false, err);
        return;
      }
      setPin('');
      const text = errorText(t, err);
      const onId = err.field === 'supervisorId' || err.field === 'supervisorStaffId' || err.field === 'staffId';
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
    // Not closed while the approved action runs: it may already have been recorded, and a
    // cashier who saw "cancelled" would do it again.
    <Dialog title={t('supervisor.title')} onClose={() => !busy && props.onDone(false)} testId="supervisor-dialog">
      <p>{props.why}</p>
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
          <button type="button" onClick={() => props.onDone(false)} disabled={busy}>
            {t('app.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Why the supervisor is asked, for an approval of the server's supervisor flow (main/api/staff.ts). */
export function approvalWhy(t: T, lang: Lang, programme: Programme, a: ApprovalAction): string {
  const threshold = fmtPoints(programme.supervisorThreshold, lang);
  if (a.kind === 'redeem_points') {
    return t('supervisor.why.redeem_points', { points: fmtPoints(a.points, lang), threshold });
  }
  if (a.kind === 'redeem_reward') return t('supervisor.why.redeem_reward', { threshold });
  return t('supervisor.why.unblock_card');
}

/** Clears the redemption lock: at once for a supervisor, after a supervisor's PIN on a cashier's screen. */
export function useClearLock(): () => Promise<boolean> {
  const { api, t, staff, withSupervisor } = useApp();
  return async () => {
    if (staff.role !== 'cashier') {
      await api.clearRedemptionLock();
      return true;
    }
    const done = await withSupervisor(t('supervisor.why.clear_lock'), (id, pin) =>
      api.asSupervisor(id, pin, (s) => s.clearRedemptionLock()),
    );
    return done !== null;
  };
}

function LockPanel(props: { lock: RedemptionLock | null; onChanged(): void }) {
  const { t, lang, programme } = useApp();
  const clearLock = useClearLock();
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const clear = async () => {
    setFailure(null);
    try {
      if (await clearLock()) setNote(t('sup.lock.cleared'));
      props.onChanged();
    } catch (e) {
      setFailure(e);
    }
  };
  return (
    <section className="panel" data-testid="sup-lock">
      <h2>{t('sup.lock.title')}</h2>
      {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
      {note && !props.lock ? <Banner kind="ok">{note}</Banner> : null}
      {props.lock ? (
        <>
          <p className="err" data-testid="sup-lock-state">
            {t('sup.lock.locked', {
              time: dateTime(props.lock.since, programme.timeZone, lang),
              count: props.lock.count,
            })}
          </p>
          <button type="button" className="primary" onClick={() => void clear()} data-testid="sup-lock-clear">
            {t('sup.lock.clear')}
          </button>
        </>
      ) : (
        <p data-testid="sup-lock-state">{t('sup.lock.none')}</p>
      )}
    </section>
  );
}

function UnblockPanel(props: { scanned: { code: string; n: number } | null }) {
  const { api, t, staff, requestApproval } = useApp();
  const [code, setCode] = useState('');
  const [error, setError] = useState<FieldError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => {
    if (props.scanned) setCode(props.scanned.code);
  }, [props.scanned?.n]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setDone(null);
    const c = code.trim();
    setError(c ? null : { key: 'field.required' });
    if (!c) return;
    try {
      let approval: string | undefined;
      if (staff.role === 'cashier') {
        const a = await requestApproval({ kind: 'unblock_card', code: c });
        if (!a) return;
        approval = a.approval;
      }
      await api.unblockCard(c, approval);
      setDone(t('sup.unblock.done', { code: c }));
      setCode('');
    } catch (err) {
      setFailure(err);
    }
  };
  return (
    <section className="panel" data-testid="sup-unblock">
      <h2>{t('sup.unblock.title')}</h2>
      <form className="identify" onSubmit={(e) => void submit(e)} noValidate>
        <TextField name="unblockCode" label={t('sup.unblock.code')} value={code} onChange={setCode} error={error} />
        <button type="submit" className="primary" data-testid="sup-unblock-submit">
          {t('sup.unblock.submit')}
        </button>
      </form>
      {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
      {done ? (
        <Banner kind="ok" testId="sup-unblock-done">
          {done}
        </Banner>
      ) : null}
    </section>
  );
}

type AdjustErrors = Partial<Record<'member' | 'points' | 'reason', FieldError | null>>;

function checkAdjustPoints(raw: string): FieldError | null {
  return /^\d{1,9}$/.test(raw.trim()) && Number(raw) > 0 ? null : { key: 'field.pointsPositive' };
}

function AdjustPanel(props: { member: MemberSummary | null; onAdjusted(memberNo: string): void }) {
  const { api, t, lang, staff, withSupervisor, identify } = useApp();
  const [query, setQuery] = useState('');
  const [member, setMember] = useState<MemberSummary | null>(props.member);
  const findSeq = useRef(0);
  const [points, setPoints] = useState('');
  const [direction, setDirection] = useState<'credit' | 'debit'>('credit');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<AdjustErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState<AdjustmentResult | null>(null);

  const find = async (e: FormEvent) => {
    e.preventDefault();
    const c = classifyLookup(query);
    setErrors((x) => ({ ...x, member: fieldError(c) }));
    if (!c.ok) return;
    // Only the latest search's answer: the points are adjusted on the member shown.
    const mine = ++findSeq.current;
    try {
      const m = await identify(c.value);
      if (mine !== findSeq.current) return;
      setMember(m);
      setFailure(null);
    } catch (err) {
      if (mine !== findSeq.current) return;
      setMember(null);
      setFailure(err);
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setDone(null);
    const next: AdjustErrors = {
      member: member ? null : { key: 'field.code' },
      points: checkAdjustPoints(points),
      reason: reason.trim() ? null : { key: 'field.reason' },
    };
    setErrors(next);
    if (!member || next.points || next.reason) return;
    const req = { memberNo: member.memberNo, points: Number(points), direction, reason: reason.trim() };
    try {
      const r =
        staff.role === 'cashier'
          ? await withSupervisor(t(`supervisor.why.adjust.${direction}`, { points: req.points }), (id, pin) =>
              api.adjust({ ...req, supervisorStaffId: id, supervisorPin: pin }),
            )
          : await api.adjust(req);
      if (!r) return;
      setDone(r);
      setPoints('');
      setReason('');
      setMember({ ...member, balance: r.balance, spendable: r.spendable });
      props.onAdjusted(r.memberNo);
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <section className="panel" data-testid="sup-adjust">
      <h2>{t('sup.adjust.title')}</h2>
      <form className="identify" onSubmit={(e) => void find(e)} noValidate>
        <TextField
          name="adjustMember"
          label={t('sup.adjust.member')}
          value={query}
          onChange={setQuery}
          error={errors.member ?? null}
        />
        <button type="submit" data-testid="sup-adjust-find">
          {t('sup.adjust.find')}
        </button>
      </form>
      {member ? (
        <p data-testid="sup-adjust-member">
          {member.name} · {member.memberNo} · {t('member.balance')} <b>{fmtPoints(member.balance, lang)}</b>
        </p>
      ) : null}
      <form className="grid-form" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          name="adjustPoints"
          label={t('sup.adjust.points')}
          value={points}
          onChange={(v) => {
            setPoints(v);
            setErrors((x) => ({ ...x, points: null }));
          }}
          error={errors.points ?? null}
          inputMode="numeric"
        />
        <Field label={t('sup.adjust.direction')} error={null} name="direction">
          {() => (
            <div className="direction" role="radiogroup">
              {(['credit', 'debit'] as const).map((d) => (
                <label key={d}>
                  <input
                    type="radio"
                    name="direction"
                    value={d}
                    checked={direction === d}
                    onChange={() => setDirection(d)}
                  />
                  {t(`sup.adjust.${d}`)}
                </label>
              ))}
            </div>
          )}
        </Field>
        <TextField
          name="adjustReason"
          label={t('sup.adjust.reason')}
          value={reason}
          onChange={(v) => {
            setReason(v);
            setErrors((x) => ({ ...x, reason: null }));
          }}
          error={errors.reason ?? null}
        />
        {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
        {done ? (
          <Banner kind="ok" testId="sup-adjust-done">
            {t(`sup.adjust.done.${done.direction}`, {
              points: fmtPoints(done.points, lang),
              balance: fmtPoints(done.balance, lang),
              staffId: done.staffId,
            })}
          </Banner>
        ) : null}
        <button type="submit" className="primary wide" data-testid="sup-adjust-submit">
          {t('sup.adjust.submit')}
        </button>
      </form>
    </section>
  );
}

export function SupervisorScreen(props: {
  lock: RedemptionLock | null;
  member: MemberSummary | null;
  scanned: { code: string; n: number } | null;
  onChanged(): void;
  onAdjusted(memberNo: string): void;
}) {
  const { t } = useApp();
  return (
    <div className="supervisor-screen" data-testid="supervisor-screen">
      <p className="muted">{t('sup.intro')}</p>
      <LockPanel lock={props.lock} onChanged={props.onChanged} />
      <AdjustPanel member={props.member} onAdjusted={props.onAdjusted} />
      <UnblockPanel scanned={props.scanned} />
    </div>
  );
}
