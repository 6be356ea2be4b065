/**
 * Campaigns (issue 15 items 1 and 8, docs/campaigns.md): the list with each campaign's state
 * and what may be done next; the editor (a saved segment or a rule as the target, the offer of
 * any kind: multiplier, bonus above a minimum spend, coupon, free service,
 * its schedule, the budget and the holdout share) with a count of the members it targets
 * before the draft is saved; approve (by a second operator: the page says why the author
 * cannot), start, end; and a campaign's results (CampaignResult.tsx).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../lib/api.js';
import {
  approveRefusal,
  budgetUnitOf,
  campaignsApi,
  cleanRule,
  segmentsApi,
  type Campaign,
  type CampaignDraft,
  type CampaignOffer,
  type CampaignTarget,
  OFFER_KINDS,
  type OfferKind,
  type OperatorMe,
  type Segment,
  type SegmentRule,
} from '../lib/campaigns.js';
import { num, when, yuan } from '../lib/format.js';
import { CampaignResultView } from './CampaignResult.js';
import { NumberField, Table } from './common.js';
import { useUi } from './context.js';
import { RuleFields, ruleText } from './RuleFields.js';

/** docs/campaigns.md: 10 % of the matching members get nothing, so the effect can be measured. */
const DEFAULT_HOLDOUT = 10;

const errorCode = (e: unknown): string => (e instanceof ApiError ? e.code : String(e));

interface Form {
  name: string;
  mode: 'segment' | 'rule';
  segmentId: string;
  rule: SegmentRule;
  kind: OfferKind;
  multiplier: string;
  /** yuan */
  minSpend: string;
  bonusPoints: string;
  /** yuan: the coupon's value, or what one service costs */
  value: string;
  service: string;
  days: string;
  offerZh: string;
  offerEn: string;
  holdout: string;
  budget: string;
  costPerGrant: string;
  /** YYYY-MM-DD or '' (an operator starts / ends it) */
  startOn: string;
  endOn: string;
}

const EMPTY: Form = {
  name: '',
  mode: 'segment',
  segmentId: '',
  rule: {},
  kind: 'multiplier',
  multiplier: '2',
  minSpend: '200',
  bonusPoints: '300',
  value: '20',
  service: '',
  days: '7',
  offerZh: '双倍积分',
  offerEn: 'double points',
  holdout: String(DEFAULT_HOLDOUT),
  budget: '10000',
  costPerGrant: '100',
  startOn: '',
  endOn: '',
};

function targetOf(f: Form): CampaignTarget {
  return f.mode === 'segment' ? { segmentId: f.segmentId } : cleanRule(f.rule);
}

const fenOf = (yuanText: string): number => Math.round(Number(yuanText) * 100);

/** The offer of the kind chosen, from its own fields (docs/campaigns.md "Offer kinds"). */
function offerOf(f: Form): CampaignOffer {
  const base = { days: Number(f.days), name: { zh: f.offerZh.trim(), en: f.offerEn.trim() } };
  switch (f.kind) {
    case 'multiplier':
      return { kind: 'multiplier', multiplierMilli: Math.round(Number(f.multiplier) * 1000), ...base };
    case 'bonus':
      return { kind: 'bonus', minSpend: fenOf(f.minSpend), bonusPoints: Number(f.bonusPoints), ...base };
    case 'coupon':
      return { kind: 'coupon', value: fenOf(f.value), ...base };
    case 'service':
      return { kind: 'service', service: f.service.trim(), value: fenOf(f.value), ...base };
    default: {
      const never: never = f.kind;
      throw new Error(`unknown offer kind ${String(never)}`);
    }
  }
}

/** Budget and estimate per grant: points as typed, or yuan typed and sent as fen. */
function budgetOf(f: Form, text: string): number {
  return budgetUnitOf(f.kind) === 'fen' ? fenOf(text) : Number(text);
}

function draftOf(f: Form): CampaignDraft {
  return {
    name: f.name.trim(),
    target: targetOf(f),
    offer: offerOf(f),
    holdoutPercent: Number(f.holdout),
    budgetPoints: budgetOf(f, f.budget),
    costPerGrant: budgetOf(f, f.costPerGrant),
    ...(f.startOn ? { startOn: f.startOn } : {}),
    ...(f.endOn ? { endOn: f.endOn } : {}),
  };
}

export function Campaigns({
  tiers,
  stores,
}: {
  tiers: readonly string[];
  stores: readonly { storeId: string; storeName: string | null }[];
}): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [me, setMe] = useState<OperatorMe | null>(null);
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [form, setForm] = useState<Form>(EMPTY);
  const [preview, setPreview] = useState<{ matching: number; expectedHoldout: number; asOf: string } | null>(null);
  const [message, setMessage] = useState<{ text: string; err: boolean } | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const fail = (e: unknown): void => {
    const code = errorCode(e);
    setMessage({
      text: t(code === 'unknown_segment' ? 'campaigns.unknownSegment' : 'status.failed', { code }),
      err: true,
    });
  };
  // Reloads overlap (after each action): an older list must not replace a newer one.
  const reloadSeq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++reloadSeq.current;
    const latest = (): boolean => mine === reloadSeq.current;
    campaignsApi.list().then((c) => latest() && setCampaigns(c), fail);
    segmentsApi.list().then((s) => latest() && setSegments(s), fail);
    setVersion((v) => v + 1);
  }, []);
  useEffect(() => {
    campaignsApi.me().then(setMe, fail);
    reload();
  }, [reload]);
  useEffect(() => {
    if (form.segmentId === '' && segments[0]) setForm((f) => ({ ...f, segmentId: segments[0]?.id ?? '' }));
  }, [segments, form.segmentId]);
  // A changed form needs a new count, and a count asked for the old form is not shown for it.
  const previewSeq = useRef(0);
  useEffect(() => {
    previewSeq.current++;
    setPreview(null);
  }, [form]);

  const set = (patch: Partial<Form>): void => setForm({ ...form, ...patch });
  const segmentName = (id: string | undefined): string | null =>
    id === undefined ? null : (segments.find((s) => s.id === id)?.name ?? id);
  const targetText = (c: { target: CampaignTarget }): string => {
    const { segmentId, ...rest } = c.target;
    const own = Object.keys(rest).length > 0 ? ruleText(t, rest) : null;
    if (segmentId === undefined) return own ?? ruleText(t, {});
    return [t('campaigns.segmentTarget', { name: segmentName(segmentId) ?? segmentId }), own]
      .filter(Boolean)
      .join(' · ');
  };
  const offerText = (o: CampaignOffer): string => {
    const name = lang === 'en' ? o.name.en : o.name.zh;
    switch (o.kind) {
      case 'multiplier':
        return t('campaigns.offerText', { name, x: o.multiplierMilli / 1000, days: o.days });
      case 'bonus':
        return t('campaigns.offerBonus', {
          name,
          min: yuan(o.minSpend),
          points: num(lang, o.bonusPoints),
          days: o.days,
        });
      case 'coupon':
        return t('campaigns.offerCoupon', { name, value: yuan(o.value), days: o.days });
      case 'service':
        return t('campaigns.offerService', { name, service: o.service, days: o.days });
      default: {
        const never: never = o;
        return String(never);
      }
    }
  };
  const act = (c: Campaign, action: 'approve' | 'start' | 'end'): void => {
    if (action !== 'approve' && !window.confirm(t(`campaigns.confirm.${action}`, { name: c.name }))) return;
    setMessage(null);
    campaignsApi.act(c.id, action).then(() => {
      setMessage({ text: t(`campaigns.done.${action}`, { name: c.name }), err: false });
      reload();
    }, fail);
  };
  const grants = (matching: number, holdout: number): number => {
    const budget = Number(form.budget);
    const cost = Number(form.costPerGrant);
    const byBudget = cost > 0 ? Math.floor(budget / cost) : 0;
    return Math.max(0, Math.min(matching - holdout, byBudget));
  };
  const canPreview = form.mode === 'rule' || form.segmentId !== '';
  const canSave = canPreview && form.name.trim() !== '' && me?.role === 'admin';

  return (
    <section data-testid="campaigns-page">
      <h2>{t('nav.campaigns')}</h2>
      {me ? (
        <p className="muted" data-testid="campaigns-me">
          {t('campaigns.me', { id: me.operatorId, role: t(`role.${me.role}`) })}
        </p>
      ) : null}
      {message ? (
        <p className={message.err ? 'err' : 'ok'} data-testid="campaigns-message">
          {message.text}
        </p>
      ) : null}
      <h3>{t('campaigns.list')}</h3>
      {campaigns ? (
        <Table
          testId="campaign-list"
          rows={[...campaigns].reverse()}
          rowKey={(c) => c.id}
          rowAttr={(c) => ({ 'data-campaign': c.id, 'data-status': c.status })}
          columns={[
            {
              title: t('campaigns.name'),
              cell: (c) => (
                <>
                  {c.name} <span className="muted id">{c.id}</span>
                </>
              ),
            },
            {
              title: t('col.status'),
              cell: (c) => <span className={`status ${c.status}`}>{t(`campaigns.status.${c.status}`)}</span>,
            },
            { title: t('campaigns.target'), cell: targetText },
            {
              title: t('campaigns.offer'),
              cell: (c) => offerText(c.offer),
            },
            {
              title: t('campaigns.scheduleTitle'),
              cell: (c) =>
                c.startOn || c.endOn
                  ? t('campaigns.scheduleText', { from: c.startOn ?? '—', to: c.endOn ?? '—' })
                  : t('campaigns.manual'),
            },
            { title: t('campaigns.holdout'), cell: (c) => `${c.holdoutPercent}%`, numeric: true },
            {
              title: t('campaigns.budget'),
              cell: (c) =>
                c.budgetUnit === 'fen'
                  ? t('campaigns.budgetTextFen', { money: yuan(c.budgetPoints), per: yuan(c.costPerGrant) })
                  : t('campaigns.budgetText', { points: num(lang, c.budgetPoints), per: num(lang, c.costPerGrant) }),
              numeric: true,
            },
            {
              title: t('campaigns.people'),
              cell: (c) => (
                <>
                  {t('campaigns.createdBy', { by: c.createdBy, at: when(c.createdAt, zone) })}
                  {c.approvedBy ? (
                    <>
                      <br />
                      {t('campaigns.approvedBy', { by: c.approvedBy, at: when(c.approvedAt, zone) })}
                    </>
                  ) : null}
                </>
              ),
            },
            {
              title: t('col.action'),
              cell: (c) => {
                const why = c.status === 'draft' ? approveRefusal(c, me) : null;
                return (
                  <span className="actions">
                    {c.status === 'draft' ? (
                      <>
                        <button
                          type="button"
                          data-testid={`approve-${c.id}`}
                          disabled={why !== null}
                          onClick={() => act(c, 'approve')}
                        >
                          {t('campaigns.approve')}
                        </button>
                        {why ? (
                          <span className="muted why" data-testid={`approve-why-${c.id}`}>
                            {t(why === 'author' ? 'campaigns.whyAuthor' : 'campaigns.whyRole', { by: c.createdBy })}
                          </span>
                        ) : null}
                      </>
                    ) : null}
                    {c.status === 'approved' ? (
                      <button type="button" data-testid={`start-${c.id}`} onClick={() => act(c, 'start')}>
                        {t('campaigns.start')}
                      </button>
                    ) : null}
                    {c.status === 'approved' || c.status === 'running' ? (
                      <button type="button" data-testid={`end-${c.id}`} onClick={() => act(c, 'end')}>
                        {t('campaigns.end')}
                      </button>
                    ) : null}
                    {c.status !== 'draft' ? (
                      <button type="button" data-testid={`result-${c.id}`} onClick={() => setShown(c.id)}>
                        {t('campaigns.results')}
                      </button>
                    ) : null}
                  </span>
                );
              },
            },
          ]}
        />
      ) : (
        <p className="muted">{t('status.loading')}</p>
      )}
      {shown ? <CampaignResultView id={shown} version={version} onClose={() => setShown(null)} /> : null}

      <h3>{t('campaigns.new')}</h3>
      <form
        className="editor"
        data-testid="campaign-editor"
        onSubmit={(e) => {
          e.preventDefault();
          setMessage(null);
          const draft = draftOf(form);
          campaignsApi.create(draft).then((c) => {
            setMessage({ text: t('campaigns.created', { name: c.name }), err: false });
            setForm(EMPTY);
            reload();
          }, fail);
        }}
      >
        <label className="inline">
          {t('campaigns.name')}
          <input
            data-testid="campaign-name"
            value={form.name}
            maxLength={100}
            onChange={(e) => set({ name: e.target.value })}
          />
        </label>
        <fieldset className="target">
          <legend>{t('campaigns.target')}</legend>
          <label>
            <input
              type="radio"
              name="mode"
              data-testid="target-segment"
              checked={form.mode === 'segment'}
              onChange={() => set({ mode: 'segment' })}
            />
            {t('campaigns.bySegment')}
          </label>
          <select
            data-testid="campaign-segment"
            value={form.segmentId}
            disabled={form.mode !== 'segment'}
            onChange={(e) => set({ segmentId: e.target.value })}
          >
            {segments.length === 0 ? <option value="">{t('campaigns.noSegments')}</option> : null}
            {segments.map((s) => (
              <option key={s.id} value={s.id}>
                {t('campaigns.segmentOption', { name: s.name, n: num(lang, s.countAtSave), date: s.asOf })}
              </option>
            ))}
          </select>
          <label>
            <input
              type="radio"
              name="mode"
              data-testid="target-rule"
              checked={form.mode === 'rule'}
              onChange={() => set({ mode: 'rule' })}
            />
            {t('campaigns.byRule')}
          </label>
          {form.mode === 'rule' ? (
            <RuleFields rule={form.rule} onChange={(rule) => set({ rule })} tiers={tiers} stores={stores} full />
          ) : null}
        </fieldset>
        <fieldset className="offer">
          <legend>{t('campaigns.offer')}</legend>
          <label className="inline">
            {t('campaigns.kind')}
            <select
              data-testid="campaign-kind"
              value={form.kind}
              onChange={(e) => set({ kind: e.target.value as OfferKind })}
            >
              {OFFER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`campaigns.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          {form.kind === 'multiplier' ? (
            <NumberField
              label={t('campaigns.multiplier')}
              testId="campaign-multiplier"
              min={1.01}
              max={10}
              step="any"
              value={form.multiplier}
              onChange={(multiplier) => set({ multiplier })}
            />
          ) : null}
          {form.kind === 'bonus' ? (
            <>
              <NumberField
                label={t('campaigns.minSpend')}
                testId="campaign-min-spend"
                min={0}
                step="0.01"
                value={form.minSpend}
                onChange={(minSpend) => set({ minSpend })}
              />
              <NumberField
                label={t('campaigns.bonusPoints')}
                testId="campaign-bonus-points"
                min={1}
                value={form.bonusPoints}
                onChange={(bonusPoints) => set({ bonusPoints })}
              />
            </>
          ) : null}
          {form.kind === 'service' ? (
            <label className="inline">
              {t('campaigns.service')}
              <input
                data-testid="campaign-service"
                value={form.service}
                maxLength={32}
                pattern="[a-z0-9][a-z0-9-]*"
                onChange={(e) => set({ service: e.target.value })}
              />
            </label>
          ) : null}
          {form.kind === 'coupon' || form.kind === 'service' ? (
            <NumberField
              label={t(form.kind === 'coupon' ? 'campaigns.couponValue' : 'campaigns.serviceValue')}
              testId="campaign-value"
              min={0}
              step="0.01"
              value={form.value}
              onChange={(value) => set({ value })}
            />
          ) : null}
          <NumberField
            label={t('campaigns.days')}
            testId="campaign-days"
            min={1}
            max={366}
            value={form.days}
            onChange={(days) => set({ days })}
          />
          <label className="inline">
            {t('campaigns.offerZh')}
            <input
              data-testid="campaign-offer-zh"
              value={form.offerZh}
              maxLength={32}
              onChange={(e) => set({ offerZh: e.target.value })}
            />
          </label>
          <label className="inline">
            {t('campaigns.offerEn')}
            <input
              data-testid="campaign-offer-en"
              value={form.offerEn}
              maxLength={32}
              onChange={(e) => set({ offerEn: e.target.value })}
            />
          </label>
        </fieldset>
        <fieldset className="schedule">
          <legend>{t('campaigns.scheduleTitle')}</legend>
          <label className="inline">
            {t('campaigns.startOn')}
            <input
              type="date"
              data-testid="campaign-start-on"
              value={form.startOn}
              onChange={(e) => set({ startOn: e.target.value })}
            />
          </label>
          <label className="inline">
            {t('campaigns.endOn')}
            <input
              type="date"
              data-testid="campaign-end-on"
              min={form.startOn || undefined}
              value={form.endOn}
              onChange={(e) => set({ endOn: e.target.value })}
            />
          </label>
          <p className="muted">{t('campaigns.schedule', { days: form.days })}</p>
        </fieldset>
        <fieldset className="budget">
          <legend>{t('campaigns.budget')}</legend>
          <NumberField
            label={t(budgetUnitOf(form.kind) === 'fen' ? 'campaigns.budgetMoney' : 'campaigns.budgetPoints')}
            testId="campaign-budget"
            min={1}
            value={form.budget}
            onChange={(budget) => set({ budget })}
          />
          <NumberField
            label={t(budgetUnitOf(form.kind) === 'fen' ? 'campaigns.costPerGrantMoney' : 'campaigns.costPerGrant')}
            testId="campaign-cost"
            min={1}
            value={form.costPerGrant}
            onChange={(costPerGrant) => set({ costPerGrant })}
          />
          <NumberField
            label={t('campaigns.holdoutPercent')}
            testId="campaign-holdout"
            min={0}
            max={50}
            value={form.holdout}
            onChange={(holdout) => set({ holdout })}
          />
          <p className="muted">{t('campaigns.budgetRule')}</p>
        </fieldset>
        <div className="toolbar">
          <button
            type="button"
            data-testid="campaign-preview"
            disabled={!canPreview}
            onClick={() => {
              setMessage(null);
              const mine = ++previewSeq.current;
              campaignsApi.preview(targetOf(form), Number(form.holdout)).then(
                (p) => mine === previewSeq.current && setPreview(p),
                (e: unknown) => mine === previewSeq.current && fail(e),
              );
            }}
          >
            {t('campaigns.preview')}
          </button>
          <span data-testid="campaign-preview-out" className="muted">
            {preview
              ? t('campaigns.previewText', {
                  n: num(lang, preview.matching),
                  holdout: num(lang, preview.expectedHoldout),
                  grants: num(lang, grants(preview.matching, preview.expectedHoldout)),
                  date: preview.asOf,
                })
              : t('campaigns.previewNote')}
          </span>
          <button type="submit" data-testid="campaign-save" disabled={!canSave}>
            {t('campaigns.saveDraft')}
          </button>
          {me && me.role !== 'admin' ? <span className="muted">{t('campaigns.needAdmin')}</span> : null}
        </div>
      </form>
    </section>
  );
}
