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
import { createHash, createHmac, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
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
 * Head office's answers are signed back (issue 11, item 6) with an Ed25519 key only head
 * office holds (HQ_DATA_DIR/answer-key.pem); a till holds the public key (TILL_HQ_PUBLIC_KEY,
 * printed by `add-till` and `public-key`), so a till credential can verify answers but never
 * make one. A 2xx answer to a sync request carries
 *
 *   X-HQ-Signature: <base64 Ed25519 signature (64 bytes) over the answer string>
 *
 * | line | content                                                       |
 * | ---- | ------------------------------------------------------------- |
 * | 1    | `answer`                                                      |
 * | 2    | STATUS, the HTTP status in decimal (`200`)                    |
 * | 3    | REQUEST_SIGNATURE, the hex HMAC of the request's Authorization |
 * | 4    | sha256hex(BODY), BODY the answer's bytes as sent              |
 *
 * joined by `\n`, no trailing newline, signed as UTF-8 bytes (`sign(null, data, key)`).
 * Binding the request's signature (unique per request: it covers the timestamp) means a
 * recorded answer cannot be served to a later request. TILL_HQ_PUBLIC_KEY is the raw 32-byte
 * Ed25519 public key in standard base64 (44 characters, RFC 8032 encoding); while head office
 * rotates its key, the current and the next, comma-separated (parseHqPublicKeys): an answer
 * verifying with any one of them is head office's.
 */
export const HQ_SIGNATURE_HEADER = 'x-hq-signature';

export function answerString(status: number, requestSig: string, body: string | Uint8Array): string {
  return `answer\n${status}\n${requestSig}\n${sha256Hex(body)}`;
}

/** Head office's signature of an answer: base64 of the 64-byte Ed25519 signature. */
export function signAnswer(key: KeyObject, status: number, requestSig: string, body: string | Uint8Array): string {
  return sign(null, Buffer.from(answerString(status, requestSig, body), 'utf8'), key).toString('base64');
}

/** True only for head office's Ed25519 signature over exactly this answer to exactly this request. */
export function verifyAnswer(
  hqPublicKey: KeyObject,
  status: number,
  requestSig: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (!header || !/^[A-Za-z0-9+/]{86}==$/.test(header)) return false;
  const sig = Buffer.from(header, 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, Buffer.from(answerString(status, requestSig, body), 'utf8'), hqPublicKey, sig);
  } catch {
    return false;
  }
}

export class HqPublicKeyError extends Error {
  readonly code = 'bad_hq_public_key';
}

/** TILL_HQ_PUBLIC_KEY (base64 of the raw 32-byte key) -> a public KeyObject; throws HqPublicKeyError. */
export function parseHqPublicKey(text: string): KeyObject {
  return parseOneHqPublicKey(text.trim(), 'TILL_HQ_PUBLIC_KEY');
}

/**
 * TILL_HQ_PUBLIC_KEY as a list: one key, or while head office rotates its answer key the
 * current and the next, separated by commas (headoffice/README.md, "Rotating the answer key").
 * Every item must be a key: an empty one is refused too, since `$OLD,$NEXT` with one of them
 * unset would otherwise start a till that stops syncing only at the promotion.
 */
export function parseHqPublicKeys(text: string): KeyObject[] {
  const items = text.split(',').map((item) => item.trim());
  return items.map((item, i) => {
    const name = items.length === 1 ? 'TILL_HQ_PUBLIC_KEY' : `TILL_HQ_PUBLIC_KEY (key ${i + 1} of ${items.length})`;
    if (item === '') throw new HqPublicKeyError(`${name} is empty: give the keys separated by single commas`);
    return parseOneHqPublicKey(item, name);
  });
}

function parseOneHqPublicKey(t: string, name: string): KeyObject {
  const raw = /^[A-Za-z0-9+/]{43}=$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (!raw || raw.length !== 32) {
    throw new HqPublicKeyError(`${name} must be the 44-character base64 key \`add-till\` prints`);
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  } catch {
    throw new HqPublicKeyError(`${name} is not an Ed25519 public key`);
  }
}

/** The public half of head office's answer key as TILL_HQ_PUBLIC_KEY spells it. */
export function hqPublicKeyText(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new HqPublicKeyError('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}
