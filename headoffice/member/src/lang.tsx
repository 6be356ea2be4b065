/**
 * The page's language for every screen (i18n/index.ts `chooseLang`): one context holding the
 * language and its translate functions, and the 中文 / English button that switches at once
 * and keeps the choice on this phone. `<html lang>` and the title follow, so a screen reader
 * and the browser's translate offer know what they read.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  chooseLang,
  translate,
  translateCount,
  type CountKey,
  type Lang,
  type MessageKey,
  type Params,
} from './i18n/index.js';

const LANG_KEY = 'memberPageLang';

export interface LangUi {
  lang: Lang;
  t: (key: MessageKey, params?: Params) => string;
  /** a message with a count, in the language's plural form */
  tn: (key: CountKey, n: number, params?: Params) => string;
  setLang: (lang: Lang) => void;
}

const LangContext = createContext<LangUi | null>(null);

export function useLang(): LangUi {
  const ui = useContext(LangContext);
  if (!ui) throw new Error('useLang outside LangProvider');
  return ui;
}

// Storage may be refused (a browser set to block site data throws on access): the page then
// still works, choosing from the browser's languages each time.
function saved(): string | null {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

function save(lang: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // not remembered; the choice still holds on this page
  }
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => chooseLang(saved(), navigator.languages));
  const setLang = useCallback((l: Lang) => {
    save(l);
    setLangState(l);
  }, []);
  const ui = useMemo<LangUi>(
    () => ({
      lang,
      t: (key, params) => translate(lang, key, params),
      tn: (key, n, params) => translateCount(lang, key, n, params),
      setLang,
    }),
    [lang, setLang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.title');
  }, [lang]);
  return <LangContext.Provider value={ui}>{children}</LangContext.Provider>;
}

/** The other language's name, in that language, so a member who reads only it can find it. */
export function LangToggle() {
  const { lang, t, setLang } = useLang();
  const other: Lang = lang === 'en' ? 'zh-CN' : 'en';
  return (
    <nav className="lang-bar">
      <button type="button" className="lang" data-testid="lang" lang={other} onClick={() => setLang(other)}>
        {t('app.otherLang')}
      </button>
    </nav>
  );
}
