/**
 * The member's preferences (issue 15 item 6, PIPL): marketing consent, the channel, interests
 * from the programme's fixed list, every change with when and where it was made, and leaving
 * the programme, which asks once more before it erases the membership.
 */
import { useEffect, useState } from 'react';
import { api, type MyPreferences, type PreferenceChange, type PreferenceValues } from './api.js';

function when(iso: string): string {
  return new Date(iso).toLocaleString('zh-CN', { hour12: false });
}

function where(c: PreferenceChange): string {
  return c.origin === 'page' ? '会员页面' : `门店收银台 ${c.tillId ?? ''}（员工 ${c.staffId ?? ''}）`;
}

function what(c: PreferenceChange, p: MyPreferences): string {
  const parts: string[] = [];
  if (c.consentMarketing !== undefined) parts.push(c.consentMarketing ? '同意接收营销信息' : '不再接收营销信息');
  if (c.preferredChannel !== undefined) {
    const name = p.choices.channels.find((x) => x.code === c.preferredChannel)?.name.zh ?? c.preferredChannel;
    parts.push(`接收方式：${name}`);
  }
  if (c.interests !== undefined) {
    const names = c.interests.map((i) => p.choices.interests.find((x) => x.code === i)?.name.zh ?? i);
    parts.push(`兴趣：${names.length ? names.join('、') : '无'}`);
  }
  return parts.join('；');
}

export function Preferences({ onBack, onLeft }: { onBack: () => void; onLeft: () => void }) {
  const [prefs, setPrefs] = useState<MyPreferences | null>(null);
  const [draft, setDraft] = useState<PreferenceValues | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api.preferences().then((p) => {
      setPrefs(p);
      setDraft(p.current);
    });
  }, []);

  if (!prefs || !draft) return <main className="card">正在加载…</main>;

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
      setNote('已保存，各门店将在下次同步后生效');
    } catch {
      setNote('保存失败，请稍后再试');
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
      setNote('操作失败，请稍后再试');
      setBusy(false);
    }
  };

  return (
    <main data-testid="preferences">
      <section className="card">
        <h1>偏好设置</h1>
        <label className="check">
          <input
            type="checkbox"
            data-testid="consent"
            checked={draft.consentMarketing}
            onChange={(e) => setDraft({ ...draft, consentMarketing: e.target.checked })}
          />
          接收优惠和活动信息（营销信息）
        </label>
        <h2>接收方式</h2>
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
              {c.name.zh}
            </label>
          ))}
        </div>
        <h2>感兴趣的品类</h2>
        <div className="chips">
          {prefs.choices.interests.map((i) => (
            <label key={i.code} className={draft.interests.includes(i.code) ? 'chip on' : 'chip'}>
              <input
                type="checkbox"
                data-testid={`interest-${i.code}`}
                checked={draft.interests.includes(i.code)}
                onChange={() => toggleInterest(i.code)}
              />
              {i.name.zh}
            </label>
          ))}
        </div>
        <button data-testid="save" disabled={busy || !changed} onClick={() => void save()}>
          保存
        </button>
        {note && (
          <p className="hint" role="status" data-testid="note">
            {note}
          </p>
        )}
      </section>
      <section className="card">
        <h2>修改记录</h2>
        {prefs.history.length === 0 ? (
          <p className="hint">暂无修改</p>
        ) : (
          <ul data-testid="history">
            {[...prefs.history].reverse().map((c) => (
              <li key={c.changeId}>
                {when(c.at)} · {where(c)}：{what(c, prefs)}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>退出会员计划</h2>
        <p className="hint">退出后，您的姓名、手机号等个人信息将从总部和所有门店删除，剩余积分作废，且无法恢复。</p>
        {confirming ? (
          <div role="alertdialog" aria-label="确认退出" data-testid="confirm-leave">
            <p className="error">确定要退出会员计划吗？此操作无法撤销。</p>
            <button data-testid="leave-confirm" disabled={busy} onClick={() => void leave()}>
              确定退出
            </button>
            <button className="link" data-testid="leave-cancel" onClick={() => setConfirming(false)}>
              取消
            </button>
          </div>
        ) : (
          <button className="danger" data-testid="leave" onClick={() => setConfirming(true)}>
            退出会员计划
          </button>
        )}
      </section>
      <button className="link" data-testid="back" onClick={onBack}>
        返回
      </button>
    </main>
  );
}
