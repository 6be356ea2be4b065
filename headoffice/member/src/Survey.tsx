/**
 * The receipt survey (issue 15 item 5, docs/member-page.md "Survey"): reached from the QR code
 * on a receipt (`/m/?s=<token>`) without signing in. "How likely are you to recommend us" 0-10
 * and an optional comment, once per purchase; a member signed in on this phone has the answer
 * kept with their account. zh-CN first, English too (lang.tsx), laid out for a 360 px wide phone.
 */
import { useEffect, useState } from 'react';
import { api, type SurveyInfo } from './api.js';
import { errorText } from './errors.js';
import { day } from './i18n/format.js';
import { useLang } from './lang.js';
import { SignIn } from './SignIn.js';

const MAX_COMMENT = 500;

function Scores({ score, onPick }: { score: number | null; onPick: (n: number) => void }) {
  const { t } = useLang();
  return (
    <>
      <div className="scores" role="radiogroup" aria-label={t('survey.scale')}>
        {Array.from({ length: 11 }, (_, n) => (
          <button
            key={n}
            type="button"
            role="radio"
            aria-checked={score === n}
            data-testid={`score-${n}`}
            onClick={() => onPick(n)}
          >
            {n}
          </button>
        ))}
      </div>
      <p className="scale">
        <span>{t('survey.low')}</span>
        <span>{t('survey.high')}</span>
      </p>
    </>
  );
}

export function Survey({ token }: { token: string }) {
  const [info, setInfo] = useState<SurveyInfo | null>(null);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const { t, lang } = useLang();
  // The refusal itself, not its words: they follow the language button.
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ linked: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    api.survey(token).then(setInfo, (e: unknown) => setError(e));
  }, [token, loads]);

  const send = async (): Promise<void> => {
    if (score === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.answerSurvey(token, score, comment);
      setDone({ linked: r.memberLinked });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <main>
        <section className="card done" data-testid="survey-done">
          <h1>{t('survey.thanks')}</h1>
          <p>{t('survey.helps')}</p>
          {done.linked && <p className="hint">{t('survey.linked')}</p>}
        </section>
      </main>
    );
  }
  if (signingIn) {
    // Signing in here keeps the score and comment chosen so far (this component stays mounted).
    return (
      <SignIn
        onSignedIn={() => {
          setSigningIn(false);
          setLoads((n) => n + 1);
        }}
      />
    );
  }
  const place = info ? (info.storeName ?? t('survey.store', { id: info.storeId })) : '';
  return (
    <main>
      <section className="card" data-testid="survey">
        <h1>{t('survey.title')}</h1>
        {info && (
          <p className="hint" data-testid="survey-sale">
            {place} · {day(lang, info.saleDay)}
          </p>
        )}
        {info?.answered ? (
          <p className="error" role="alert" data-testid="survey-answered">
            {t('error.survey_already_answered')}
          </p>
        ) : info ? (
          <>
            <h2 id="q">{t('survey.question')}</h2>
            <Scores score={score} onPick={setScore} />
            <label>
              {t('survey.comment')}
              <textarea
                data-testid="comment"
                rows={4}
                maxLength={MAX_COMMENT}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                placeholder={t('survey.commentPlaceholder')}
              />
            </label>
            <p className="hint">
              {info.signedIn ? t('survey.toAccount') : t('survey.noSignIn')}
              {comment.length > 0 ? ` ${comment.length}/${MAX_COMMENT}` : ''}
            </p>
            <button data-testid="survey-send" disabled={busy || score === null} onClick={() => void send()}>
              {t('survey.send')}
            </button>
            {!info.signedIn && (
              <button className="link" data-testid="survey-sign-in" onClick={() => setSigningIn(true)}>
                {t('survey.signIn')}
              </button>
            )}
          </>
        ) : null}
        {error !== null && (
          <p className="error" role="alert" data-testid="survey-error">
            {errorText(lang, error)}
          </p>
        )}
      </section>
    </main>
  );
}
