/**
 * Stable error codes of the card-code module (DOMAIN.md 2).
 *
 * The codes are part of the till's API contract (`{"error": {"code": ...}}`), so they are
 * snake_case, never renamed, and only ever added to. Functions in core/cards return these as
 * values instead of throwing: a bad scan is an everyday event at a till, not an exception.
 */

export const CARD_ERROR_CODES = [
  /** nothing left after removing terminators, symbology identifier and whitespace */
  'empty_code',
  /** not a member barcode, NFC UID or member QR in any form this till understands */
  'unrecognised_code',
  /** a barcode whose check digit fails: a misread, never looked up */
  'misread_check_digit',
  /** looked like an NFC UID but is not 4, 7 or 10 bytes, or not valid hex/decimal */
  'invalid_uid',
  /** a member QR whose pieces do not parse */
  'qr_malformed',
  /** a genuine member QR outside the accepted time windows (too old, or too far ahead) */
  'qr_expired',
  /** a member QR whose signature does not match: not made with this programme's key */
  'qr_forged',
] as const;

export type CardErrorCode = (typeof CARD_ERROR_CODES)[number];

/** The failure half of every result union in core/cards. */
export interface CardError<C extends CardErrorCode = CardErrorCode> {
  ok: false;
  code: C;
  /** human-readable English text for logs and the API; the UI translates by `code` */
  message: string;
}

export function cardError<C extends CardErrorCode>(code: C, message: string): CardError<C> {
  return { ok: false, code, message };
}
