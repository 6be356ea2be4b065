/**
 * The member's own page (zh-CN first, English too: lang.tsx; 360 px wide phones): sign in with
 * phone and a one-time code, then balance, tier and progress, points expiring in 60 days, live
 * offers, coupons, and the dynamic member QR code a till scans instead of a card, refreshed
 * every 30 s. With `?s=` (the receipt's QR code) it is the survey instead (Survey.tsx), no
 * sign-in needed.
 */
import { useCallback, useEffect, useState } from 'react';
import { EXPIRING_SOON_DAYS } from '../../../core/ledger/expiry.js';
import { api, type Me, type Qr } from './api.js';
import { day, money, num } from './i18n/format.js';
import { named } from './i18n/index.js';
import { LangProvider, LangToggle, useLang, type LangUi } from './lang.js';
import { Preferences } from './Preferences.js';
import { QrCode } from './QrCode.js';
import { SignIn } from './SignIn.js';
import { Survey } from './Survey.js';

function multiplier({ t, lang }: LangUi, milli: number): string {
  return milli === 2000 ? t('offers.double') : t('offers.times', { times: num(lang, milli / 1000) });
}

function daysLeft(today: string, until: string): number {
  return Math.round((Date.parse(until) - Date.parse(today)) / 86_400_000) + 1;
}

function MemberCode() {
  const { t, lang } = useLang();
  const [qr, setQr] = useState<{ code: Qr; fetchedAt: number } | null>(null);
  const [stale, setStale] = useState(false);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let shown: { code: Qr; fetchedAt: number } | null = null;
    const load = async (): Promise<void> => {
      clearTimeout(timer);
      let next = 30;
      try {
        const code = await api.qr();
        if (stop) return;
        shown = { code, fetchedAt: Date.now() };
        setQr(shown);
        setStale(false);
        next = code.refreshSeconds;
      } catch {
        // Offline or head office away: try again soon, and once the code shown can no longer
        // be accepted (a window after it was made), say so rather than let the cashier's scan fail.
        next = 5;
        if (shown && Date.now() - shown.fetchedAt >= shown.code.windowSeconds * 1000) setStale(true);
      }
      if (!stop) timer = setTimeout(() => void load(), next * 1000);
    };
    // A phone back from sleep or another app: its timers were held, so the code may be old.
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return (
    <section className="card qr">
      <h2>{t('qr.title')}</h2>
      {qr ? (
        <div className={stale ? 'stale' : undefined}>
          <QrCode text={qr.code.text} size={220} label={t('qr.title')} />
        </div>
      ) : (
        <p className="hint">{t('qr.making')}</p>
      )}
      {stale ? (
        <p className="error" data-testid="qr-stale">
          {t('qr.stale')}
        </p>
      ) : null}
      <p className="hint">{t('qr.hint', { seconds: num(lang, qr?.code.refreshSeconds ?? 30) })}</p>
    </section>
  );
}

function Home({ me, onSignOut, onPreferences }: { me: Me; onSignOut: () => void; onPreferences: () => void }) {
  const ui = useLang();
  const { t, tn, lang } = ui;
  return (
    <main>
      <header className="card head">
        <div>
          <p className="who">
            {me.name} · {me.phone}
          </p>
          <p className="tier" data-testid="tier">
            {named(me.tier.name, lang)}
          </p>
        </div>
        <div className="balance">
          <span data-testid="balance">{num(lang, me.balance)}</span>
          <small>{tn('home.points', me.balance)}</small>
        </div>
      </header>
      {me.nextTier ? (
        <p className="card progress" data-testid="progress">
          {t('home.progress', { amount: money(lang, me.nextTier.remaining), tier: named(me.nextTier.name, lang) })}
        </p>
      ) : (
        <p className="card progress">{t('home.topTier')}</p>
      )}
      <MemberCode />
      <section className="card">
        <h2>{t('offers.title')}</h2>
        {me.offers.length === 0 && me.coupons.length === 0 && <p className="hint">{t('offers.none')}</p>}
        <ul data-testid="offers">
          {me.offers.map((o) => (
            <li key={o.campaignId}>
              {tn('offers.offer', daysLeft(me.today, o.until), {
                name: named(o.name, lang),
                terms: o.terms ? named(o.terms, lang) : multiplier(ui, o.multiplierMilli),
              })}
            </li>
          ))}
          {me.coupons.map((c) => (
            <li key={c.code}>{t('offers.coupon', { amount: money(lang, c.value), date: day(lang, c.validTo) })}</li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2>{t('expiring.title')}</h2>
        {me.expiring.length === 0 ? (
          <p className="hint">{t('expiring.none', { days: num(lang, EXPIRING_SOON_DAYS) })}</p>
        ) : (
          <ul data-testid="expiring">
            {me.expiring.map((x) => (
              <li key={x.on}>{tn('expiring.item', x.points, { date: day(lang, x.on) })}</li>
            ))}
          </ul>
        )}
      </section>
      <button className="link" data-testid="open-preferences" onClick={onPreferences}>
        {t('home.preferences')}
      </button>
      <button className="link" data-testid="sign-out" onClick={onSignOut}>
        {t('home.signOut')}
      </button>
    </main>
  );
}

/** The receipt's survey token (`/m/?s=<token>`, core/survey/token.ts), read once at start. */
const surveyToken = new URLSearchParams(window.location.search).get('s');

export function App() {
  return (
    <LangProvider>
      <LangToggle />
      {surveyToken ? <Survey token={surveyToken} /> : <Account />}
    </LangProvider>
  );
}

function Account() {
  const { t } = useLang();
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [screen, setScreen] = useState<'home' | 'preferences' | 'left'>('home');
  const load = useCallback(async (): Promise<void> => {
    try {
      setMe(await api.me());
    } catch {
      setMe(null);
    } finally {
      setChecked(true);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  if (!checked) return null;
  if (screen === 'left') {
    return (
      <main className="card" data-testid="left">
        <h1>{t('left.title')}</h1>
        <p className="hint">{t('left.body')}</p>
      </main>
    );
  }
  if (!me) return <SignIn onSignedIn={() => void load()} />;
  if (screen === 'preferences') {
    return (
      <Preferences
        onBack={() => setScreen('home')}
        onLeft={() => {
          setMe(null);
          setScreen('left');
        }}
      />
    );
  }
  return (
    <Home
      me={me}
      onPreferences={() => setScreen('preferences')}
      onSignOut={() => {
        void api.signOut().finally(() => setMe(null));
      }}
    />
  );
}
