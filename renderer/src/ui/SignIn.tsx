/** Staff sign-in: staff number and PIN, keyboard or on-screen keypad. */
import type { FormEvent } from 'react';
import { LANGS, translate, type Lang } from '../i18n/index.js';
import { ApiError, type Api, type SessionInfo } from '../lib/api.js';
import { Banner, Keypad, useStaffPin } from './common.js';

export function SignIn(props: {
  api: Api;
  lang: Lang;
  setLang(l: Lang): void;
  notice: boolean;
  onSignedIn(s: SessionInfo): void;
}) {
  const t = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate(props.lang, k, p);
  const { staffId, setStaffId, pin, setPin, focus, setFocus, errors, setErrors, busy, setBusy, checked } =
    useStaffPin();

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const v = checked();
    if (!v) return;
    setBusy(true);
    try {
      props.onSignedIn(await props.api.signIn(v.staffId, v.pin));
    } catch (err) {
      setPin('');
      const key = err instanceof ApiError ? `error.${err.code}` : 'error.network';
      const known = ['error.invalid_credentials', 'error.staff_locked', 'error.network'].includes(key);
      setErrors({
        staffId: null,
        pin: known
          ? { key: key as 'error.invalid_credentials', params: { message: err instanceof Error ? err.message : '' } }
          : { key: 'error.generic', params: { message: err instanceof Error ? err.message : String(err) } },
      });
    } finally {
      setBusy(false);
    }
  };

  const edit = (f: (v: string) => string) => {
    if (focus === 'staffId') setStaffId((v) => f(v).slice(0, 32));
    else setPin((v) => f(v).slice(0, 12));
  };

  const other = LANGS.find((l) => l !== props.lang) ?? 'en';
  return (
    <main className="signin" data-testid="signin">
      <div className="signin-card">
        <div className="signin-head">
          <h1>{t('app.title')}</h1>
          <button type="button" className="link" onClick={() => props.setLang(other)} data-testid="lang-toggle">
            {translate(other, 'app.langName')}
          </button>
        </div>
        <h2>{t('signin.title')}</h2>
        {props.notice ? <Banner kind="info">{t('signin.signedOut')}</Banner> : null}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <div className={`field${errors.staffId ? ' field-invalid' : ''}`}>
            <label htmlFor="signin-staff">{t('signin.staffId')}</label>
            <input
              id="signin-staff"
              name="staffId"
              value={staffId}
              inputMode="numeric"
              autoComplete="username"
              autoFocus
              onFocus={() => setFocus('staffId')}
              onChange={(e) => {
                setStaffId(e.target.value);
                setErrors((x) => ({ ...x, staffId: null }));
              }}
              aria-invalid={errors.staffId !== null}
              aria-describedby={errors.staffId ? 'signin-staff-err' : undefined}
            />
            {errors.staffId ? (
              <p className="field-error" id="signin-staff-err" role="alert" data-testid="error-staffId">
                {t(errors.staffId.key, errors.staffId.params)}
              </p>
            ) : null}
          </div>
          <div className={`field${errors.pin ? ' field-invalid' : ''}`}>
            <label htmlFor="signin-pin">{t('signin.pin')}</label>
            <input
              id="signin-pin"
              name="pin"
              type="password"
              inputMode="numeric"
              autoComplete="current-password"
              value={pin}
              onFocus={() => setFocus('pin')}
              onChange={(e) => {
                setPin(e.target.value);
                setErrors((x) => ({ ...x, pin: null }));
              }}
              aria-invalid={errors.pin !== null}
              aria-describedby={errors.pin ? 'signin-pin-err' : undefined}
            />
            {errors.pin ? (
              <p className="field-error" id="signin-pin-err" role="alert" data-testid="error-pin">
                {t(errors.pin.key, errors.pin.params)}
              </p>
            ) : null}
          </div>
          <Keypad
            onDigit={(d) => edit((v) => v + d)}
            onBackspace={() => edit((v) => v.slice(0, -1))}
            onClear={() => edit(() => '')}
            clearLabel={t('keypad.clear')}
            backspaceLabel={t('keypad.backspace')}
          />
          <button type="submit" className="primary wide" disabled={busy} data-testid="signin-submit">
            {t('signin.submit')}
          </button>
        </form>
        <p className="muted small">{t('signin.help')}</p>
      </div>
    </main>
  );
}
