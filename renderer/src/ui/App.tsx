/**
 * The cashier UI: sign-in, then the till screens with the status bar. Scans from keyboard-wedge
 * readers (any screen, any focus) and `card` events from the till's own readers go to the
 * screen that wants them (enrolment links a card, returns takes a receipt number, lookup finds
 * a member) and otherwise identify the member at checkout. POS activity (member identified,
 * basket quoted, sale recorded) arrives on the event stream and shows here live.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isMessageKey, LANGS, translate, type Lang } from '../i18n/index.js';
import {
  Api,
  ApiError,
  type Approval,
  type ApprovalAction,
  type Category,
  type HealthResponse,
  type MemberSummary,
  type Programme,
  type SessionInfo,
} from '../lib/api.js';
import { EventStream, type QuoteEvent, type TillEvent } from '../lib/events.js';
import { OwnIdentifications } from '../lib/own-identifications.js';
import type { PrinterHealth } from '../lib/types.js';
import { DEFAULT_WEDGE_OPTIONS, type WedgeOptions } from '../wedge/detector.js';
import { startWedge, type WedgeAdapter } from '../wedge/adapter.js';
import { Alerts } from './Alerts.js';
import { Banner, errorText } from './common.js';
import { Checkout, type IdentifyRequest, type MemberState } from './Checkout.js';
import { AppContext, makeT, type AppContextValue, type T } from './context.js';
import { Enrol, type EnrolPrefill } from './Enrol.js';
import { Feedback } from './Feedback.js';
import { Lookup } from './Lookup.js';
import type { DeviceState } from './names.js';
import { Returns } from './Returns.js';
import { Settings, type LastScan } from './Settings.js';
import { SignIn } from './SignIn.js';
import { StatusBar } from './StatusBar.js';
import { approvalWhy, SupervisorPinDialog, SupervisorScreen } from './Supervisor.js';

type View = 'checkout' | 'lookup' | 'enrol' | 'returns' | 'supervisor' | 'settings' | 'feedback';
// Feedback last: the Alt+1…6 shortcuts the cashiers learned keep their screens.
const VIEWS: readonly View[] = ['checkout', 'lookup', 'enrol', 'returns', 'supervisor', 'settings', 'feedback'];

/** A supervisor's PIN being asked for: what for, what to run with it, and who waits for the outcome. */
interface PinAsk {
  why: string;
  run(staffId: string, pin: string): Promise<unknown>;
  done(ok: boolean, failure?: unknown): void;
}

/** The rule set's category names (GET /v1/categories), else the screen's own, else the code. */
function categoryNamer(categories: readonly Category[], t: T, lang: Lang) {
  const byCode = new Map(categories.map((c) => [c.code, lang === 'zh-CN' ? c.name.zh : c.name.en]));
  return (code: string): string => {
    const key = `category.${code}`;
    return byCode.get(code) ?? (isMessageKey(key) ? t(key) : code);
  };
}

const LANG_KEY = 'till.lang';
const WEDGE_KEY = 'till.wedge';

function savedLang(): Lang {
  const l = localStorage.getItem(LANG_KEY);
  return l === 'en' || l === 'zh-CN' ? l : 'zh-CN';
}

function savedWedge(): Pick<WedgeOptions, 'maxGapMs' | 'minLength'> {
  try {
    const v = JSON.parse(localStorage.getItem(WEDGE_KEY) ?? 'null') as {
      maxGapMs?: unknown;
      minLength?: unknown;
    } | null;
    if (v && typeof v.maxGapMs === 'number' && typeof v.minLength === 'number')
      return { maxGapMs: v.maxGapMs, minLength: v.minLength };
  } catch {
    // fall back to the defaults
  }
  return { maxGapMs: DEFAULT_WEDGE_OPTIONS.maxGapMs, minLength: DEFAULT_WEDGE_OPTIONS.minLength };
}

export function App() {
  const api = useMemo(() => new Api(), []);
  const [lang, setLangState] = useState<Lang>(savedLang);
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [checking, setChecking] = useState(api.signedIn);
  const [notice, setNotice] = useState(false);

  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    setLangState(l);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);

  useEffect(() => {
    api.onSignedOut = () => {
      setSession(null);
      setNotice(true);
    };
    if (api.signedIn) {
      api
        .session()
        .then(setSession, () => setSession(null))
        .finally(() => setChecking(false));
    }
  }, [api]);

  if (checking) return <p className="loading">{translate(lang, 'app.loading')}</p>;
  if (!session) {
    return (
      <SignIn
        api={api}
        lang={lang}
        setLang={setLang}
        notice={notice}
        onSignedIn={(s) => {
          setNotice(false);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Till
      key={session.staff.staffId}
      api={api}
      lang={lang}
      setLang={setLang}
      session={session}
      onSignOut={() => {
        void api.signOut().finally(() => setSession(null));
      }}
    />
  );
}

function Till(props: { api: Api; lang: Lang; setLang(l: Lang): void; session: SessionInfo; onSignOut(): void }) {
  const { api, lang } = props;
  const t = useMemo(() => makeT(lang), [lang]);
  const [programme, setProgramme] = useState<Programme | null>(null);
  const [bootError, setBootError] = useState<unknown>(null);
  const [view, setView] = useState<View>('checkout');
  const [memberState, setMemberState] = useState<MemberState>({ member: null, error: null, busy: false });
  const [posQuote, setPosQuote] = useState<QuoteEvent | null>(null);
  const [health, setHealth] = useState<HealthResponse | null>(null);
  const [live, setLive] = useState(false);
  const [devices, setDevices] = useState<DeviceState[]>([]);
  const [printer, setPrinter] = useState<PrinterHealth | null>(null);
  const [pinAsk, setPinAsk] = useState<PinAsk | null>(null);
  const [categories, setCategories] = useState<Category[]>([]);
  const [enrolPrefill, setEnrolPrefill] = useState<EnrolPrefill>({});
  const [scanFor, setScanFor] = useState<{
    view: View;
    code: string;
    source?: 'barcode' | 'nfc' | 'qr';
    n: number;
  } | null>(null);
  const [lastScan, setLastScan] = useState<LastScan | null>(null);
  const [wedge, setWedge] = useState(savedWedge);

  const memberNoRef = useRef<string | null>(null);
  memberNoRef.current = memberState.member?.memberNo ?? null;
  const viewRef = useRef(view);
  viewRef.current = view;
  const ownQuotes = useRef(new Set<string>());
  const ownIdentified = useRef(new OwnIdentifications());
  /** a reader's card went to a screen other than checkout: skip the `member` event that follows */
  const readerCardElsewhere = useRef(false);
  const identifySeq = useRef(0);
  const wedgeRef = useRef<WedgeAdapter | null>(null);

  useEffect(() => {
    api.programme().then(setProgramme, setBootError);
    // Without the list the screen falls back to its own names: nothing to report.
    api.categories().then(setCategories, () => {});
  }, [api]);

  const showMember = useCallback((m: MemberSummary) => setMemberState({ member: m, error: null, busy: false }), []);

  /** Every identification the screen makes names itself, so its `member` event is known as its own. */
  const identifyOwn = useCallback(
    (req: IdentifyRequest) => api.identify({ ...req, requestId: ownIdentified.current.next() }),
    [api],
  );

  const identify = useCallback(
    async (req: IdentifyRequest) => {
      const seq = ++identifySeq.current;
      setMemberState((s) => ({ ...s, busy: true, error: null }));
      try {
        const m = await identifyOwn(req);
        if (seq === identifySeq.current) showMember(m);
      } catch (e) {
        if (seq === identifySeq.current) setMemberState({ member: null, error: e, busy: false, tried: req });
      }
    },
    [identifyOwn, showMember],
  );

  /** A member identified elsewhere (the POS, a reader of the till's): shown unless something newer was. */
  const showIdentifiedElsewhere = useCallback(
    (memberNo: string) => {
      if (memberNo === memberNoRef.current) return;
      const seq = ++identifySeq.current;
      void api.member(memberNo).then(
        (m) => seq === identifySeq.current && showMember(m),
        () => {},
      );
    },
    [api, showMember],
  );

  const refreshMember = useCallback(
    async (memberNo: string | null = memberNoRef.current) => {
      if (!memberNo) return;
      try {
        const seq = identifySeq.current;
        const m = await api.member(memberNo);
        // Not after the cashier cleared the member or identified another meanwhile.
        if (seq === identifySeq.current && memberNoRef.current === memberNo) showMember(m);
      } catch {
        // keep what is shown
      }
    },
    [api, showMember],
  );

  /** A scanned code (keyboard wedge or a reader's `card` event) goes where it is wanted. */
  const onScan = useCallback(
    (code: string, source?: 'barcode' | 'nfc' | 'qr') => {
      if (pinAsk) return; // a dialog asking for a PIN is open: scans wait
      const v = viewRef.current;
      if (v === 'enrol') {
        // The source travels with the code: an all-digit UID is a UID only when a reader says so.
        setEnrolPrefill((p) => ({ ...p, card: source ? { code, source } : { code } }));
        return;
      }
      if (v === 'returns' || v === 'lookup' || v === 'supervisor') {
        setScanFor((s) => ({ view: v, code, ...(source ? { source } : {}), n: (s?.n ?? 0) + 1 }));
        return;
      }
      if (v !== 'settings') setView('checkout');
      void identify(source ? { code, source } : { code });
    },
    [pinAsk, identify],
  );
  const onScanRef = useRef(onScan);
  onScanRef.current = onScan;

  // The keyboard wedge: window-level, capture phase, whatever has the focus.
  useEffect(() => {
    const w = startWedge((code, info) => {
      setLastScan({ code, durationMs: info.durationMs, terminator: info.terminator });
      onScanRef.current(code);
    }, savedWedge());
    wedgeRef.current = w;
    return () => w.stop();
  }, []);

  const onEvent = useCallback(
    (e: TillEvent) => {
      // The till publishes a reader's `card` event and its `member` event back to back.
      const readerMemberNext = readerCardElsewhere.current;
      readerCardElsewhere.current = false;
      switch (e.type) {
        case 'card': {
          // A reader of the till's own (main/devices). At checkout the till identifies the
          // card itself and a `member` event follows; other screens take the code.
          const v = viewRef.current;
          if (v === 'enrol' || v === 'returns' || v === 'lookup' || v === 'supervisor') {
            if (!e.error || e.error === 'unknown_card' || e.error === 'unknown_member' || e.error === 'card_blocked')
              onScanRef.current(e.code, e.kind);
            // The till identified the card too; its `member` event must not change checkout's member.
            if (!e.error) readerCardElsewhere.current = true;
          } else if (e.error) {
            setView('checkout');
            const tried = { code: e.code, ...(e.kind ? { source: e.kind } : {}) };
            setMemberState({ member: null, error: new ApiError(422, e.error, e.error), busy: false, tried });
          }
          break;
        }
        case 'member': {
          // Identified by the POS or a reader of the till's; this screen's own are skipped.
          const memberNo = e.memberNo;
          // A reader's card routed to another screen: that screen identifies it itself.
          if (readerMemberNext && e.via === 'code') break;
          if (!ownIdentified.current.isOwn(e.requestId)) showIdentifiedElsewhere(memberNo);
          break;
        }
        case 'quote':
          if (e.saleId !== null && ownQuotes.current.has(e.saleId)) break;
          setPosQuote(e);
          if (e.memberNo) showIdentifiedElsewhere(e.memberNo);
          break;
        case 'sale':
          if (e.memberNo && e.memberNo === memberNoRef.current) void refreshMember(e.memberNo);
          setPosQuote((q) => (q && (q.saleId === null || q.saleId === e.saleId) ? null : q));
          break;
        case 'return':
          void refreshMember();
          break;
        case 'sync':
          setHealth((h) => (h ? { ...h, online: e.online, entriesWaiting: e.waiting, lastSyncAt: e.lastSyncAt } : h));
          // The event has no problem or age: health has both, and the status must not lag.
          void pollRef.current();
          break;
        case 'device':
          healthSeq.current++; // a health answer asked before this event is older than it
          // 'redemption' (the lock) and 'printer' are not readers: health and `printer` cover them.
          if (e.device === 'redemption') void pollRef.current();
          else if (e.device !== 'printer') {
            setDevices((ds) => {
              const i = ds.findIndex((d) => d.device === e.device);
              if (i < 0) return [...ds, { device: e.device, state: e.state }];
              return ds.map((d, j) => (j === i ? { ...d, state: e.state } : d));
            });
          }
          break;
        case 'printer':
          healthSeq.current++;
          setPrinter({ state: e.state, paperLow: e.paperLow, queuedJobs: e.queuedJobs, lastError: e.lastError });
          break;
        default:
          break;
      }
    },
    [refreshMember, showIdentifiedElsewhere],
  );
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    const s = new EventStream(api, (e) => onEventRef.current(e), setLive);
    s.start();
    return () => s.stop();
  }, [api]);

  // Status: health now, every 10 s, and when a sync or the lock changes.
  const pollRef = useRef<() => Promise<void>>(() => Promise.resolve());
  const healthSeq = useRef(0);
  useEffect(() => {
    let stop = false;
    // Polls overlap (the timer, sync events, the lock): an older answer must not undo a newer
    // one, nor a device or printer event pushed since it was asked.
    const poll = () => {
      const mine = ++healthSeq.current;
      return api.health().then(
        (h) => {
          if (stop || mine !== healthSeq.current) return;
          setHealth(h);
          if (h.printer) setPrinter(h.printer);
          if (h.devices)
            setDevices(
              h.devices.map((d) => ({
                device: d.id,
                state: d.state,
                kind: d.kind,
                reads: d.reads,
                description: d.description,
              })),
            );
        },
        () => {},
      );
    };
    pollRef.current = poll;
    void poll();
    const timer = setInterval(poll, 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [api]);

  // Keep the session from going idle while someone works at the till.
  useEffect(() => {
    let last = Date.now();
    const touch = () => {
      if (Date.now() - last < 60_000) return;
      last = Date.now();
      void api.session().catch(() => {});
    };
    window.addEventListener('pointerdown', touch, { capture: true });
    window.addEventListener('keydown', touch, { capture: true });
    return () => {
      window.removeEventListener('pointerdown', touch, { capture: true });
      window.removeEventListener('keydown', touch, { capture: true });
    };
  }, [api]);

  // Alt+1..7 switch screens from the keyboard.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const i = Number(e.key) - 1;
      const v = VIEWS[i];
      if (v) {
        e.preventDefault();
        setView(v);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const withSupervisor = useCallback(
    <R,>(why: string, run: (staffId: string, pin: string) => Promise<R>) =>
      new Promise<R | null>((resolve, reject) => {
        let result: R | null = null;
        let settled = false;
        const ask: PinAsk = {
          why,
          run: async (id, pin) => {
            result = await run(id, pin);
          },
          done: (ok, failure) => {
            // Once: a late second call must not close a dialog opened since.
            if (settled) return;
            settled = true;
            setPinAsk((open) => (open === ask ? null : open));
            if (failure !== undefined) reject(failure instanceof Error ? failure : new Error(String(failure)));
            else resolve(ok ? result : null);
          },
        };
        setPinAsk(ask);
      }),
    [],
  );

  const requestApproval = useCallback(
    (action: ApprovalAction): Promise<Approval | null> =>
      programme
        ? withSupervisor(approvalWhy(t, lang, programme, action), (id, pin) => api.approve(id, pin, action))
        : Promise.resolve(null),
    [api, lang, programme, t, withSupervisor],
  );

  if (bootError) {
    return (
      <main className="boot">
        <Banner kind="error">{errorText(t, bootError)}</Banner>
      </main>
    );
  }
  if (!programme) return <p className="loading">{t('app.loading')}</p>;

  const ctx: AppContextValue = {
    api,
    lang,
    t,
    setLang: props.setLang,
    staff: props.session.staff,
    programme,
    identify: identifyOwn,
    requestApproval,
    withSupervisor,
    categoryName: categoryNamer(categories, t, lang),
  };
  const other = LANGS.find((l) => l !== lang) ?? 'en';

  return (
    <AppContext.Provider value={ctx}>
      <div className="app">
        <header className="topbar">
          <h1>{t('app.title')}</h1>
          <nav role="tablist" aria-label={t('app.title')}>
            {VIEWS.map((v, i) => (
              <button
                type="button"
                role="tab"
                key={v}
                aria-selected={view === v}
                className={view === v ? 'active' : ''}
                onClick={() => setView(v)}
                data-testid={`nav-${v}`}
                title={`Alt+${i + 1}`}
              >
                {t(`nav.${v}`)}
              </button>
            ))}
          </nav>
          <div className="topbar-right">
            <button type="button" className="link" onClick={() => props.setLang(other)} data-testid="lang-toggle">
              {translate(other, 'app.langName')}
            </button>
            <button type="button" onClick={props.onSignOut} data-testid="sign-out">
              {t('nav.signOut')}
            </button>
          </div>
        </header>
        <Alerts health={health} printer={printer} devices={devices} onLockCleared={() => void pollRef.current()} />
        <main className="content">
          {view === 'checkout' ? (
            <Checkout
              memberState={memberState}
              onIdentify={(r) => void identify(r)}
              onClearMember={() => {
                identifySeq.current++;
                setMemberState({ member: null, error: null, busy: false });
                setPosQuote(null);
              }}
              onEnrol={(prefill) => {
                setEnrolPrefill(prefill);
                setView('enrol');
              }}
              printer={printer !== null && printer.state !== 'none'}
              onMemberUpdated={() => void refreshMember()}
              posQuote={posQuote}
              ownQuote={(id) => ownQuotes.current.add(id)}
            />
          ) : null}
          {view === 'lookup' ? (
            <Lookup
              scanned={scanFor?.view === 'lookup' ? scanFor : null}
              onUseAtCheckout={(m) => {
                showMember(m);
                setView('checkout');
              }}
              onEnrol={(prefill) => {
                setEnrolPrefill(prefill);
                setView('enrol');
              }}
            />
          ) : null}
          {view === 'enrol' ? (
            <Enrol
              prefill={enrolPrefill}
              onClearCard={() => setEnrolPrefill((p) => ({ ...p, card: undefined }))}
              onUseAtCheckout={(m) => {
                setEnrolPrefill({});
                showMember(m);
                setView('checkout');
              }}
            />
          ) : null}
          {view === 'returns' ? (
            <Returns
              scanned={scanFor?.view === 'returns' ? scanFor : null}
              onMemberChanged={(no) => {
                if (no && no === memberNoRef.current) void refreshMember(no);
              }}
            />
          ) : null}
          {view === 'supervisor' ? (
            <SupervisorScreen
              lock={health?.redemptionLock ?? null}
              member={memberState.member}
              scanned={scanFor?.view === 'supervisor' ? scanFor : null}
              onChanged={() => void pollRef.current()}
              onAdjusted={(no) => {
                if (no === memberNoRef.current) void refreshMember(no);
              }}
            />
          ) : null}
          {view === 'feedback' ? <Feedback member={memberState.member} /> : null}
          {view === 'settings' ? (
            <Settings
              health={health}
              devices={devices}
              wedge={wedge}
              onWedge={(o) => {
                localStorage.setItem(WEDGE_KEY, JSON.stringify(o));
                setWedge(o);
                wedgeRef.current?.configure(o);
              }}
              lastScan={lastScan}
            />
          ) : null}
        </main>
        <StatusBar health={health} live={live} devices={devices} printer={printer} />
        {pinAsk ? <SupervisorPinDialog why={pinAsk.why} run={pinAsk.run} onDone={pinAsk.done} /> : null}
      </div>
    </AppContext.Provider>
  );
}
