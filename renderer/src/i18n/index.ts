/** The two languages and the one translate function every string goes through (core/i18n.ts). */
import { translator, type Lang } from '../../../core/i18n.js';
import { en } from './en.js';
import { zh, type MessageKey } from './zh.js';

export type { MessageKey };
export { LANGS, type Lang, type Params } from '../../../core/i18n.js';

const messages = translator<MessageKey>({ 'zh-CN': zh, en } satisfies Record<
  Lang,
  Readonly<Record<MessageKey, string>>
>);

/** The message in `lang` with `{name}` placeholders filled; an unknown placeholder stays visible. */
export const translate = messages.translate;

/** Whether a string is a message key (for error codes from the server). */
export const isMessageKey = messages.isMessageKey;

export const dictionary = messages.dictionary;
