/** Sign-in with phone and a one-time code (docs/member-page.md "Signing in"), for the account and the survey. */
import { useState } from 'react';
import { api } from './api.js';
import { errorText } from './errors.js';
import { useLang } from './lang.js';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const { t, lang } = useLang();
  // The refusal itself, not its words: they follow the language button.
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const send = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.requestCode(phone);
      setSent(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const signIn = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.signIn(phone, code);
      onSignedIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="card signin">
      <h1>{t('signIn.title')}</h1>
      <label>
        {t('signIn.phone')}
        <input
          data-testid="phone"
          inputMode="tel"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          placeholder={t('signIn.phonePlaceholder')}
        />
      </label>
      <button data-testid="send-code" disabled={busy || phone.trim() === ''} onClick={() => void send()}>
        {sent ? t('signIn.resendCode') : t('signIn.sendCode')}
      </button>
      {sent && (
        <>
          <p className="hint">{t('signIn.sent')}</p>
          <label>
            {t('signIn.code')}
            <input
              data-testid="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              placeholder={t('signIn.codePlaceholder')}
            />
          </label>
          <button data-testid="sign-in" disabled={busy || code.length !== 6} onClick={() => void signIn()}>
            {t('signIn.submit')}
          </button>
        </>
      )}
      {error !== null && (
        <p className="error" role="alert" data-testid="error">
          {errorText(lang, error)}
        </p>
      )}
    </main>
  );
}
