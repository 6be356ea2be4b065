/**
 * Saved segments (issue 13 item 6, docs/campaigns.md "Saved segments"): a member view of this
 * page (an RFM cell, or class / lifecycle / tier ticks) saved under a name as its rule, with the
 * count it matches now; the list with who saved each and when, renamed or deleted in place. A
 * campaign's target can be one (Campaigns page). Needs an analyst's token, as the CSV export.
 */
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../lib/api.js';
import { cleanRule, segmentsApi, type Segment, type SegmentRule } from '../lib/campaigns.js';
import { num, when } from '../lib/format.js';
import { Table } from './common.js';
import { useUi } from './context.js';
import { RuleFields, ruleText } from './RuleFields.js';

const errorCode = (e: unknown): string => (e instanceof ApiError ? e.code : String(e));

/** Name + save for one rule; `onSaved` refreshes a list. */
export function SaveSegment({
  rule,
  suggested,
  onSaved,
  testId = 'save-segment',
}: {
  rule: SegmentRule;
  suggested: string;
  onSaved?: (s: Segment) => void;
  testId?: string;
}): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [name, setName] = useState(suggested);
  const [saved, setSaved] = useState<Segment | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setName(suggested);
    setSaved(null);
    setError(null);
  }, [suggested]);
  return (
    <form
      className="toolbar"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        segmentsApi.save(name.trim(), cleanRule(rule)).then(
          (s) => {
            setSaved(s);
            onSaved?.(s);
          },
          (err: unknown) => setError(errorCode(err)),
        );
      }}
    >
      <label htmlFor={`${testId}-name`}>{t('segments.name')}</label>
      <input
        id={`${testId}-name`}
        data-testid={`${testId}-name`}
        value={name}
        maxLength={64}
        onChange={(e) => setName(e.target.value)}
      />
      <button type="submit" data-testid={`${testId}-save`} disabled={name.trim() === ''}>
        {t('segments.save')}
      </button>
      <span className={error ? 'err' : 'muted'} data-testid={`${testId}-status`}>
        {error
          ? t(error === 'segment_name_taken' ? 'segments.nameTaken' : 'status.failed', { code: error })
          : saved
            ? t('segments.saved', {
                name: saved.name,
                n: num(lang, saved.countAtSave),
                date: saved.asOf,
                by: saved.createdBy,
                at: when(saved.createdAt, zone),
              })
            : t('segments.saveNote')}
      </span>
    </form>
  );
}

/** The builder (class / lifecycle / tier ticks, a count before saving) and the saved list. */
export function SegmentsPanel({ tiers }: { tiers: readonly string[] }): React.JSX.Element {
  const { t, lang, zone } = useUi();
  const [segments, setSegments] = useState<Segment[] | null>(null);
  const [rule, setRule] = useState<SegmentRule>({});
  const [count, setCount] = useState<{ members: number; asOf: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    segmentsApi.list().then(setSegments, (e: unknown) => setError(errorCode(e)));
  }, []);
  useEffect(reload, [reload]);
  useEffect(() => {
    let live = true;
    setCount(null);
    segmentsApi.preview(cleanRule(rule)).then(
      (c) => live && setCount(c),
      (e: unknown) => live && setError(errorCode(e)),
    );
    return () => {
      live = false;
    };
  }, [rule]);

  const rename = (s: Segment): void => {
    const name = (window.prompt(t('segments.askName'), s.name) ?? '').trim();
    if (!name || name === s.name) return;
    segmentsApi.rename(s.id, name).then(reload, (e: unknown) => setError(errorCode(e)));
  };
  const remove = (s: Segment): void => {
    if (!window.confirm(t('segments.confirmDelete', { name: s.name }))) return;
    segmentsApi.remove(s.id).then(reload, (e: unknown) => setError(errorCode(e)));
  };

  return (
    <div data-testid="segments">
      <h3>{t('segments.title')}</h3>
      <p className="muted">{t('segments.rule')}</p>
      <RuleFields rule={rule} onChange={setRule} tiers={tiers} />
      <p data-testid="segment-count">
        {count
          ? t('segments.count', { rule: ruleText(t, cleanRule(rule)), n: num(lang, count.members), date: count.asOf })
          : t('status.loading')}
      </p>
      <SaveSegment rule={rule} suggested={ruleText(t, cleanRule(rule))} onSaved={reload} testId="save-rule" />
      {error ? (
        <p className="err" data-testid="segments-error">
          {t(error === 'segment_in_use' ? 'segments.inUse' : 'status.failed', { code: error })}
        </p>
      ) : null}
      {segments ? (
        <Table
          testId="segment-list"
          rows={segments}
          rowKey={(s) => s.id}
          rowAttr={(s) => ({ 'data-segment': s.id })}
          columns={[
            { title: t('segments.name'), cell: (s) => s.name },
            { title: t('segments.definition'), cell: (s) => ruleText(t, s.rule) },
            {
              title: t('segments.countAtSave'),
              cell: (s) => `${num(lang, s.countAtSave)}（${s.asOf}）`,
              numeric: true,
            },
            { title: t('segments.savedBy'), cell: (s) => `${s.createdBy} · ${when(s.createdAt, zone)}` },
            {
              title: t('col.action'),
              cell: (s) => (
                <span className="actions">
                  <button type="button" data-testid={`segment-rename-${s.id}`} onClick={() => rename(s)}>
                    {t('segments.rename')}
                  </button>
                  <button type="button" data-testid={`segment-delete-${s.id}`} onClick={() => remove(s)}>
                    {t('segments.delete')}
                  </button>
                </span>
              ),
            },
          ]}
        />
      ) : null}
    </div>
  );
}
