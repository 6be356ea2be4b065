/** The two languages and the one translate function every string goes through. */
import { en } from './en.js';
import { zh, type MessageKey } from './zh.js';

export type { MessageKey };
export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { 'zh-CN': zh, en };

export type Params = Readonly<Record<string, string | number>>;

/** The message in `lang` with `{name}` placeholders filled; an unknown placeholder stays visible. */
export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  const text = DICTIONARIES[lang][key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

/** Whether a string is a message key (for error codes from the server). */
export function isMessageKey(k: string): k is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, k);
}

export function dictionary(lang: Lang): Readonly<Record<MessageKey, string>> {
  return DICTIONARIES[lang];
}
