/**
 * The member's own page (zh-CN first, 360 px wide phones): sign in with phone and a one-time
 * code, then balance, tier and progress, points expiring in 60 days, live offers, coupons, and
 * the dynamic member QR code a till scans instead of a card, refreshed every 30 s. With `?s=`
 * (the receipt's QR code) it is the survey instead (Survey.tsx), no sign-in needed.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, type Me, type Qr } from './api.js';
import { Preferences } from './Preferences.js';
import { QrCode } from './QrCode.js';
import { SignIn } from './SignIn.js';
import { Survey } from './Survey.js';

const yuan = (fen: number): string => `¥${(fen / 100).toFixed(fen % 100 === 0 ? 0 : 2)}`;
const multiplier = (milli: number): string => (milli === 2000 ? '双倍积分' : `${milli / 1000} 倍积分`);

function daysLeft(today: string, until: string): number {
  return Math.round((Date.parse(until) - Date.parse(today)) / 86_400_000) + 1;
}

function MemberCode() {
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
      <h2>会员码</h2>
      {qr ? (
        <div className={stale ? 'stale' : undefined}>
          <QrCode text={qr.code.text} size={220} />
        </div>
      ) : (
        <p className="hint">正在生成…</p>
      )}
      {stale ? (
        <p className="error" data-testid="qr-stale">
          会员码可能已过期，正在重新获取，请检查网络
        </p>
      ) : null}
      <p className="hint">结账时出示给收银员扫描，每 {qr?.code.refreshSeconds ?? 30} 秒自动刷新，截图无效</p>
    </section>
  );
}

function Home({ me, onSignOut, onPreferences }: { me: Me; onSignOut: () => void; onPreferences: () => void }) {
  return (
    <main>
      <header className="card head">
        <div>
          <p className="who">
            {me.name} · {me.phone}
          </p>
          <p className="tier" data-testid="tier">
            {me.tier.name.zh}
          </p>
        </div>
        <div className="balance">
          <span data-testid="balance">{me.balance.toLocaleString('zh-CN')}</span>
          <small>积分</small>
        </div>
      </header>
      {me.nextTier ? (
        <p className="card progress" data-testid="progress">
          再消费 {yuan(me.nextTier.remaining)} 升级为{me.nextTier.name.zh}
        </p>
      ) : (
        <p className="card progress">您已是最高等级</p>
      )}
      <MemberCode />
      <section className="card">
        <h2>我的优惠</h2>
        {me.offers.length === 0 && me.coupons.length === 0 && <p className="hint">暂无优惠</p>}
        <ul data-testid="offers">
          {me.offers.map((o) => (
            <li key={o.campaignId}>
              {o.name.zh}：{o.terms?.zh ?? multiplier(o.multiplierMilli)}，还剩 {daysLeft(me.today, o.until)} 天
            </li>
          ))}
          {me.coupons.map((c) => (
            <li key={c.code}>
              优惠券 {yuan(c.value)}（{c.validTo} 前有效）
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2>即将过期积分</h2>
        {me.expiring.length === 0 ? (
          <p className="hint">30 天内没有积分过期</p>
        ) : (
          <ul data-testid="expiring">
            {me.expiring.map((x) => (
              <li key={x.on}>
                {x.on}：{x.points} 积分
              </li>
            ))}
          </ul>
        )}
      </section>
      <button className="link" data-testid="open-preferences" onClick={onPreferences}>
        偏好设置与隐私
      </button>
      <button className="link" data-testid="sign-out" onClick={onSignOut}>
        退出登录
      </button>
    </main>
  );
}

/** The receipt's survey token (`/m/?s=<token>`, core/survey/token.ts), read once at start. */
const surveyToken = new URLSearchParams(window.location.search).get('s');

export function App() {
  if (surveyToken) return <Survey token={surveyToken} />;
  return <Account />;
}

function Account() {
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
        <h1>您已退出会员计划</h1>
        <p className="hint">您的个人信息已删除。感谢您一直以来的支持。</p>
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
