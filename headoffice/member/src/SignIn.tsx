/** Sign-in with phone and a one-time code (docs/member-page.md "Signing in"), for the account and the survey. */
import { useState } from 'react';
import { ApiError, api } from './api.js';

function message(e: unknown): string {
  if (!(e instanceof ApiError)) return '网络错误，请稍后再试';
  switch (e.code) {
    case 'invalid_phone':
      return '请输入正确的手机号';
    case 'otp_rate_limited':
      return `请求太频繁，请 ${String(e.extra.retryAfterSeconds ?? 60)} 秒后再试`;
    case 'wrong_code':
      return `验证码不正确，还可以再试 ${String(e.extra.triesLeft ?? 0)} 次`;
    case 'code_expired':
      return '验证码已过期，请重新获取';
    case 'no_code':
      return '请先获取验证码';
    default:
      return e.message;
  }
}

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.requestCode(phone);
      setSent(true);
    } catch (e) {
      setError(message(e));
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
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="card signin">
      <h1>会员登录</h1>
      <label>
        手机号
        <input
          data-testid="phone"
          inputMode="tel"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          placeholder="请输入手机号"
        />
      </label>
      <button data-testid="send-code" disabled={busy || phone.trim() === ''} onClick={() => void send()}>
        {sent ? '重新获取验证码' : '获取验证码'}
      </button>
      {sent && (
        <>
          <p className="hint">验证码已发送，5 分钟内有效</p>
          <label>
            验证码
            <input
              data-testid="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              placeholder="6 位数字"
            />
          </label>
          <button data-testid="sign-in" disabled={busy || code.length !== 6} onClick={() => void signIn()}>
            登录
          </button>
        </>
      )}
      {error && (
        <p className="error" role="alert" data-testid="error">
          {error}
        </p>
      )}
    </main>
  );
}
