/**
 * The member page's two languages through the one translate mechanism of the web apps
 * (core/i18n.ts), zh-CN first. Which one a phone gets (`chooseLang`):
 *
 * 1. the member's own choice on this phone (the page's 中文 / English button, kept in
 *    localStorage), else
 * 2. the first of the browser's preferred languages (navigator.languages) that is English or
 *    Chinese of any region: English only when it comes before Chinese, else
 * 3. zh-CN.
 */
import { translator, type Lang, type Params } from '../../../../core/i18n.js';
import { en } from './en.js';
import { num } from './format.js';
import { zh, type MessageKey } from './zh.js';

export type { MessageKey };
export { LANGS, type Lang, type Params } from '../../../../core/i18n.js';

const messages = translator<MessageKey>({ 'zh-CN': zh, en } satisfies Record<
  Lang,
  Readonly<Record<MessageKey, string>>
>);

/** The message in `lang` with `{name}` placeholders filled; an unknown placeholder stays visible. */
export const translate = messages.translate;

/** Whether a string is a message key (for error codes from head office). */
export const isMessageKey = messages.isMessageKey;

export const dictionary = messages.dictionary;

/** A message with a count: the stem of a `<stem>.one` / `<stem>.other` pair of keys. */
export type CountKey = {
  [K in MessageKey]: K extends `${infer Stem}.other` ? (`${Stem}.one` extends MessageKey ? Stem : never) : never;
}[MessageKey];

/** The form of `key` the language's plural rules pick for `n` ("1 point", "2 points"), `{n}` filled. */
export function translateCount(lang: Lang, key: CountKey, n: number, params: Params = {}): string {
  const form = new Intl.PluralRules(lang).select(n) === 'one' ? 'one' : 'other';
  return translate(lang, `${key}.${form}`, { ...params, n: num(lang, n) });
}

/** A name head office sends in both languages (tiers, offers, channels, interests) in `lang`. */
export function named(name: { zh: string; en: string }, lang: Lang): string {
  return lang === 'en' ? name.en : name.zh;
}

export function isLang(v: unknown): v is Lang {
  return v === 'zh-CN' || v === 'en';
}

/** The page's language from the member's saved choice and the browser's preferred languages. */
export function chooseLang(saved: string | null, languages: readonly string[]): Lang {
  if (isLang(saved)) return saved;
  for (const l of languages) {
    const primary = l.split('-')[0]?.toLowerCase();
    if (primary === 'en') return 'en';
    if (primary === 'zh') return 'zh-CN';
  }
  return 'zh-CN';
}
