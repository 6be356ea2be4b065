/**
 * The programme dashboard: sign in with the operator token (kept in this tab's sessionStorage,
 * never in the URL), then Overview, Stores, Tills, double-spend cases and member lookup. The
 * chosen date range is shared by Overview and Stores; every page reads the operator endpoints.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { addDays, daysBetween } from '../../../../core/time.js';
import { isDate, MAX_REPORT_DAYS, previousPeriod } from '../../../../core/analytics.js';
import { translate, type Lang, type MessageKey, type Params } from '../i18n/index.js';
import { ApiError, api, session, type Attribution } from '../lib/api.js';
import { DEFAULT_ZONE, todayIn, when } from '../lib/format.js';
import type { DailyReport, Health, NpsReport, OverviewReport, SummaryReport, TillView } from '../lib/types.js';
import { Campaigns } from './Campaigns.js';
import { membersApi } from '../lib/members.js';
import { Cases } from './Cases.js';
import { RewardStock } from './RewardStock.js';
import { UiContext, type T } from './context.js';
import { Member, type Act } from './Member.js';
import { Members } from './Members.js';
import { Overview } from './Overview.js';
import { Satisfaction } from './Satisfaction.js';
import { Stores } from './Stores.js';
import { Place } from './common.js';
import { Tills } from './Tills.js';

const LANG_KEY = 'hqDashboardLang';
const REFRESH_MS = 60_000;
type Page = 'overview' | 'stores' | 'satisfaction' | 'members' | 'campaigns' | 'tills' | 'cases' | 'member';
const PAGES: Page[] = ['overview', 'stores', 'satisfaction', 'members', 'campaigns', 'tills', 'cases', 'member'];
/** the pages that read the shared date range and store set */
const RANGED: Page[] = ['overview', 'stores', 'satisfaction'];
/** DOMAIN.md's tiers, and any a rule set adds that the summary counts */
const TIERS = ['ordinary', 'silver', 'gold', 'diamond'];

interface Data {
  summary: SummaryReport;
  tills: TillView[];
  health: Health | null;
  loadedAt: Date;
}

function lastDays(n: number, zone: string): { from: string; to: string } {
  const to = todayIn(zone);
  return { from: addDays(to, -(n - 1)), to };
}

export function App(): React.JSX.Element {
  const [lang, setLang] = useState<Lang>(() => (sessionStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN'));
  const t: T = useCallback((k: MessageKey, p?: Params) => translate(lang, k, p), [lang]);
  const [zone, setZone] = useState(DEFAULT_ZONE);
  const [token, setToken] = useState(session.token());
  const [operatorId, setOperatorId] = useState(session.operatorId());
  const [status, setStatus] = useState<{ key: MessageKey; params?: Params; err: boolean } | null>(null);
  const [data, setData] = useState<Data | null>(null);
  const names = useMemo(() => {
    const stores = new Map<string, string>();
    const tills = new Map<string, string>();
    for (const x of data?.summary.stores ?? []) if (x.storeName) stores.set(x.storeId, x.storeName);
    for (const x of data?.tills ?? []) {
      if (x.storeName) stores.set(x.storeId, x.storeName);
      if (x.tillName) tills.set(x.tillId, x.tillName);
    }
    return { stores, tills };
  }, [data]);
  const ui = useMemo(() => ({ lang, t, zone, names }), [lang, t, zone, names]);
  const [page, setPage] = useState<Page>('overview');
  /** counts sign-ins: a page that asks who the operator is (Campaigns) starts afresh for another token */
  const [signIns, setSignIns] = useState(0);
  const [range, setRange] = useState(() => lastDays(30, DEFAULT_ZONE));
  /** the store set the range's figures cover; empty for the whole chain */
  const [stores, setStores] = useState<string[]>([]);
  const [draft, setDraft] = useState(range);
  const [daily, setDaily] = useState<{ current: DailyReport; previous: DailyReport } | null>(null);
  const [nps, setNps] = useState<NpsReport | null>(null);
  const [overview, setOverview] = useState<OverviewReport | null>(null);
  /** the Members report's average CLTV (analysts and admins); null for a viewer */
  const [clvMean, setClvMean] = useState<number | null>(null);
  const [targetsSaved, setTargetsSaved] = useState(0);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang, t]);

  const explain = (e: unknown): { key: MessageKey; params?: Params; err: boolean } =>
    e instanceof ApiError && e.status === 401
      ? { key: 'status.unauthorized', err: true }
      : { key: 'status.failed', params: { code: e instanceof ApiError ? e.code : String(e) }, err: true };

  // Loads overlap (the minute timer, signing in, Forget): only the latest one's answer counts,
  // so a load begun before Forget or before a new token cannot bring old figures back.
  const loadSeq = useRef(0);
  const load = useCallback(async (): Promise<void> => {
    const mine = ++loadSeq.current;
    if (!session.token()) {
      setData(null);
      setStatus({ key: 'status.needToken', err: true });
      return;
    }
    setStatus({ key: 'status.loading', err: false });
    try {
      const [summary, tills, health] = await Promise.all([api.summary(), api.tills(), api.health().catch(() => null)]);
      if (mine !== loadSeq.current) return;
      const loadedAt = new Date();
      setData({ summary, tills, health, loadedAt });
      setStatus({ key: 'status.loaded', params: { time: when(loadedAt.toISOString(), zone) }, err: false });
    } catch (e) {
      if (mine !== loadSeq.current) return;
      // A refused token signs the page out; a failed refresh keeps what is shown (and an
      // operator's unsaved campaign draft) and says so in the status line.
      if (e instanceof ApiError && e.status === 401) setData(null);
      setStatus(explain(e));
    }
  }, [zone]);

  const signedIn = data !== null;
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    const prev = previousPeriod(range.from, range.to);
    Promise.all([
      api.daily(range.from, range.to, stores),
      api.daily(prev.from, prev.to, stores),
      api.overview(range.from, range.to, stores),
    ]).then(
      ([current, previous, o]) => {
        if (!live) return;
        setDaily({ current, previous });
        setOverview(o);
        setZone(current.timeZone);
      },
      (e: unknown) => live && setStatus(explain(e)),
    );
    return () => {
      live = false;
    };
  }, [signedIn, range, stores, data, targetsSaved]);
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    membersApi.report().then(
      (r) => live && setClvMean(r.cltv.mean),
      () => live && setClvMean(null),
    );
    return () => {
      live = false;
    };
  }, [signedIn]);

  useEffect(() => {
    if (!signedIn || page !== 'satisfaction') return;
    let live = true;
    api.nps(range.from, range.to, stores).then(
      (r) => live && setNps(r),
      (e: unknown) => live && setStatus(explain(e)),
    );
    return () => {
      live = false;
    };
  }, [signedIn, page, range, stores, data]);

  // Fresh figures every minute while signed in (the tills upload all day).
  useEffect(() => {
    if (!signedIn) return undefined;
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [signedIn, load]);

  useEffect(() => {
    if (session.token()) void load();
    // Once, at start: a reload in the same tab keeps the operator signed in.
  }, []);

  const act: Act = async (run, confirmText) => {
    const id = operatorId.trim();
    if (!id) {
      setStatus({ key: 'status.needOperator', err: true });
      document.getElementById('operatorId')?.focus();
      return null;
    }
    if (confirmText && !window.confirm(confirmText)) return null;
    const reason = (window.prompt(t('member.askReason')) ?? '').trim();
    if (!reason) return null;
    session.setOperatorId(id);
    const who: Attribution = { operatorId: id, reason };
    try {
      const out = await run(who);
      setStatus({ key: 'status.done', err: false });
      return out;
    } catch (e) {
      setStatus(explain(e));
      throw e;
    }
  };
  const then = (p: Promise<unknown>): void => {
    p.then(
      (r) => (r === null ? undefined : load()),
      () => undefined,
    );
  };

  const applyRange = (next: { from: string; to: string }): void => {
    const days = isDate(next.from) && isDate(next.to) ? daysBetween(next.from, next.to) + 1 : 0;
    if (days < 1 || days > MAX_REPORT_DAYS) {
      setStatus({ key: 'range.bad', err: true });
      return;
    }
    setDraft(next);
    setRange(next);
  };

  return (
    <UiContext.Provider value={ui}>
      <header>
        <h1>{t('app.title')}</h1>
        <button
          type="button"
          data-testid="lang"
          onClick={() => {
            const next = lang === 'en' ? 'zh-CN' : 'en';
            sessionStorage.setItem(LANG_KEY, next);
            setLang(next);
          }}
        >
          {t('app.otherLang')}
        </button>
      </header>
      <form
        id="auth"
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          const v = token.trim();
          if (v) session.setToken(v);
          setSignIns((n) => n + 1);
          void load();
        }}
      >
        <label htmlFor="token">{t('auth.token')}</label>
        <input
          id="token"
          type="password"
          data-testid="token"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <label htmlFor="operatorId">{t('auth.operatorId')}</label>
        <input
          id="operatorId"
          data-testid="operatorId"
          autoComplete="off"
          spellCheck={false}
          value={operatorId}
          onChange={(e) => setOperatorId(e.target.value)}
        />
        <button type="submit" data-testid="load">
          {t('auth.load')}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            loadSeq.current++;
            session.forget();
            setToken('');
            setOperatorId('');
            setData(null);
            setDaily(null);
            setNps(null);
            setStatus(null);
          }}
        >
          {t('auth.forget')}
        </button>
        <span role="status" data-testid="status" className={status?.err ? 'err' : undefined}>
          {status ? t(status.key, status.params) : ''}
        </span>
      </form>
      {data ? (
        <main>
          <nav>
            {PAGES.map((p) => (
              <button
                key={p}
                type="button"
                data-testid={`nav-${p}`}
                className={p === page ? 'tab current' : 'tab'}
                aria-current={p === page ? 'page' : undefined}
                onClick={() => setPage(p)}
              >
                {t(`nav.${p}`)}
                {p === 'cases' && data.summary.doubleSpendCases.some((c) => c.status === 'open') ? ' •' : ''}
              </button>
            ))}
          </nav>
          {RANGED.includes(page) ? (
            <form
              className="toolbar"
              data-testid="range"
              onSubmit={(e) => {
                e.preventDefault();
                applyRange(draft);
              }}
            >
              <label htmlFor="from">{t('range.from')}</label>
              <input
                id="from"
                type="date"
                data-testid="range-from"
                value={draft.from}
                onChange={(e) => setDraft({ ...draft, from: e.target.value })}
              />
              <label htmlFor="to">{t('range.to')}</label>
              <input
                id="to"
                type="date"
                data-testid="range-to"
                value={draft.to}
                onChange={(e) => setDraft({ ...draft, to: e.target.value })}
              />
              <button type="submit" data-testid="range-apply">
                {t('range.apply')}
              </button>
              {[7, 30, 90].map((n) => (
                <button
                  key={n}
                  type="button"
                  className="secondary"
                  data-testid={`range-${n}`}
                  onClick={() => applyRange(lastDays(n, zone))}
                >
                  {t('range.days', { n })}
                </button>
              ))}
              <fieldset className="stores" data-testid="store-set">
                <legend>{t('range.stores')}</legend>
                {data.summary.stores.map((st) => (
                  <label key={st.storeId}>
                    <input
                      type="checkbox"
                      data-testid={`store-${st.storeId}`}
                      checked={stores.includes(st.storeId)}
                      onChange={(e) =>
                        setStores(
                          e.target.checked ? [...stores, st.storeId].sort() : stores.filter((x) => x !== st.storeId),
                        )
                      }
                    />
                    <Place name={st.storeName} id={st.storeId} />
                  </label>
                ))}
                <span className="muted">{stores.length === 0 ? t('range.allStores') : ''}</span>
              </fieldset>
            </form>
          ) : null}
          {page === 'overview' ? (
            <Overview
              summary={data.summary}
              current={daily?.current ?? null}
              previous={daily?.previous ?? null}
              overview={overview}
              clvMeanFen={clvMean}
              act={act}
              onTargetsSaved={() => setTargetsSaved((n) => n + 1)}
            />
          ) : null}
          {page === 'stores' ? <Stores report={daily?.current ?? null} /> : null}
          {page === 'satisfaction' ? <Satisfaction report={nps} /> : null}
          {page === 'members' ? <Members act={act} /> : null}
          {page === 'campaigns' ? (
            <Campaigns
              key={signIns}
              tiers={[...new Set([...TIERS, ...Object.keys(data.summary.members.tiers)])]}
              stores={data.summary.stores.map((x) => ({ storeId: x.storeId, storeName: x.storeName ?? null }))}
            />
          ) : null}
          {page === 'tills' ? (
            <Tills
              tills={data.tills}
              health={data.health}
              now={data.loadedAt}
              onClear={(id) => then(act((who) => api.clearChain(id, who)))}
            />
          ) : null}
          {page === 'cases' ? (
            <>
              <Cases
                cases={data.summary.doubleSpendCases}
                onClose={(id) => then(act((who) => api.closeCase(id, who)))}
              />
              <RewardStock />
            </>
          ) : null}
          {page === 'member' ? <Member act={act} onChanged={() => void load()} /> : null}
        </main>
      ) : null}
    </UiContext.Provider>
  );
}
