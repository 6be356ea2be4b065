/**
 * Head office's refusals in the member's language, by error code (`error.<code>` in
 * i18n/zh.ts). Screens keep the error itself and ask for its words at each render, so a
 * message already shown follows the language button at once.
 */
import { ApiError } from './api.js';
import { isMessageKey, translate, translateCount, type Lang } from './i18n/index.js';
import { wait } from './i18n/format.js';

export function errorText(lang: Lang, e: unknown): string {
  if (!(e instanceof ApiError)) return translate(lang, 'error.network');
  switch (e.code) {
    // too_many_code_requests is counted per network address (others on the same Wi-Fi or
    // carrier address count too), so its message suggests another network.
    case 'otp_rate_limited':
    case 'too_many_code_requests':
      return translate(lang, `error.${e.code}`, { wait: wait(lang, e.extra.retryAfterSeconds) });
    case 'wrong_code': {
      const left = e.extra.triesLeft;
      return translateCount(lang, 'error.wrong_code', typeof left === 'number' ? left : 0);
    }
    case 'survey_token_malformed':
    case 'survey_token_forged':
    case 'survey_wrong_store':
      // One message for every link the page cannot use: the member can only scan again.
      return translate(lang, 'error.survey_link');
  }
  const key = `error.${e.code}`;
  return translate(lang, isMessageKey(key) ? key : 'error.unexpected', { code: e.code });
}
