/**
 * A member's preferences at the till (issue 15 item 6, PIPL): marketing consent, the channel
 * and interests from the programme's fixed list, changed by the signed-in cashier with the
 * member in front of them, and this till's changes (pending until head office has them).
 * POST /v1/staff/members/{memberNo}/preferences; the change reaches every store through head office.
 */
import { useEffect, useState } from 'react';
import type { MemberPreferences, PreferenceValues } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { Badge, Banner, errorText } from './common.js';
import { useApp } from './context.js';

export function MemberPreferencesPanel(props: { memberNo: string }) {
  const { api, t, lang, programme } = useApp();
  const [prefs, setPrefs] = useState<MemberPreferences | null>(null);
  const [draft, setDraft] = useState<PreferenceValues | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setPrefs(null);
    setSaved(false);
    api
      .preferences(props.memberNo)
      .then((p) => {
        setPrefs(p);
        setDraft(p.current);
      })
      .catch(setFailure);
  }, [props.memberNo]);

  if (!prefs || !draft) return failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null;
  const name = (n: { zh: string; en: string }) => (lang === 'zh-CN' ? n.zh : n.en);
  const changed = JSON.stringify(draft) !== JSON.stringify(prefs.current);
  const toggle = (code: string) => {
    const next = draft.interests.includes(code)
      ? draft.interests.filter((i) => i !== code)
      : [...draft.interests, code];
    setDraft({ ...draft, interests: prefs.choices.interests.map((i) => i.code).filter((c) => next.includes(c)) });
    setSaved(false);
  };
  const save = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const p = await api.changePreferences(props.memberNo, draft);
      setPrefs(p);
      setDraft(p.current);
      setSaved(true);
    } catch (e) {
      setFailure(e);
    } finally {
      setBusy(false);
    }
  };
  const describe = (c: MemberPreferences['changes'][number]): string =>
    [
      c.consentMarketing === undefined ? null : `${t('prefs.consent')}: ${c.consentMarketing ? '✓' : '✗'}`,
      c.preferredChannel === undefined
        ? null
        : `${t('prefs.channel')}: ${name(prefs.choices.channels.find((x) => x.code === c.preferredChannel)?.name ?? { zh: c.preferredChannel, en: c.preferredChannel })}`,
      c.interests === undefined
        ? null
        : `${t('prefs.interests')}: ${
            c.interests.length
              ? c.interests
                  .map((i) => name(prefs.choices.interests.find((x) => x.code === i)?.name ?? { zh: i, en: i }))
                  .join(lang === 'zh-CN' ? '、' : ', ')
              : t('prefs.none')
          }`,
    ]
      .filter(Boolean)
      .join('; ');

  return (
    <div className="preferences" data-testid="preferences">
      <h3>{t('prefs.title')}</h3>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.consentMarketing}
          onChange={(e) => {
            setDraft({ ...draft, consentMarketing: e.target.checked });
            setSaved(false);
          }}
          data-testid="prefs-consent"
        />
        <span>{t('prefs.consent')}</span>
      </label>
      <div className="field">
        <span className="field-label">{t('prefs.channel')}</span>
        <div className="choices" role="radiogroup">
          {prefs.choices.channels.map((c) => (
            <button
              type="button"
              role="radio"
              key={c.code}
              aria-checked={draft.preferredChannel === c.code}
              className={draft.preferredChannel === c.code ? 'active' : ''}
              onClick={() => {
                setDraft({ ...draft, preferredChannel: c.code });
                setSaved(false);
              }}
              data-testid={`prefs-channel-${c.code}`}
            >
              {name(c.name)}
            </button>
          ))}
        </div>
      </div>
      <div className="field">
        <span className="field-label">{t('prefs.interests')}</span>
        <div className="choices">
          {prefs.choices.interests.map((i) => (
            <button
              type="button"
              role="checkbox"
              key={i.code}
              aria-checked={draft.interests.includes(i.code)}
              className={draft.interests.includes(i.code) ? 'active' : ''}
              onClick={() => toggle(i.code)}
              data-testid={`prefs-interest-${i.code}`}
            >
              {name(i.name)}
            </button>
          ))}
        </div>
      </div>
      {failure ? <Banner kind="error">{errorText(t, failure)}</Banner> : null}
      {saved ? (
        <Banner kind="ok" testId="prefs-saved">
          {t('prefs.saved')}
        </Banner>
      ) : null}
      <button
        type="button"
        className="primary"
        disabled={busy || !changed}
        onClick={() => void save()}
        data-testid="prefs-save"
      >
        {t('prefs.save')}
      </button>
      {prefs.changes.length ? (
        <>
          <h4>{t('prefs.changes')}</h4>
          <ul className="pref-changes" data-testid="prefs-changes">
            {prefs.changes.map((c) => (
              <li key={c.changeId}>
                {dateTime(c.at, programme.timeZone, lang)} · {t('prefs.by', { staffId: c.staffId })} · {describe(c)}{' '}
                {c.confirmed === null ? null : (
                  <Badge kind={c.confirmed ? 'ok' : 'blocked'}>
                    {t(c.confirmed ? 'prefs.confirmed' : 'prefs.pending')}
                  </Badge>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
