/**
 * The member's preferences (issue 15 item 6, PIPL): marketing consent, the channel, interests
 * from the programme's fixed list, every change with when and where it was made, and leaving
 * the programme, which asks once more before it erases the membership.
 */
import { useEffect, useState } from 'react';
import { api, type MyPreferences, type PreferenceChange, type PreferenceValues } from './api.js';
import { dateTime } from './i18n/format.js';
import { named, type MessageKey } from './i18n/index.js';
import { useLang, type LangUi } from './lang.js';

/** Where a change was made: this page, or a till and the cashier who keyed it. */
function where({ t }: LangUi, c: PreferenceChange): string {
  return c.origin === 'page' ? t('prefs.byPage') : t('prefs.byTill', { till: c.tillId ?? '', staff: c.staffId ?? '' });
}

/** What a change set: only the fields it names. */
function what({ t, lang }: LangUi, c: PreferenceChange, p: MyPreferences): string {
  const parts: string[] = [];
  if (c.consentMarketing !== undefined) parts.push(t(c.consentMarketing ? 'prefs.consentOn' : 'prefs.consentOff'));
  if (c.preferredChannel !== undefined) {
    const channel = p.choices.channels.find((x) => x.code === c.preferredChannel);
    parts.push(t('prefs.channelSet', { name: channel ? named(channel.name, lang) : c.preferredChannel }));
  }
  if (c.interests !== undefined) {
    const names = c.interests.map((i) => {
      const interest = p.choices.interests.find((x) => x.code === i);
      return interest ? named(interest.name, lang) : i;
    });
    parts.push(
      t('prefs.interestsSet', { names: names.length ? names.join(t('prefs.listSeparator')) : t('prefs.noInterests') }),
    );
  }
  return parts.join(t('prefs.partSeparator'));
}

export function Preferences({ onBack, onLeft }: { onBack: () => void; onLeft: () => void }) {
  const [prefs, setPrefs] = useState<MyPreferences | null>(null);
  const [draft, setDraft] = useState<PreferenceValues | null>(null);
  const ui = useLang();
  const { t, lang } = ui;
  const [note, setNote] = useState<MessageKey | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api.preferences().then((p) => {
      setPrefs(p);
      setDraft(p.current);
    });
  }, []);

  if (!prefs || !draft) return <main className="card">{t('app.loading')}</main>;

  const changed = JSON.stringify(draft) !== JSON.stringify(prefs.current);
  const toggleInterest = (code: string): void => {
    const has = draft.interests.includes(code);
    const next = has ? draft.interests.filter((i) => i !== code) : [...draft.interests, code];
    // Kept in the list's order, as head office stores it.
    setDraft({ ...draft, interests: prefs.choices.interests.map((i) => i.code).filter((c) => next.includes(c)) });
  };
  const save = async (): Promise<void> => {
    setBusy(true);
    setNote(null);
    try {
      const p = await api.changePreferences(draft);
      setPrefs(p);
      setDraft(p.current);
      setNote('prefs.saved');
    } catch {
      setNote('prefs.saveFailed');
    } finally {
      setBusy(false);
    }
  };
  const leave = async (): Promise<void> => {
    setBusy(true);
    try {
      await api.leave();
      onLeft();
    } catch {
      setNote('prefs.leaveFailed');
      setBusy(false);
    }
  };

  return (
    <main data-testid="preferences">
      <section className="card">
        <h1>{t('prefs.title')}</h1>
        <label className="check">
          <input
            type="checkbox"
            data-testid="consent"
            checked={draft.consentMarketing}
            onChange={(e) => setDraft({ ...draft, consentMarketing: e.target.checked })}
          />
          {t('prefs.consent')}
        </label>
        <h2>{t('prefs.channel')}</h2>
        <div className="chips" role="radiogroup">
          {prefs.choices.channels.map((c) => (
            <label key={c.code} className={draft.preferredChannel === c.code ? 'chip on' : 'chip'}>
              <input
                type="radio"
                name="channel"
                data-testid={`channel-${c.code}`}
                checked={draft.preferredChannel === c.code}
                onChange={() => setDraft({ ...draft, preferredChannel: c.code })}
              />
              {named(c.name, lang)}
            </label>
          ))}
        </div>
        <h2>{t('prefs.interests')}</h2>
        <div className="chips">
          {prefs.choices.interests.map((i) => (
            <label key={i.code} className={draft.interests.includes(i.code) ? 'chip on' : 'chip'}>
              <input
                type="checkbox"
                data-testid={`interest-${i.code}`}
                checked={draft.interests.includes(i.code)}
                onChange={() => toggleInterest(i.code)}
              />
              {named(i.name, lang)}
            </label>
          ))}
        </div>
        <button data-testid="save" disabled={busy || !changed} onClick={() => void save()}>
          {t('prefs.save')}
        </button>
        {note && (
          <p className="hint" role="status" data-testid="note">
            {t(note)}
          </p>
        )}
      </section>
      <section className="card">
        <h2>{t('prefs.history')}</h2>
        {prefs.history.length === 0 ? (
          <p className="hint">{t('prefs.noHistory')}</p>
        ) : (
          <ul data-testid="history">
            {[...prefs.history].reverse().map((c) => (
              <li key={c.changeId}>
                {t('prefs.change', { when: dateTime(lang, c.at), where: where(ui, c), what: what(ui, c, prefs) })}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>{t('prefs.leave')}</h2>
        <p className="hint">{t('prefs.leaveWarning')}</p>
        {confirming ? (
          <div role="alertdialog" aria-label={t('prefs.leaveDialog')} data-testid="confirm-leave">
            <p className="error">{t('prefs.leaveQuestion')}</p>
            <button data-testid="leave-confirm" disabled={busy} onClick={() => void leave()}>
              {t('prefs.leaveConfirm')}
            </button>
            <button className="link" data-testid="leave-cancel" onClick={() => setConfirming(false)}>
              {t('prefs.leaveCancel')}
            </button>
          </div>
        ) : (
          <button className="danger" data-testid="leave" onClick={() => setConfirming(true)}>
            {t('prefs.leave')}
          </button>
        )}
      </section>
      <button className="link" data-testid="back" onClick={onBack}>
        {t('app.back')}
      </button>
    </main>
  );
}
