/** Head office's two languages through the one translate mechanism both web apps use (core/i18n.ts). */
import { translator, type Lang } from '../../../../core/i18n.js';
import { en } from './en.js';
import { zh, type MessageKey } from './zh.js';

export type { MessageKey };
export { LANGS, type Lang, type Params } from '../../../../core/i18n.js';

const messages = translator<MessageKey>({ 'zh-CN': zh, en } satisfies Record<
  Lang,
  Readonly<Record<MessageKey, string>>
>);

export const translate = messages.translate;
export const isMessageKey = messages.isMessageKey;
