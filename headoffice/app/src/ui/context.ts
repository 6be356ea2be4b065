/** What every page needs: the language, its translate function and the programme's time zone. */
import { createContext, useContext } from 'react';
import type { Lang, MessageKey, Params } from '../i18n/index.js';
import { isMessageKey } from '../i18n/index.js';
import { DEFAULT_ZONE } from '../lib/format.js';

export type T = (key: MessageKey, params?: Params) => string;

export interface Ui {
  lang: Lang;
  t: T;
  zone: string;
}

export const UiContext = createContext<Ui>({ lang: 'zh-CN', t: (k) => k, zone: DEFAULT_ZONE });

export const useUi = (): Ui => useContext(UiContext);

/**
 * A code (tier, class, lifecycle stage, ledger kind, card type) by its glossary name; a code
 * the dictionary does not know (a tier a rule set added) is shown as it is.
 */
export function label(t: T, prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return isMessageKey(key) ? t(key) : code;
}
