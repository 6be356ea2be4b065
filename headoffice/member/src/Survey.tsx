/**
 * The receipt survey (issue 15 item 5, docs/member-page.md "Survey"): reached from the QR code
 * on a receipt (`/m/?s=<token>`) without signing in. "How likely are you to recommend us" 0-10
 * and an optional comment, once per purchase; a member signed in on this phone has the answer
 * kept with their account. zh-CN first, laid out for a 360 px wide phone.
 */
import { useEffect, useState } from 'react';
import { ApiError, api, type SurveyInfo } from './api.js';
import { SignIn } from './SignIn.js';

const MAX_COMMENT = 500;

function refusal(e: unknown): string {
  if (!(e instanceof ApiError)) return '网络错误，请稍后再试';
  switch (e.code) {
    case 'survey_already_answered':
      return '这次购物已经评价过了，每张小票只能评价一次。感谢您的反馈！';
    case 'survey_token_expired':
      return '评价链接已过期（小票开具 30 天内有效）。';
    case 'survey_token_malformed':
    case 'survey_token_forged':
    case 'survey_wrong_store':
      return '无法识别此评价链接，请重新扫描小票上的二维码。';
    default:
      return e.message;
  }
}

function Scores({ score, onPick }: { score: number | null; onPick: (n: number) => void }) {
  return (
    <>
      <div className="scores" role="radiogroup" aria-label="推荐意愿 0 到 10 分">
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
        <span>0 完全不可能</span>
        <span>10 非常愿意</span>
      </p>
    </>
  );
}

export function Survey({ token }: { token: string }) {
  const [info, setInfo] = useState<SurveyInfo | null>(null);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ linked: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    api.survey(token).then(setInfo, (e: unknown) => setError(refusal(e)));
  }, [token, loads]);

  const send = async (): Promise<void> => {
    if (score === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.answerSurvey(token, score, comment);
      setDone({ linked: r.memberLinked });
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <main>
        <section className="card done" data-testid="survey-done">
          <h1>感谢您的评价！</h1>
          <p>您的意见会帮助门店做得更好。</p>
          {done.linked && <p className="hint">评价已记入您的会员账户。</p>}
          <p className="hint">Thank you for your feedback.</p>
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
  const place = info ? (info.storeName ?? `门店 ${info.storeId}`) : '';
  return (
    <main>
      <section className="card" data-testid="survey">
        <h1>购物评价</h1>
        {info && (
          <p className="hint" data-testid="survey-sale">
            {place} · {info.saleDay}
          </p>
        )}
        {info?.answered ? (
          <p className="error" role="alert" data-testid="survey-answered">
            这次购物已经评价过了，每张小票只能评价一次。感谢您的反馈！
          </p>
        ) : info ? (
          <>
            <h2 id="q">您有多大可能向亲友推荐我们？</h2>
            <p className="hint">How likely are you to recommend us to a friend? (0–10)</p>
            <Scores score={score} onPick={setScore} />
            <label>
              还有什么想告诉我们的？（选填）
              <textarea
                data-testid="comment"
                rows={4}
                maxLength={MAX_COMMENT}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                placeholder="请勿填写身份证号、银行卡号等敏感信息"
              />
            </label>
            <p className="hint">
              {info.signedIn ? '评价将记入您的会员账户。' : '无需登录即可评价。'}
              {comment.length > 0 ? ` ${comment.length}/${MAX_COMMENT}` : ''}
            </p>
            <button data-testid="survey-send" disabled={busy || score === null} onClick={() => void send()}>
              提交评价
            </button>
            {!info.signedIn && (
              <button className="link" data-testid="survey-sign-in" onClick={() => setSigningIn(true)}>
                会员登录后评价（记入会员账户）
              </button>
            )}
          </>
        ) : null}
        {error && (
          <p className="error" role="alert" data-testid="survey-error">
            {error}
          </p>
        )}
      </section>
    </main>
  );
}
