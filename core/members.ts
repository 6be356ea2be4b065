/** Member-facing value rules: phone numbers, masking (DOMAIN.md 2). */
import { foldFullWidth } from './text.js';

const CN_MOBILE = /^1[3-9]\d{9}$/;

/** "+86 138-1234-5678" -> "13812345678"; null when it is not a mainland mobile number. */
export function normalisePhone(raw: string): string | null {
  // Full-width digits and signs come from a Chinese IME; they are the same number.
  let digits = foldFullWidth(raw).replace(/[\s\-()]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2);
  return CN_MOBILE.test(digits) ? digits : null;
}

/**
 * "13812345678" -> "138****5678". A shorter number (none reaches a till, but head office masks
 * what its message channels were given) keeps 2 + 2, and one under 7 nothing: at least three
 * characters are always hidden.
 */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length);
  const [head, tail] = phone.length >= 11 ? [3, 4] : [2, 2];
  return `${phone.slice(0, head)}${'*'.repeat(phone.length - head - tail)}${phone.slice(-tail)}`;
}

/** "张三丰" -> "张**", "Li Wei" -> "L*****": keeps the first character only. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
}

/** "MM-DD" (year optional on input: "1990-05-17" or "05-17"). */
export function normaliseBirthday(raw: string): string | null {
  const m = /^(?:\d{4}-)?(\d{2})-(\d{2})$/.exec(raw);
  if (!m) return null;
  const month = Number(m[1]);
  const day = Number(m[2]);
  const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (!days || day < 1 || day > days) return null;
  return `${m[1]}-${m[2]}`;
}
