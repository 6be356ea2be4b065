/**
 * What every page needs: the language, its translate function, the programme's time zone and
 * the names head office registered for stores and tills (shown instead of ids, issue 13 item 8).
 */
import { createContext, useContext } from 'react';
import type { Lang, MessageKey, Params } from '../i18n/index.js';
import { isMessageKey } from '../i18n/index.js';
import { DEFAULT_ZONE } from '../lib/format.js';

export type T = (key: MessageKey, params?: Params) => string;

export interface Ui {
  lang: Lang;
  t: T;
  zone: string;
  /** a store's and a till's registered name by id (empty until the tills are loaded) */
  names: { stores: ReadonlyMap<string, string>; tills: ReadonlyMap<string, string> };
}

const NO_NAMES: Ui['names'] = { stores: new Map(), tills: new Map() };

export const UiContext = createContext<Ui>({ lang: 'zh-CN', t: (k) => k, zone: DEFAULT_ZONE, names: NO_NAMES });

export const useUi = (): Ui => useContext(UiContext);

/**
 * A code (tier, class, lifecycle stage, ledger kind, card type) by its glossary name; a code
 * the dictionary does not know (a tier a rule set added) is shown as it is.
 */
export function label(t: T, prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return isMessageKey(key) ? t(key) : code;
}
