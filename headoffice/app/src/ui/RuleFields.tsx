/**
 * A member rule as ticks (docs/campaigns.md "Model"): A/B/C/D class, lifecycle stage and tier
 * for a saved segment; the campaign editor adds birthday month, home store (the enrolment
 * store) and "within ¥X of the next tier". Nothing ticked in a group = not a criterion.
 */
import type { Lifecycle, MemberClass, SegmentRule } from '../lib/campaigns.js';
import { Place } from './common.js';
import { yuan } from '../lib/format.js';
import { label, useUi, type T } from './context.js';

const CLASSES: MemberClass[] = ['A', 'B', 'C', 'D'];
const LIFECYCLES: Lifecycle[] = ['new', 'active', 'at_risk', 'dormant'];
const MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

function toggle<V>(list: readonly V[] | undefined, v: V, on: boolean): V[] | undefined {
  const next = on ? [...(list ?? []), v] : (list ?? []).filter((x) => x !== v);
  return next.length === 0 ? undefined : next;
}

function Ticks<V extends string | number>({
  legend,
  values,
  chosen,
  name,
  text,
  onChange,
  render,
}: {
  legend: string;
  values: readonly V[];
  chosen: readonly V[] | undefined;
  name: string;
  text: (v: V) => string;
  onChange: (next: V[] | undefined) => void;
  render?: (v: V) => React.ReactNode;
}): React.JSX.Element {
  return (
    <fieldset className="ticks" data-testid={`rule-${name}`}>
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={String(v)}>
          <input
            type="checkbox"
            data-testid={`rule-${name}-${String(v)}`}
            checked={chosen?.includes(v) ?? false}
            onChange={(e) => onChange(toggle(chosen, v, e.target.checked))}
          />
          {render ? render(v) : text(v)}
        </label>
      ))}
    </fieldset>
  );
}

export function RuleFields<R extends SegmentRule>({
  rule,
  onChange,
  tiers,
  stores = [],
  full = false,
}: {
  rule: R;
  onChange: (next: R) => void;
  tiers: readonly string[];
  /** stores a home-store criterion can name (the campaign editor) */
  stores?: readonly { storeId: string; storeName: string | null }[];
  /** the campaign editor's criteria too: birthday month, home store, within ¥X of the next tier */
  full?: boolean;
}): React.JSX.Element {
  const { t, names } = useUi();
  const set = (patch: Partial<SegmentRule>): void => onChange({ ...rule, ...patch });
  return (
    <div className="rule" data-testid="rule">
      <Ticks
        legend={t('member.class')}
        name="class"
        values={CLASSES}
        chosen={rule.classes}
        text={(c) => label(t, 'class', c)}
        onChange={(classes) => set({ classes })}
      />
      <Ticks
        legend={t('member.lifecycle')}
        name="lifecycle"
        values={LIFECYCLES}
        chosen={rule.lifecycles}
        text={(c) => label(t, 'lifecycle', c)}
        onChange={(lifecycles) => set({ lifecycles })}
      />
      <Ticks
        legend={t('member.tier')}
        name="tier"
        values={tiers}
        chosen={rule.tiers}
        text={(c) => label(t, 'tier', c)}
        onChange={(next) => set({ tiers: next })}
      />
      {full ? (
        <>
          <Ticks
            legend={t('rule.birthdayMonth')}
            name="month"
            values={MONTHS}
            chosen={rule.birthdayMonths}
            text={(m) => t('rule.month', { m })}
            onChange={(birthdayMonths) => set({ birthdayMonths })}
          />
          <Ticks
            legend={t('rule.homeStore')}
            name="store"
            values={stores.map((s) => s.storeId)}
            chosen={rule.homeStores}
            text={(s) => s}
            render={(s) => (
              <Place name={names.stores.get(s) ?? stores.find((x) => x.storeId === s)?.storeName} id={s} />
            )}
            onChange={(homeStores) => set({ homeStores })}
          />
          <label className="inline">
            {t('rule.withinOfNextTier')}
            <input
              type="number"
              min={0}
              step={1}
              data-testid="rule-within"
              value={rule.withinOfNextTier === undefined ? '' : rule.withinOfNextTier / 100}
              onChange={(e) => {
                const v = e.target.value.trim();
                set({ withinOfNextTier: v === '' ? undefined : Math.max(0, Math.round(Number(v) * 100)) });
              }}
            />
          </label>
        </>
      ) : null}
    </div>
  );
}

/** A rule in one line of glossary names: "A 类（前 20%）· 沉睡 · RFM R5F5M5"; "全部会员" without criteria. */
export function ruleText(t: T, rule: SegmentRule, storeName: (id: string) => string = (id) => id): string {
  const parts: string[] = [];
  if (rule.classes) parts.push(rule.classes.map((c) => label(t, 'class', c)).join(' / '));
  if (rule.lifecycles) parts.push(rule.lifecycles.map((c) => label(t, 'lifecycle', c)).join(' / '));
  if (rule.tiers) parts.push(rule.tiers.map((c) => label(t, 'tier', c)).join(' / '));
  if (rule.rfmCells) parts.push(`RFM ${rule.rfmCells.join(' / ')}`);
  if (rule.birthdayMonths) parts.push(t('rule.birthdayIn', { months: rule.birthdayMonths.join('、') }));
  if (rule.homeStores) parts.push(t('rule.homeStoreIs', { stores: rule.homeStores.map(storeName).join('、') }));
  if (rule.withinOfNextTier !== undefined) parts.push(t('rule.within', { yuan: yuan(rule.withinOfNextTier) }));
  return parts.length === 0 ? t('rule.everyone') : parts.join(' · ');
}
