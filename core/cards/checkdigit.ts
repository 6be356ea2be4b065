/**
 * Check digits of printed member barcodes (DOMAIN.md 2: "a code failing its check digit is
 * rejected as a misread, never looked up").
 *
 * Conventions shared by every scheme here:
 * - `*Valid(code)` never throws: anything that is not the scheme's shape (wrong characters,
 *   too short) is simply invalid, because its input comes straight from a scanner.
 * - `*CheckDigit(payload)` throws a RangeError on a payload that is not ASCII digits: its
 *   callers are our own number generators, and a bad payload there is a defect.
 * - Only ASCII digits count. `\d` without the `u` flag is ASCII-only in JavaScript; full-width
 *   digits typed through a Chinese IME are folded to ASCII earlier, in classify.ts.
 */

export type CheckDigitScheme = 'ean13' | 'mod10' | 'mod11' | 'none';

const DIGITS = /^[0-9]+$/;

function digitAt(s: string, i: number): number {
  // charCodeAt is safe: callers have already checked that s is ASCII digits.
  return s.charCodeAt(i) - 48;
}

function requireDigits(payload: string, minLength: number, what: string): void {
  if (typeof payload !== 'string' || payload.length < minLength || !DIGITS.test(payload)) {
    throw new RangeError(`${what}: payload must be at least ${minLength} ASCII digits`);
  }
}

// ---------------------------------------------------------------------------------------------
// EAN-13 (GS1 mod 10)
//
// Weights 3,1,3,1,... starting from the digit next to the check digit (equivalently 1,3,1,3,...
// from the left for EAN-13); check = (10 - sum mod 10) mod 10.
// Detects every single-digit error. Detects an adjacent transposition ab -> ba unless
// |a - b| = 5 (0<->5, 1<->6, 2<->7, 3<->8, 4<->9), because the two weights differ by 2 and
// 2 * 5 = 10 vanishes mod 10.
// ---------------------------------------------------------------------------------------------

function gs1CheckValue(payload: string): number {
  let sum = 0;
  for (let i = payload.length - 1, w = 3; i >= 0; i--, w = 4 - w) sum += digitAt(payload, i) * w;
  return (10 - (sum % 10)) % 10;
}

/** The 13th digit for 12 payload digits ("400638133393" -> "1"). Throws RangeError on a bad payload. */
export function ean13CheckDigit(first12: string): string {
  requireDigits(first12, 12, 'ean13CheckDigit');
  if (first12.length !== 12) throw new RangeError('ean13CheckDigit: payload must be exactly 12 digits');
  return String(gs1CheckValue(first12));
}

/** True only for exactly 13 ASCII digits whose last digit is the EAN-13 check digit. */
export function ean13Valid(code: string): boolean {
  if (typeof code !== 'string' || code.length !== 13 || !DIGITS.test(code)) return false;
  return gs1CheckValue(code.slice(0, 12)) === digitAt(code, 12);
}

// ---------------------------------------------------------------------------------------------
// mod 10 (Luhn, ISO/IEC 7812-1)
//
// From the digit next to the check digit leftwards, every other digit is doubled (digits of
// the product summed, i.e. minus 9 when > 9); check = (10 - sum mod 10) mod 10.
// Detects every single-digit error and every adjacent transposition except 09 <-> 90
// (doubling maps 0 -> 0 and 9 -> 9, so both orders sum to 9).
// ---------------------------------------------------------------------------------------------

function luhnCheckValue(payload: string): number {
  let sum = 0;
  let double = true; // the payload's last digit sits next to the check digit: doubled
  for (let i = payload.length - 1; i >= 0; i--, double = !double) {
    const d = digitAt(payload, i);
    sum += double ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** The Luhn check digit for a payload of one or more digits ("7992739871" -> "3"). */
export function mod10CheckDigit(payload: string): string {
  requireDigits(payload, 1, 'mod10CheckDigit');
  return String(luhnCheckValue(payload));
}

/** True for two or more ASCII digits whose last digit is the Luhn check digit of the rest. */
export function mod10Valid(code: string): boolean {
  if (typeof code !== 'string' || code.length < 2 || !DIGITS.test(code)) return false;
  return luhnCheckValue(code.slice(0, -1)) === digitAt(code, code.length - 1);
}

// ---------------------------------------------------------------------------------------------
// mod 11, weights 2..7
//
// The exact scheme (the common "modulus 11, weights 2-7" of member and account numbers):
//   1. Weight the payload digits from the right: 2, 3, 4, 5, 6, 7, 2, 3, ... (cycling).
//   2. S = sum of digit x weight; r = S mod 11; check value c = (11 - r) mod 11.
//      Equivalently: S + c = 0 (mod 11), the check digit carrying weight 1.
//   3. c = 10 is written 'X' (upper case; the classifier folds a typed 'x').
//      c = 11 cannot occur after the final "mod 11": the case r = 0 gives '0'. Some issuers
//      instead refuse payloads whose check would be 10 or write '0' for it; we follow the
//      'X' convention so every payload has exactly one valid code.
// This shares ISBN-10's 'X' but is not ISBN-10 (which weights 2..10 without cycling; the two
// coincide for payloads of up to 6 digits).
// Because 11 is prime and every weight is non-zero mod 11, it detects every single-digit error
// and every adjacent transposition (neighbouring weights differ by 1 or, across the 7 -> 2
// wrap, by 5; the check digit's weight 1 differs from its neighbour's 2 by 1). It misses a
// swap of two digits exactly 6 positions apart (equal weights).
// ---------------------------------------------------------------------------------------------

function mod11CheckValue(payload: string): number {
  let sum = 0;
  for (let i = payload.length - 1, w = 2; i >= 0; i--, w = w === 7 ? 2 : w + 1) sum += digitAt(payload, i) * w;
  return (11 - (sum % 11)) % 11;
}

/** The mod-11 check character for a payload of one or more digits: '0'..'9' or 'X'. */
export function mod11CheckDigit(payload: string): string {
  requireDigits(payload, 1, 'mod11CheckDigit');
  const c = mod11CheckValue(payload);
  return c === 10 ? 'X' : String(c);
}

/** True for one or more ASCII digits followed by their mod-11 check character ('0'..'9' or upper-case 'X'). */
export function mod11Valid(code: string): boolean {
  if (typeof code !== 'string' || code.length < 2) return false;
  const payload = code.slice(0, -1);
  const last = code.charAt(code.length - 1);
  if (!DIGITS.test(payload) || !(last === 'X' || (last >= '0' && last <= '9'))) return false;
  return mod11CheckDigit(payload) === last;
}

// ---------------------------------------------------------------------------------------------

/**
 * Dispatch by the programme's configured scheme (rule set `cards.barcodeCheck`).
 * 'none' has no check digit: any non-empty run of ASCII digits passes (the shape is still checked).
 */
export function checkDigitValid(scheme: CheckDigitScheme, code: string): boolean {
  switch (scheme) {
    case 'ean13':
      return ean13Valid(code);
    case 'mod10':
      return mod10Valid(code);
    case 'mod11':
      return mod11Valid(code);
    case 'none':
      return typeof code === 'string' && DIGITS.test(code);
    default:
      // An unknown scheme (bad configuration reaching us untyped) validates nothing.
      return false;
  }
}
