/**
 * The checkout screen: identify the member (scan anywhere, or type a mobile / member number),
 * see them masked with tier, progress, balance, expiring points, class and lifecycle; follow
 * the basket the POS is quoting live; or key in a sale where the store has no integrated POS.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { money, dateTime, localDay, points as fmtPoints } from '../lib/format.js';
import {
  newSaleId,
  type Approval,
  type ApprovalAction,
  type MemberSummary,
  type QuoteResponse,
  type SaleResponse,
} from '../lib/api.js';
import type { QuoteEvent } from '../lib/events.js';
import { checkAmount, checkRedeemPoints, classifyLookup } from '../lib/validate.js';
import { Badge, Banner, errorText, fieldError, TextField, type FieldError } from './common.js';
import { needsSupervisor, useApp, withApprovalIfAsked, type T } from './context.js';
import { ApiError, type Programme } from '../lib/api.js';
import { isMessageKey, type Lang } from '../i18n/index.js';
import type { EnrolPrefill } from './Enrol.js';
import { RedeemDialog } from './Redeem.js';

export type IdentifyRequest = { code: string; source?: 'barcode' | 'nfc' | 'qr' } | { phone: string };

export interface MemberState {
  member: MemberSummary | null;
  error: unknown;
  busy: boolean;
  /** what was looked up when it failed: "not found" then offers to enrol that number or card */
  tried?: IdentifyRequest;
}

/** Offers to enrol what identified nobody: a mobile number no member has, or a card nobody holds. */
function EnrolOffer(props: { state: MemberState; onEnrol(prefill: EnrolPrefill): void }) {
  const { t } = useApp();
  const { error, tried } = props.state;
  if (!(error instanceof ApiError) || !tried) return null;
  if (error.code === 'unknown_member' && 'phone' in tried) {
    return (
      <button
        type="button"
        className="primary"
        onClick={() => props.onEnrol({ phone: tried.phone })}
        data-testid="enrol-offer"
      >
        {t('member.enrolPhone')}
      </button>
    );
  }
  if (error.code === 'unknown_card' && 'code' in tried) {
    const card = tried.source ? { code: tried.code, source: tried.source } : { code: tried.code };
    return (
      <button type="button" className="primary" onClick={() => props.onEnrol({ card })} data-testid="enrol-offer">
        {t('member.enrolCard')}
      </button>
    );
  }
  return null;
}

export function IdentifyBar(props: { onIdentify(req: IdentifyRequest): void; busy: boolean }) {
  const { t } = useApp();
  const [value, setValue] = useState('');
  const [error, setError] = useState<FieldError | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const c = classifyLookup(value);
    setError(fieldError(c));
    if (!c.ok) return;
    props.onIdentify(c.value);
    setValue('');
  };
  return (
    <form className="identify" onSubmit={submit} noValidate data-testid="identify-form">
      <TextField
        name="identify"
        label={t('identify.label')}
        value={value}
        onChange={(v) => {
          setValue(v);
          setError(null);
        }}
        error={error}
        placeholder={t('identify.placeholder')}
        hint={t('identify.hint')}
        autoFocus
      />
      <button type="submit" className="primary" disabled={props.busy} data-testid="identify-submit">
        {t('identify.submit')}
      </button>
    </form>
  );
}

export function MemberPanel(props: {
  state: MemberState;
  onClear(): void;
  onRedeem(): void;
  onEnrol(prefill: EnrolPrefill): void;
}) {
  const { t, lang, programme } = useApp();
  const { member, error, busy } = props.state;
  if (busy && !member) {
    return (
      <section className="panel member" aria-busy="true">
        <p className="muted">{t('identify.searching')}</p>
      </section>
    );
  }
  const problem = error ? (
    <>
      <Banner kind="error" testId="member-error">
        {errorText(t, error)}
      </Banner>
      <EnrolOffer state={props.state} onEnrol={props.onEnrol} />
    </>
  ) : null;
  if (!member) {
    return (
      <section className="panel member member-empty" data-testid="member-panel">
        {problem}
        <h2>{t('member.none')}</h2>
        <p className="muted">{t('member.noneHint')}</p>
      </section>
    );
  }
  const tiers = programme.tiers;
  const i = tiers.findIndex((x) => x.code === member.tier);
  const cur = tiers[i];
  const next = member.nextTier.tier ? tiers.find((x) => x.code === member.nextTier.tier) : undefined;
  const span = cur && next ? next.threshold - cur.threshold : 0;
  const progress = span > 0 ? Math.min(1, Math.max(0, (span - member.nextTier.remaining) / span)) : 1;
  const tierName = (code: string) => {
    const def = tiers.find((x) => x.code === code);
    return def ? (lang === 'zh-CN' ? def.name.zh : def.name.en) : code;
  };
  return (
    <section className="panel member" data-testid="member-panel" aria-live="polite">
      {problem}
      <div className="member-head">
        <div>
          <div className="member-name" data-testid="member-name">
            {member.name}
          </div>
          <div className="member-sub">
            <span>
              {t('member.memberNo')} <b data-testid="member-no">{member.memberNo}</b>
            </span>
            <span>
              {t('member.phone')} <b data-testid="member-phone">{member.phone}</b>
            </span>
          </div>
        </div>
        <div className="badges">
          <Badge kind={`tier-${member.tier}`} testId="member-tier">
            {lang === 'zh-CN' ? member.tierName.zh : member.tierName.en}
          </Badge>
          <Badge kind="class" testId="member-class">
            {member.class ? t('member.class', { class: member.class }) : t('member.classNone')}
          </Badge>
          <Badge kind={`life-${member.lifecycle}`} testId="member-lifecycle">
            {t(`member.lifecycle.${member.lifecycle}`)}
          </Badge>
          {member.status === 'blocked' ? <Badge kind="blocked">{t('member.blocked')}</Badge> : null}
        </div>
      </div>
      <div className="balance">
        <div>
          <div className="label">{t('member.balance')}</div>
          <div className="big" data-testid="member-balance">
            {fmtPoints(member.balance, lang)}
          </div>
        </div>
        <div>
          <div className="label">{t('member.spendable')}</div>
          <div className="mid" data-testid="member-spendable">
            {fmtPoints(member.spendable, lang)}
          </div>
        </div>
      </div>
      {member.balanceAsOf ? (
        <p className="asof" data-testid="member-asof">
          {member.balanceAsOf === 'never'
            ? t('member.asOfNever')
            : t('member.asOf', { time: dateTime(member.balanceAsOf, programme.timeZone, lang) })}
        </p>
      ) : null}
      {member.offersText ? (
        <p className="offers" data-testid="member-offers">
          {lang === 'zh-CN' ? member.offersText.zh : member.offersText.en}
        </p>
      ) : null}
      <div className="progress-block">
        {next ? (
          <>
            <div
              className="progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(progress * 100)}
            >
              <div className="progress-fill" style={{ width: `${Math.round(progress * 100)}%` }} />
            </div>
            <p data-testid="member-next-tier">
              {t('member.nextTier', { amount: money(member.nextTier.remaining), tier: tierName(next.code) })}
            </p>
          </>
        ) : (
          <p>{t('member.topTier')}</p>
        )}
      </div>
      <div className="expiring" data-testid="member-expiring">
        <h3>{t('member.expiring')}</h3>
        {member.expiringSoon.length === 0 ? (
          <p className="muted">{t('member.noExpiring')}</p>
        ) : (
          <ul>
            {member.expiringSoon.map((x) => (
              <li key={x.on}>
                {t('member.expiringItem', { points: fmtPoints(x.points, lang), date: localDay(x.on, lang) })}
              </li>
            ))}
          </ul>
        )}
        {member.stamps > 0 ? <p className="muted">{t('member.stamps', { n: member.stamps })}</p> : null}
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={props.onRedeem} data-testid="redeem-open">
          {t('member.redeem')}
        </button>
        <button type="button" onClick={props.onClear} data-testid="member-clear">
          {t('member.clear')}
        </button>
      </div>
    </section>
  );
}

export function PosBasket(props: { quote: QuoteEvent | null; member: MemberSummary | null }) {
  const { t, lang } = useApp();
  const q = props.quote;
  if (!q) {
    return (
      <div className="basket-empty" data-testid="pos-basket-empty">
        <p className="big-muted">{t('basket.waiting')}</p>
        <p className="muted">{t('basket.waitingHint')}</p>
      </div>
    );
  }
  return (
    <div className="pos-basket" data-testid="pos-basket">
      {q.memberNo === null ? <p className="muted">{t('basket.anonymous')}</p> : null}
      {q.memberNo !== null && props.member && q.memberNo !== props.member.memberNo ? (
        <Banner kind="warn">{t('basket.forOther', { memberNo: q.memberNo })}</Banner>
      ) : null}
      <table className="lines">
        <tbody>
          {q.lines.map((l, i) => (
            <tr key={`${l.sku}-${i}`} className={l.excluded ? 'excluded' : undefined}>
              <td>
                {l.name ?? l.sku}
                {l.excluded ? <span className="tag">{t('basket.excluded')}</span> : null}
              </td>
              <td className="num">×{l.quantity}</td>
              <td className="num">{money(l.net)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {q.lineCount > q.lines.length ? (
        <p className="muted">{t('basket.moreLines', { n: q.lineCount - q.lines.length })}</p>
      ) : null}
      <dl className="totals">
        <dt>{t('basket.total')}</dt>
        <dd data-testid="basket-total">{money(q.total)}</dd>
        <dt>{t('basket.earn')}</dt>
        <dd data-testid="basket-points">
          {fmtPoints(q.points, lang)}
          {q.bonusPoints > 0 ? <span className="muted"> · {t('basket.bonus', { points: q.bonusPoints })}</span> : null}
        </dd>
        {q.pointsRedeemed > 0 ? (
          <>
            <dt>{t('basket.redeemed')}</dt>
            <dd>
              {fmtPoints(q.pointsRedeemed, lang)} · {t('basket.redeemedValue', { amount: money(q.redemptionValue) })}
            </dd>
          </>
        ) : null}
      </dl>
      <details open className="breakdown">
        <summary>{t('basket.breakdown')}</summary>
        <p data-testid="basket-breakdown">{lang === 'zh-CN' ? q.breakdownText.zh : q.breakdownText.en}</p>
      </details>
    </div>
  );
}

interface KeyedLine {
  category: string;
  amount: string;
}

/**
 * After a keyed sale. A member sale's receipt prints by itself (the till queues it), so the
 * button then offers a reprint; an anonymous sale prints only when asked. Either way the till
 * answers a press while the sale's own receipt waits with that receipt: one slip per sale.
 */
export function SaleResult(props: { result: SaleResponse; printer: boolean; onClose(): void }) {
  const { api, t, lang, programme } = useApp();
  const r = props.result;
  const autoPrinted = props.printer && r.memberNo !== null;
  const [printNote, setPrintNote] = useState<string | null>(autoPrinted ? t('printer.autoQueued') : null);
  const print = () => {
    api.printReceipt(r.saleId, lang).then(
      (job) => setPrintNote(job.alreadyQueued ? t('printer.alreadyQueued') : t('printer.sent')),
      (e: unknown) => setPrintNote(errorText(t, e)),
    );
  };
  const name = (code: string | null) => {
    const d = programme.tiers.find((x) => x.code === code);
    return d ? (lang === 'zh-CN' ? d.name.zh : d.name.en) : (code ?? '');
  };
  return (
    <Banner kind="ok" testId="sale-result">
      <strong>{t('keyed.recorded', { saleId: r.saleId })}</strong>
      <span>
        {' '}
        · {t('result.earned')} <b data-testid="result-earned">{fmtPoints(r.pointsEarned + r.bonusPoints, lang)}</b>
      </span>
      {r.pointsRedeemed > 0 ? (
        <span>
          {' '}
          · {t('result.redeemed')} <b data-testid="result-redeemed">{fmtPoints(r.pointsRedeemed, lang)}</b>
        </span>
      ) : null}
      {r.balance !== null ? (
        <span>
          {' '}
          · {t('result.balance')} <b>{fmtPoints(r.balance, lang)}</b>
        </span>
      ) : null}
      {r.tierChanged ? <div>{t('result.upgrade', { from: name(r.previousTier), to: name(r.tier) })}</div> : null}
      <div className="actions">
        <button type="button" onClick={print} data-testid="print-receipt">
          {autoPrinted ? t('printer.reprint') : t('printer.print')}
        </button>
        <button type="button" className="link" onClick={props.onClose}>
          {t('app.close')}
        </button>
        {printNote ? <span data-testid="print-note">{printNote}</span> : null}
      </div>
    </Banner>
  );
}

/**
 * The points-payment hint: the rule alone until an amount is entered (there is no maximum to
 * tell yet), then the largest amount this sale allows, or that it allows none.
 */
function redeemHint(t: T, lang: Lang, programme: Programme, max: number | null): string {
  const rule = { min: programme.minimumPoints, step: programme.pointsPerCurrencyUnit };
  if (max === null) return t('keyed.redeemHintMin', rule);
  if (max < rule.min) return t('keyed.redeemUnavailable', { min: rule.min });
  return t('keyed.redeemHint', { ...rule, max: fmtPoints(max, lang) });
}

function problemError(
  t: ReturnType<typeof useApp>['t'],
  p: { code: string; message: string } | null,
): FieldError | null {
  if (!p) return null;
  const key = `error.${p.code}`;
  return {
    key: 'error.generic',
    text: isMessageKey(key) ? t(key, { message: p.message }) : t('error.generic', { message: p.message }),
  };
}

export function KeyedSale(props: {
  member: MemberSummary | null;
  ownQuote(saleId: string): void;
  onRecorded(r: SaleResponse): void;
}) {
  const { api, t, lang, staff, programme, requestApproval, categoryName } = useApp();
  const categories = programme.categories;
  const [lines, setLines] = useState<KeyedLine[]>([{ category: categories[0] ?? 'general', amount: '' }]);
  const [redeem, setRedeem] = useState('');
  const [errors, setErrors] = useState<Record<string, FieldError | null>>({});
  /** the latest answer and the basket it answers (`key`): while a newer basket waits, it is shown greyed */
  const [quote, setQuote] = useState<{ key: string; q: QuoteResponse } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const draft = useRef(newSaleId(programme.tillId));
  const memberNo = props.member?.memberNo;

  const parsedLines = lines.map((l) => ({ l, c: checkAmount(l.amount) }));
  const allValid = parsedLines.every((x) => x.c.ok);
  const saleLines = () =>
    parsedLines.map(({ l, c }, i) => ({
      sku: `keyed-${l.category}-${i + 1}`,
      name: categoryName(l.category),
      category: l.category,
      quantity: 1,
      unitPrice: c.ok ? c.value : 0,
    }));
  const redeemRule = { min: programme.minimumPoints, step: programme.pointsPerCurrencyUnit, max: null };
  const preview = checkRedeemPoints(redeem, redeemRule);
  const previewPoints = preview.ok && memberNo ? preview.value : 0;
  const key = JSON.stringify([lines, memberNo, previewPoints]);
  const askQuote = (): Promise<QuoteResponse> => {
    props.ownQuote(draft.current);
    return api.quote({
      saleId: draft.current,
      ...(memberNo ? { memberNo } : {}),
      lines: saleLines(),
      ...(previewPoints > 0 ? { redeemPoints: previewPoints } : {}),
    });
  };

  // A live preview of the points as the cashier types (a quote changes nothing). Only the answer
  // to the latest question is shown: a slow answer to an older basket must not replace it.
  const quoteSeq = useRef(0);
  useEffect(() => {
    const seq = ++quoteSeq.current;
    if (!allValid) {
      setQuote(null);
      return;
    }
    const timer = setTimeout(() => {
      const latest = (): boolean => seq === quoteSeq.current;
      askQuote()
        .then((q) => latest() && setQuote({ key, q }))
        .catch(() => latest() && setQuote(null));
    }, 250);
    return () => clearTimeout(timer);
  }, [key]);

  const current = quote?.key === key ? quote.q : null;
  const shown = quote?.q ?? null;
  const maxRedeemOf = (q: QuoteResponse | null): number =>
    q && props.member ? Math.min(q.maxRedeemablePoints, props.member.spendable) : 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    const next: Record<string, FieldError | null> = {};
    parsedLines.forEach(({ c }, i) => (next[`amount-${i}`] = fieldError(c)));
    if (!allValid) {
      setErrors({ ...next, redeem: fieldError(checkRedeemPoints(redeem, redeemRule)) });
      return;
    }
    // The most a member may redeem depends on the basket: judged against this basket's quote,
    // asked now if the preview still shows an earlier basket's.
    let q = current;
    if (!q) {
      setBusy(true);
      try {
        q = await askQuote();
        setQuote({ key, q });
      } catch (err) {
        setFailure(err);
        return;
      } finally {
        setBusy(false);
      }
    }
    const r = checkRedeemPoints(redeem, { ...redeemRule, max: props.member ? maxRedeemOf(q) : 0 });
    next.redeem = fieldError(r);
    setErrors(next);
    if (!r.ok) return;
    const pts = r.value;
    const action: ApprovalAction = { kind: 'redeem_points', memberNo: props.member?.memberNo ?? '', points: pts };
    let approval: Approval | null = null;
    if (pts > 0 && props.member && needsSupervisor(staff, programme, pts)) {
      approval = await requestApproval(action);
      if (!approval) return;
    }
    setBusy(true);
    try {
      const saleId = draft.current;
      const sale = {
        saleId,
        ...(memberNo ? { memberNo } : {}),
        lines: saleLines(),
        ...(pts > 0 ? { tenders: [{ type: 'points' as const, points: pts }] } : {}),
      };
      const done = await withApprovalIfAsked(requestApproval, action, approval, (a) => api.sale(sale, a?.approval));
      if (!done) return;
      const res = done.out;
      props.onRecorded(res);
      draft.current = newSaleId(programme.tillId);
      setLines([{ category: categories[0] ?? 'general', amount: '' }]);
      setRedeem('');
      setQuote(null);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'tenders')
        setErrors((x) => ({ ...x, redeem: { key: 'error.generic', text: errorText(t, err) } }));
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const cash = shown ? Math.max(0, shown.total - shown.redemptionValue) : 0;
  return (
    <form className="keyed" onSubmit={(e) => void submit(e)} noValidate data-testid="keyed-form">
      {!props.member ? <p className="muted">{t('keyed.noMember')}</p> : null}
      {lines.map((l, i) => (
        <div className="keyed-line" key={i}>
          <div className="field">
            <label htmlFor={`keyed-cat-${i}`}>{t('keyed.category')}</label>
            <select
              id={`keyed-cat-${i}`}
              name={`category-${i}`}
              value={l.category}
              onChange={(e) => setLines((ls) => ls.map((x, j) => (j === i ? { ...x, category: e.target.value } : x)))}
            >
              {categories.map((c) => (
                <option key={c} value={c}>
                  {categoryName(c)}
                </option>
              ))}
            </select>
          </div>
          <TextField
            name={`amount-${i}`}
            label={t('keyed.amount')}
            value={l.amount}
            inputMode="decimal"
            onChange={(v) => {
              setLines((ls) => ls.map((x, j) => (j === i ? { ...x, amount: v } : x)));
              setErrors((x) => ({ ...x, [`amount-${i}`]: null }));
            }}
            error={errors[`amount-${i}`] ?? null}
          />
          {lines.length > 1 ? (
            <button
              type="button"
              className="link"
              onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
              aria-label={t('keyed.removeLine')}
            >
              ×
            </button>
          ) : null}
        </div>
      ))}
      <button
        type="button"
        onClick={() => setLines((ls) => [...ls, { category: categories[0] ?? 'general', amount: '' }])}
        data-testid="keyed-add-line"
      >
        {t('keyed.addLine')}
      </button>
      {props.member ? (
        <TextField
          name="redeem"
          label={t('keyed.redeemPoints')}
          value={redeem}
          inputMode="numeric"
          onChange={(v) => {
            setRedeem(v);
            setErrors((x) => ({ ...x, redeem: null }));
          }}
          error={errors.redeem ?? problemError(t, current?.redemptionProblem ?? null)}
          hint={redeemHint(t, lang, programme, current ? maxRedeemOf(current) : null)}
        />
      ) : null}
      {shown ? (
        <dl
          className={current ? 'totals' : 'totals stale'}
          aria-busy={!current}
          data-stale={!current}
          data-testid="keyed-quote"
        >
          <dt>{t('basket.total')}</dt>
          <dd data-testid="keyed-total">{money(shown.total)}</dd>
          {shown.pointsRedeemed > 0 ? (
            <>
              <dt>{t('basket.redeemed')}</dt>
              <dd>
                {fmtPoints(shown.pointsRedeemed, lang)} ·{' '}
                {t('basket.redeemedValue', { amount: money(shown.redemptionValue) })}
              </dd>
            </>
          ) : null}
          <dt>{t('keyed.quote')}</dt>
          <dd>{t('keyed.cash', { amount: money(cash) })}</dd>
          <dt>{t('basket.earn')}</dt>
          <dd data-testid="keyed-points">{fmtPoints(shown.pointsEarned + shown.bonusPoints, lang)}</dd>
        </dl>
      ) : null}
      {failure ? (
        <Banner kind="error" testId="keyed-error">
          {errorText(t, failure)}
        </Banner>
      ) : null}
      <button type="submit" className="primary wide" disabled={busy} data-testid="keyed-submit">
        {busy ? t('keyed.recording') : t('keyed.record')}
      </button>
    </form>
  );
}

export function Checkout(props: {
  memberState: MemberState;
  onIdentify(req: IdentifyRequest): void;
  onClearMember(): void;
  onMemberUpdated(): void;
  posQuote: QuoteEvent | null;
  ownQuote(saleId: string): void;
  onEnrol(prefill: EnrolPrefill): void;
  /** a receipt printer is configured: a member sale's receipt then prints by itself */
  printer: boolean;
}) {
  const { t } = useApp();
  const [mode, setMode] = useState<'pos' | 'keyed'>('pos');
  const [redeemOpen, setRedeemOpen] = useState(false);
  const [result, setResult] = useState<SaleResponse | null>(null);
  const member = props.memberState.member;
  return (
    <div className="checkout">
      <IdentifyBar onIdentify={props.onIdentify} busy={props.memberState.busy} />
      <div className="columns">
        <MemberPanel
          state={props.memberState}
          onClear={props.onClearMember}
          onRedeem={() => setRedeemOpen(true)}
          onEnrol={props.onEnrol}
        />
        <section className="panel basket">
          <div className="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'pos'}
              className={mode === 'pos' ? 'active' : ''}
              onClick={() => setMode('pos')}
              data-testid="mode-pos"
            >
              {t('basket.pos')}
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'keyed'}
              className={mode === 'keyed' ? 'active' : ''}
              onClick={() => setMode('keyed')}
              data-testid="mode-keyed"
            >
              {t('basket.keyed')}
            </button>
          </div>
          {result ? <SaleResult result={result} printer={props.printer} onClose={() => setResult(null)} /> : null}
          {mode === 'pos' ? (
            <PosBasket quote={props.posQuote} member={member} />
          ) : (
            <KeyedSale
              member={member}
              ownQuote={props.ownQuote}
              onRecorded={(r) => {
                setResult(r);
                props.onMemberUpdated();
              }}
            />
          )}
        </section>
      </div>
      {redeemOpen && member ? (
        <RedeemDialog member={member} onClose={() => setRedeemOpen(false)} onRedeemed={() => props.onMemberUpdated()} />
      ) : null}
    </div>
  );
}
