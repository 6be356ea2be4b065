/** Returns against an earlier sale: find the sale (type or scan its number), choose quantities, record. */
import { useEffect, useState, type FormEvent } from 'react';
import { newSaleId, type ReturnResponse, type SaleView } from '../lib/api.js';
import { dateTime, money, points as fmtPoints } from '../lib/format.js';
import { checkQuantity, checkSaleId } from '../lib/validate.js';
import { Banner, errorText, fieldError, TextField, type FieldError } from './common.js';
import { useApp } from './context.js';

export function Returns(props: {
  scanned: { code: string; n: number } | null;
  onMemberChanged(memberNo: string | null): void;
}) {
  const { api, t, lang, programme, categoryName } = useApp();
  const [saleId, setSaleId] = useState('');
  const [idError, setIdError] = useState<FieldError | null>(null);
  const [sale, setSale] = useState<SaleView | null>(null);
  const [qty, setQty] = useState<string[]>([]);
  const [qtyErrors, setQtyErrors] = useState<(FieldError | null)[]>([]);
  const [failure, setFailure] = useState<unknown>(null);
  const [done, setDone] = useState<ReturnResponse | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (raw: string) => {
    const c = checkSaleId(raw);
    setIdError(fieldError(c));
    setFailure(null);
    setDone(null);
    if (!c.ok) return;
    try {
      const s = await api.saleView(c.value);
      setSale(s);
      setQty(s.lines.map(() => ''));
      setQtyErrors(s.lines.map(() => null));
    } catch (e) {
      setSale(null);
      setFailure(e);
    }
  };

  useEffect(() => {
    if (!props.scanned) return;
    setSaleId(props.scanned.code);
    void load(props.scanned.code);
  }, [props.scanned?.n]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!sale) return;
    setFailure(null);
    const checks = sale.lines.map((l, i) => checkQuantity(qty[i] ?? '', Math.max(0, l.quantity - l.returned)));
    setQtyErrors(checks.map((c) => fieldError(c)));
    if (checks.some((c) => !c.ok)) return;
    // Quantities per sku (the API returns by sku).
    const bySku = new Map<string, number>();
    sale.lines.forEach((l, i) => {
      const c = checks[i];
      if (c?.ok && c.value > 0) bySku.set(l.sku, Math.round(((bySku.get(l.sku) ?? 0) + c.value) * 1000) / 1000);
    });
    if (bySku.size === 0) {
      setFailure(new Error(t('returns.nothing')));
      return;
    }
    setBusy(true);
    try {
      const r = await api.recordReturn({
        returnId: newSaleId(programme.tillId).replace(/^K-/, 'R-'),
        originalSaleId: sale.saleId,
        lines: [...bySku].map(([sku, quantity]) => ({ sku, quantity })),
      });
      setDone(r);
      props.onMemberChanged(r.memberNo);
      const fresh = await api.saleView(sale.saleId);
      setSale(fresh);
      setQty(fresh.lines.map(() => ''));
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel returns">
      <h2>{t('returns.title')}</h2>
      <form
        className="identify"
        onSubmit={(e) => {
          e.preventDefault();
          void load(saleId);
        }}
        noValidate
        data-testid="returns-find"
      >
        <TextField
          name="saleId"
          label={t('returns.saleId')}
          value={saleId}
          onChange={setSaleId}
          error={idError}
          autoFocus
        />
        <button type="submit" className="primary" data-testid="returns-load">
          {t('returns.load')}
        </button>
      </form>
      {failure ? (
        <Banner kind="error" testId="returns-error">
          {failure instanceof Error && failure.name === 'Error' ? failure.message : errorText(t, failure)}
        </Banner>
      ) : null}
      {done ? (
        <Banner kind="ok" testId="returns-done">
          <strong>{t('returns.done')}</strong> · {t('returns.reversed')}{' '}
          <b data-testid="returns-reversed">{fmtPoints(done.pointsReversed, lang)}</b> · {t('returns.restored')}{' '}
          <b>{fmtPoints(done.pointsRestored, lang)}</b>
          {done.balance !== null ? (
            <>
              {' '}
              · {t('member.balance')} <b>{fmtPoints(done.balance, lang)}</b>
            </>
          ) : null}
          {done.bonusReversed > 0 ? (
            <div data-testid="returns-bonus-reversed">
              {t('returns.bonusReversed', { points: fmtPoints(done.bonusReversed, lang) })}
            </div>
          ) : null}
          {done.refundDeduction > 0 ? (
            <div>{t('returns.refundDeduction', { amount: money(done.refundDeduction) })}</div>
          ) : null}
        </Banner>
      ) : null}
      {sale ? (
        <form onSubmit={(e) => void submit(e)} noValidate data-testid="returns-form">
          <p>
            {t('returns.sale', { saleId: sale.saleId, time: dateTime(sale.occurredAt, programme.timeZone, lang) })} ·{' '}
            {sale.memberNo ? t('returns.member', { memberNo: sale.memberNo }) : t('returns.noMember')} ·{' '}
            {money(sale.total)}
          </p>
          <table className="lines returns-lines">
            <thead>
              <tr>
                <th>{t('returns.item')}</th>
                <th className="num">{t('returns.sold')}</th>
                <th className="num">{t('returns.alreadyReturned')}</th>
                <th className="num">{t('returns.quantity')}</th>
              </tr>
            </thead>
            <tbody>
              {sale.lines.map((l, i) => {
                const err = qtyErrors[i] ?? null;
                return (
                  <tr key={`${l.sku}-${i}`}>
                    <td>
                      {l.name ?? l.sku} <span className="muted">{categoryName(l.category)}</span>
                      <div className="muted small">{money(l.net)}</div>
                    </td>
                    <td className="num">{l.quantity}</td>
                    <td className="num">{l.returned}</td>
                    <td className="num">
                      <input
                        name={`qty-${i}`}
                        aria-label={`${t('returns.quantity')} ${l.name ?? l.sku}`}
                        inputMode="decimal"
                        className="qty"
                        value={qty[i] ?? ''}
                        onChange={(e) => {
                          setQty((q) => q.map((x, j) => (j === i ? e.target.value : x)));
                          setQtyErrors((q) => q.map((x, j) => (j === i ? null : x)));
                        }}
                        aria-invalid={err !== null}
                        aria-describedby={err ? `qty-err-${i}` : undefined}
                      />
                      {err ? (
                        <p className="field-error" id={`qty-err-${i}`} role="alert" data-testid={`error-qty-${i}`}>
                          {t(err.key, err.params)}
                        </p>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="submit" className="primary wide" disabled={busy} data-testid="returns-submit">
            {t('returns.submit')}
          </button>
        </form>
      ) : null}
    </section>
  );
}
