/**
 * Per-till request signing. Each till holds a secret issued by head office; every sync
 * request carries
 *
 *   Authorization: Till <tillId>:<hex HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP\nsha256hex(body))>
 *   X-Till-Timestamp: <milliseconds since the epoch>
 *
 * - METHOD is upper case; PATH is the request target exactly as sent (path plus query string,
 *   e.g. `/v1/sync/changes?after=12&limit=500`), so a cursor cannot be altered in transit.
 * - body is the bytes on the wire: after gzip when Content-Encoding is gzip, so head office
 *   authenticates a request before it spends any work inflating it. A GET signs the empty body.
 * - the HMAC key is the secret string's UTF-8 bytes, as printed by `add-till`.
 *
 * node:crypto here is pure computation, which core/ allows (see ledger/hash.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TIMESTAMP_HEADER } from './protocol.js';

export interface TillCredentials {
  tillId: string;
  secret: string;
}

export function sha256Hex(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

export function stringToSign(method: string, path: string, timestampMs: number, bodySha256: string): string {
  return `${method.toUpperCase()}\n${path}\n${timestampMs}\n${bodySha256}`;
}

export function requestSignature(
  secret: string,
  method: string,
  path: string,
  timestampMs: number,
  bodySha256: string,
): string {
  return createHmac('sha256', secret)
    .update(stringToSign(method, path, timestampMs, bodySha256))
    .digest('hex');
}

/** The two headers a till adds to a sync request. `body` must be the exact bytes sent. */
export function signRequest(
  till: TillCredentials,
  method: string,
  path: string,
  body: string | Uint8Array,
  nowMs: number,
): { authorization: string; [TIMESTAMP_HEADER]: string } {
  const ts = Math.floor(nowMs);
  const sig = requestSignature(till.secret, method, path, ts, sha256Hex(body));
  return { authorization: `Till ${till.tillId}:${sig}`, [TIMESTAMP_HEADER]: String(ts) };
}

/** `Till <tillId>:<hex>` -> parts; null when the header is not of that form. */
export function parseTillAuthorization(header: string | undefined): { tillId: string; signature: string } | null {
  const m = header ? /^Till ([A-Za-z0-9._-]{1,64}):([0-9a-f]{64})$/.exec(header.trim()) : null;
  return m ? { tillId: m[1] as string, signature: m[2] as string } : null;
}

/** Constant-time comparison, so a forger learns nothing from how long a refusal takes. */
export function verifySignature(
  secret: string,
  method: string,
  path: string,
  timestampMs: number,
  bodySha256: string,
  signatureHex: string,
): boolean {
  const expected = Buffer.from(requestSignature(secret, method, path, timestampMs, bodySha256), 'hex');
  const given = Buffer.from(signatureHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Head office's answers are signed back (issue 11, item 6): a 2xx answer to a sync request
 * carries `X-HQ-Signature: <hex HMAC-SHA256(secret, "answer\nSTATUS\nREQUEST_SIGNATURE\nsha256hex(BODY))>`
 * with the till's own secret. Binding the request's signature (unique per request: it covers
 * the timestamp) means a recorded answer cannot be served to a later request, so a man in the
 * middle cannot feed a till an old page, a made-up rule set or a forged card block without the
 * till's secret. A first step: with one key per till, head office and the till share it; an
 * Ed25519 key of head office's own would let a till verify without being able to sign.
 */
export const HQ_SIGNATURE_HEADER = 'x-hq-signature';

export function answerSignature(secret: string, status: number, requestSig: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret)
    .update(`answer\n${status}\n${requestSig}\n${sha256Hex(body)}`)
    .digest('hex');
}

export function verifyAnswer(
  secret: string,
  status: number,
  requestSig: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (!header || !/^[0-9a-f]{64}$/.test(header)) return false;
  const want = Buffer.from(answerSignature(secret, status, requestSig, body), 'hex');
  return timingSafeEqual(want, Buffer.from(header, 'hex'));
}
