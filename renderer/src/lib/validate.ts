/**
 * Form checks run before anything is sent: a field that fails shows its message next to it
 * and no request leaves. The phone and birthday rules are the till's own (core/members.ts), so
 * the screen and the server agree on what is valid.
 */
import { normaliseBirthday, normalisePhone } from '../../../core/members.js';
import type { MessageKey, Params } from '../i18n/index.js';
import { parseYuan } from './format.js';

export type Check<T> = { ok: true; value: T } | { ok: false; error: MessageKey; params?: Params };

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const fail = <T>(error: MessageKey, params?: Params): Check<T> =>
  params ? { ok: false, error, params } : { ok: false, error };

export function checkPhone(raw: string): Check<string> {
  if (raw.trim() === '') return fail('field.required');
  const p = normalisePhone(raw);
  return p ? ok(p) : fail('field.phone');
}

export function checkName(raw: string): Check<string> {
  const v = raw.trim();
  return v.length >= 1 && [...v].length <= 64 ? ok(v) : fail(v ? 'field.name' : 'field.required');
}

/** Optional: "" is fine (no birthday). */
export function checkBirthday(raw: string): Check<string | null> {
  if (raw.trim() === '') return ok(null);
  const b = normaliseBirthday(raw.trim());
  return b ? ok(b) : fail('field.birthday');
}

export function checkAmount(raw: string): Check<number> {
  if (raw.trim() === '') return fail('field.required');
  const fen = parseYuan(raw);
  if (fen === null) return fail('field.amount');
  return fen > 0 ? ok(fen) : fail('field.amountPositive');
}

/** Points to redeem: "" is none; otherwise whole units of `step`, at least `min`, at most `max`. */
export function checkRedeemPoints(raw: string, rule: { min: number; step: number; max: number | null }): Check<number> {
  const v = raw.trim();
  if (v === '' || v === '0') return ok(0);
  if (!/^\d{1,9}$/.test(v)) return fail('field.points');
  const n = Number(v);
  if (n < rule.min || n % rule.step !== 0) return fail('field.pointsStep', { step: rule.step, min: rule.min });
  if (rule.max !== null && n > rule.max) return fail('field.pointsMax', { max: rule.max });
  return ok(n);
}

export function checkStaffId(raw: string): Check<string> {
  const v = raw.trim();
  return /^[A-Za-z0-9_-]{1,32}$/.test(v) ? ok(v) : fail(v ? 'field.staffId' : 'field.required');
}

export function checkPin(raw: string): Check<string> {
  return /^\d{4,12}$/.test(raw) ? ok(raw) : fail(raw ? 'field.pin' : 'field.required');
}

export function checkSaleId(raw: string): Check<string> {
  const v = raw.trim();
  return /^[\w.:\-/]{1,64}$/.test(v) ? ok(v) : fail('field.saleId');
}

/** A returned quantity: 0..max, at most three decimals. */
export function checkQuantity(raw: string, max: number): Check<number> {
  const v = raw.trim();
  if (v === '') return ok(0);
  if (!/^\d{1,6}(\.\d{1,3})?$/.test(v)) return fail('field.quantity', { max });
  const n = Number(v);
  return n <= max + 1e-9 ? ok(n) : fail('field.quantity', { max });
}

/** What the identify box holds: a mobile number or a code (card, member number, QR). */
export function classifyLookup(raw: string): Check<{ phone: string } | { code: string }> {
  const v = raw.trim();
  if (v === '') return fail('field.code');
  const phone = normalisePhone(v);
  if (phone) return ok({ phone });
  return ok({ code: v });
}
