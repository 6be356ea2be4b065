/**
 * Feedback and complaints (DOMAIN.md 9): staff note what a shopper said in a few taps: a
 * complaint or a suggestion, one category, their words, and, for a member identified at
 * checkout, whether they want to be contacted. POST /v1/staff/feedback; head office follows it up.
 */
import { useState, type FormEvent } from 'react';
import { FEEDBACK_CATEGORIES, type FeedbackCategory, type FeedbackKind, type MemberSummary } from '../lib/api.js';
import { Banner, errorText, Field } from './common.js';
import { useApp } from './context.js';

const KINDS: readonly FeedbackKind[] = ['complaint', 'suggestion'];

function Choices<V extends string>(props: {
  name: string;
  values: readonly V[];
  value: V | null;
  label(v: V): string;
  onChange(v: V): void;
}) {
  return (
    <div className="choices" role="radiogroup" data-testid={`feedback-${props.name}`}>
      {props.values.map((v) => (
        <button
          type="button"
          role="radio"
          key={v}
          aria-checked={props.value === v}
          className={props.value === v ? 'active' : ''}
          onClick={() => props.onChange(v)}
          data-testid={`feedback-${props.name}-${v}`}
        >
          {props.label(v)}
        </button>
      ))}
    </div>
  );
}

export function Feedback(props: { member: MemberSummary | null }) {
  const { api, t } = useApp();
  const [kind, setKind] = useState<FeedbackKind>('complaint');
  const [category, setCategory] = useState<FeedbackCategory | null>(null);
  const [text, setText] = useState('');
  const [withMember, setWithMember] = useState(true);
  const [followUp, setFollowUp] = useState(false);
  const [missing, setMissing] = useState<'category' | 'text' | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const member = withMember ? props.member : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const gap = category === null ? 'category' : text.trim() === '' ? 'text' : null;
    setMissing(gap);
    if (gap || category === null) return;
    setBusy(true);
    setFailure(null);
    try {
      await api.feedback({
        kind,
        category,
        text: text.trim(),
        ...(member ? { memberNo: member.memberNo, followUp } : {}),
      });
      setSaved(true);
      setCategory(null);
      setText('');
      setFollowUp(false);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel feedback">
      <h2>{t('feedback.title')}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="feedback-form">
        <Choices<FeedbackKind>
          name="kind"
          values={KINDS}
          value={kind}
          label={(k) => t(`feedback.kind.${k}`)}
          onChange={setKind}
        />
        <Field label={t('feedback.category')} error={missing === 'category' ? t('feedback.pickCategory') : null}>
          {() => (
            <Choices<FeedbackCategory>
              name="category"
              values={FEEDBACK_CATEGORIES}
              value={category}
              label={(c) => t(`feedback.category.${c}`)}
              onChange={(c) => {
                setCategory(c);
                setMissing(null);
              }}
            />
          )}
        </Field>
        <Field label={t('feedback.text')} name="text" error={missing === 'text' ? t('feedback.sayWhat') : null}>
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              name="text"
              rows={3}
              maxLength={2000}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setMissing(null);
              }}
              aria-invalid={invalid}
              aria-describedby={describedBy}
              data-testid="feedback-text"
            />
          )}
        </Field>
        {props.member ? (
          <div className="field">
            <label className="check">
              <input
                type="checkbox"
                checked={withMember}
                onChange={(e) => setWithMember(e.target.checked)}
                data-testid="feedback-with-member"
              />
              <span>{t('feedback.member', { name: props.member.name, memberNo: props.member.memberNo })}</span>
            </label>
            {member ? (
              <label className="check">
                <input
                  type="checkbox"
                  checked={followUp}
                  onChange={(e) => setFollowUp(e.target.checked)}
                  data-testid="feedback-follow-up"
                />
                <span>{t('feedback.followUp')}</span>
              </label>
            ) : null}
          </div>
        ) : (
          <p className="field-hint">{t('feedback.noMember')}</p>
        )}
        {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
        {saved ? (
          <Banner kind="ok" testId="feedback-saved">
            {t('feedback.saved')}
          </Banner>
        ) : null}
        <button type="submit" className="primary wide" disabled={busy} data-testid="feedback-submit">
          {t('feedback.submit')}
        </button>
      </form>
    </section>
  );
}
