/**
 * The receipt's survey token (issue 15 item 5, docs/decisions.md "Survey token"): the piece of
 * the receipt's QR link that ties an answer to one sale at one till in one store, made by the
 * till alone (offline too) and checked by head office.
 *
 * Text: `<payload>.<sig>`
 *   payload  base64url, unpadded, of the UTF-8 text `LS1\n<storeId>\n<tillId>\n<saleId>\n<day>`
 *              LS1     format tag and version ("loyalty survey, v1")
 *              storeId, tillId  1..64 of [A-Za-z0-9._-] (core/sync/protocol.ts TillId)
 *              saleId  1..64 of [A-Za-z0-9_.:/-] (the POS's receipt number, main/api/schemas.ts)
 *              day     the sale's local date in the programme's time zone, YYYY-MM-DD
 *   sig      base64url, unpadded, of the first 16 bytes of HMAC-SHA256(surveyKey, payload text)
 *            -> always 22 characters
 *
 * surveyKey = HKDF-SHA256(the till's secret issued by `add-till`, salt empty, info
 * `till-survey-token-v1`, 32 bytes): the secret head office already holds for every till (it
 * checks the till's sync signatures with it), under another info string than the other keys
 * derived from it (`hq-feed-personal-v1`, `hq-member-qr-key-v1`), so a token says nothing about
 * them. Nothing but the till and head office can make a token; editing any field (another sale,
 * another till, another store, another day) breaks the signature.
 *
 * Verification decisions (like core/cards/memberqr.ts):
 * - Shape first (`survey_token_malformed`), then the signature (`survey_token_forged`), then the
 *   store the till belongs to (`survey_wrong_store`), then time (`survey_token_expired`). A token
 *   of another till's key, or of an unknown till, is forged whatever it claims.
 * - A token is good for SURVEY_VALID_DAYS after the sale's day; a day more than one day ahead of
 *   head office's is expired too (a till clock set wrong; only a key holder can make it).
 * - Reuse is not the token's business: the same token answers the same sale, and head office
 *   keeps one answer per (till, sale) (`survey_already_answered`, headoffice/store/surveys.ts).
 * - The signature is compared with timingSafeEqual as the 22-character text.
 * - Never throws on any token text; throws RangeError on a field the format cannot carry when
 *   signing (a defect of the caller).
 *
 * node:crypto here is pure computation, which core/ allows (see ledger/hash.ts).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { addDays, daysBetween } from '../time.js';

export const SURVEY_TOKEN_TAG = 'LS1';
export const SURVEY_KEY_INFO = 'till-survey-token-v1';
/** DECISION: a receipt's survey link works for 30 days after the sale. */
export const SURVEY_VALID_DAYS = 30;
/** the query parameter of the member page's URL that carries the token */
export const SURVEY_QUERY = 's';

const SIG_BYTES = 16;
const PLACE = /^[A-Za-z0-9._-]{1,64}$/;
const SALE = /^[\w.:/-]{1,64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const SIG = /^[A-Za-z0-9_-]{22}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
/** 4 + 3 * 65 + 11 bytes of payload at most, base64url-encoded, plus "." and the signature */
const MAX_TOKEN_LENGTH = Math.ceil(((4 + 3 * 65 + 11) * 4) / 3) + 1 + 22;

export const SURVEY_ERROR_CODES = [
  /** not a survey token: pieces, encoding or fields do not parse */
  'survey_token_malformed',
  /** the signature is not the named till's: edited, made up, or of another till */
  'survey_token_forged',
  /** a genuine token whose store is not the store head office has the till in */
  'survey_wrong_store',
  /** a genuine token older than SURVEY_VALID_DAYS (or dated ahead) */
  'survey_token_expired',
  /** the sale has been answered already (head office's store) */
  'survey_already_answered',
] as const;
export type SurveyErrorCode = (typeof SURVEY_ERROR_CODES)[number];

export interface SurveyError<C extends SurveyErrorCode = SurveyErrorCode> {
  ok: false;
  code: C;
  message: string;
}

export interface SurveySale {
  storeId: string;
  tillId: string;
  saleId: string;
  /** the sale's local date, YYYY-MM-DD */
  day: string;
}

export type ParsedSurveyToken =
  { ok: true; sale: SurveySale; body: string; sig: string } | SurveyError<'survey_token_malformed'>;
export type SurveyTokenResult =
  | { ok: true; sale: SurveySale }
  | SurveyError<'survey_token_malformed' | 'survey_token_forged' | 'survey_wrong_store' | 'survey_token_expired'>;

function fail<C extends SurveyErrorCode>(code: C, message: string): SurveyError<C> {
  return { ok: false, code, message };
}

/** The till's survey key from its secret (the `TILL_SECRET` string's UTF-8 bytes). */
export function surveyKey(tillSecret: string): Buffer {
  if (typeof tillSecret !== 'string' || tillSecret.length === 0) throw new RangeError('survey key: empty till secret');
  return Buffer.from(hkdfSync('sha256', Buffer.from(tillSecret, 'utf8'), Buffer.alloc(0), SURVEY_KEY_INFO, 32));
}

function signature(key: Uint8Array, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest().subarray(0, SIG_BYTES).toString('base64url');
}

function isDay(day: string): boolean {
  return (
    DAY.test(day) &&
    !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) &&
    new Date(`${day}T00:00:00Z`).toISOString().startsWith(day)
  );
}

function bodyOf(s: SurveySale): string {
  return [SURVEY_TOKEN_TAG, s.storeId, s.tillId, s.saleId, s.day].join('\n');
}

/** The token for a sale. Throws RangeError on fields the format cannot carry. */
export function signSurveyToken(key: Uint8Array, sale: SurveySale): string {
  if (!PLACE.test(sale.storeId) || !PLACE.test(sale.tillId)) throw new RangeError('survey token: bad store or till id');
  if (!SALE.test(sale.saleId)) throw new RangeError('survey token: bad sale id');
  if (!isDay(sale.day)) throw new RangeError('survey token: day must be YYYY-MM-DD');
  const body = bodyOf(sale);
  return `${Buffer.from(body, 'utf8').toString('base64url')}.${signature(key, body)}`;
}

/** The token's fields without checking its signature (head office needs the till id to find the key). */
export function parseSurveyToken(token: unknown): ParsedSurveyToken {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) {
    return fail('survey_token_malformed', 'not a survey token');
  }
  const parts = token.split('.');
  if (parts.length !== 2) return fail('survey_token_malformed', 'a survey token has 2 dot-separated pieces');
  const [payload = '', sig = ''] = parts;
  if (!B64URL.test(payload) || !SIG.test(sig)) return fail('survey_token_malformed', 'survey token: bad encoding');
  const bytes = Buffer.from(payload, 'base64url');
  // Only the canonical spelling: another base64url text of the same bytes is not this token.
  if (bytes.toString('base64url') !== payload) return fail('survey_token_malformed', 'survey token: bad encoding');
  const body = bytes.toString('utf8');
  const fields = body.split('\n');
  if (fields.length !== 5 || fields[0] !== SURVEY_TOKEN_TAG) {
    return fail('survey_token_malformed', 'survey token: unknown format');
  }
  const [, storeId = '', tillId = '', saleId = '', day = ''] = fields;
  if (!PLACE.test(storeId) || !PLACE.test(tillId) || !SALE.test(saleId) || !isDay(day)) {
    return fail('survey_token_malformed', 'survey token: bad field');
  }
  return { ok: true, sale: { storeId, tillId, saleId, day }, body, sig };
}

export interface VerifySurveyOptions {
  /** the store head office has the till in; a token naming another is refused */
  storeId: string;
  /** head office's local date (the programme's time zone), YYYY-MM-DD */
  today: string;
  validDays?: number;
}

/**
 * Checks a token against the key of the till it names (null: head office knows no such till,
 * so nothing can be verified: forged). Never throws on any `token`.
 */
export function verifySurveyToken(key: Uint8Array | null, token: unknown, o: VerifySurveyOptions): SurveyTokenResult {
  const parsed = parseSurveyToken(token);
  if (!parsed.ok) return parsed;
  if (key === null) return fail('survey_token_forged', 'survey token of an unknown till');
  const expected = signature(key, parsed.body);
  if (!timingSafeEqual(Buffer.from(parsed.sig, 'latin1'), Buffer.from(expected, 'latin1'))) {
    return fail('survey_token_forged', 'survey token signature does not match');
  }
  const { sale } = parsed;
  if (sale.storeId !== o.storeId)
    return fail('survey_wrong_store', 'the till does not belong to the store the token names');
  const validDays = o.validDays ?? SURVEY_VALID_DAYS;
  if (daysBetween(sale.day, o.today) > validDays) {
    return fail('survey_token_expired', `survey links work for ${validDays} days after the sale`);
  }
  if (sale.day > addDays(o.today, 1)) return fail('survey_token_expired', "the sale's date is ahead of today");
  return { ok: true, sale };
}

/** The member page's survey URL: `<base>?s=<token>` (the base as configured, e.g. `https://hq.example.cn/m/`). */
export function surveyUrl(base: string, token: string): string {
  const u = new URL(base);
  u.searchParams.set(SURVEY_QUERY, token);
  return u.toString();
}
