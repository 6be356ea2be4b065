/**
 * The one translate mechanism of both web applications (the cashier UI in renderer/, head
 * office's in headoffice/app/): each keeps its own dictionaries, zh-CN first, and a
 * dictionary per language whose type names exactly the keys of the Chinese one, so a missing
 * or an extra key is a compile error. `{name}` placeholders are filled at run time; an unknown
 * placeholder stays visible rather than vanishing.
 */
export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

export type Params = Readonly<Record<string, string | number>>;

/** `text` with its `{name}` placeholders filled from `params`. */
export function fill(text: string, params: Params = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

export interface Translator<K extends string> {
  translate(lang: Lang, key: K, params?: Params): string;
  /** Whether a string is a message key (for codes from a server). */
  isMessageKey(k: string): k is K;
  dictionary(lang: Lang): Readonly<Record<K, string>>;
}

/** The translate functions over one application's dictionaries. */
export function translator<K extends string>(
  dictionaries: Readonly<Record<Lang, Readonly<Record<K, string>>>>,
): Translator<K> {
  const zh = dictionaries['zh-CN'];
  return {
    translate: (lang, key, params = {}) => fill(dictionaries[lang][key], params),
    isMessageKey: (k: string): k is K => Object.prototype.hasOwnProperty.call(zh, k),
    dictionary: (lang) => dictionaries[lang],
  };
}
