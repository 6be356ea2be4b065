/**
 * Head office's member-QR key, issued to each till (issue 15 item 4: "a dynamic signed QR member
 * code that every till's scanner accepts in place of a card"; docs/member-page.md "The QR code
 * and its key"). Head office signs the member page's codes with one chain key
 * (HQ_DATA_DIR/member-qr.key); every till fetches it over `GET /v1/sync/member-qr-key` (a
 * till-signed request, an Ed25519-signed answer) sealed to that till alone:
 *
 * | step      | value                                                                          |
 * | --------- | ------------------------------------------------------------------------------ |
 * | key       | HKDF-SHA256(ikm = the till secret's UTF-8 bytes, salt = empty, info = `hq-member-qr-key-v1`, 32 bytes) |
 * | cipher    | AES-256-GCM, 16-byte tag, 12 random bytes of nonce per answer                  |
 * | AAD       | UTF-8 of `<tillId>\n<kid>\nmember-qr-key`                                      |
 * | plaintext | the 32 raw key bytes                                                            |
 * | kid       | the first 16 hex digits of SHA-256(`member-qr-kid-v1\n` ‖ key): names the key, reveals nothing of it |
 *
 * The info string differs from the personal fields' (`hq-feed-personal-v1`), so the two keys
 * derived from one secret are independent. The AAD binds the ciphertext to the till and the key
 * id: another till's answer, or a kid swapped in transit, does not open (MemberQrKeyError).
 * node:crypto here is pure computation, which core/ allows (see sign.ts).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { SealedMemberQrKey } from './protocol.js';

export const MEMBER_QR_KEY_INFO = 'hq-member-qr-key-v1';
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** An answer that does not open with this till's secret (tampered, or sealed to another till). */
export class MemberQrKeyError extends Error {
  readonly code = 'member_qr_key_unreadable';
  constructor() {
    super("head office's member-QR key cannot be opened with this till's secret");
    this.name = 'MemberQrKeyError';
  }
}

/** The key id: a fingerprint head office and tills compare to notice a rotation. */
export function memberQrKeyId(key: Uint8Array): string {
  return createHash('sha256').update('member-qr-kid-v1\n').update(key).digest('hex').slice(0, 16);
}

/** The AES-256-GCM key sealing the member-QR key to one till. */
export function memberQrSealKey(tillSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(tillSecret, 'utf8'), Buffer.alloc(0), MEMBER_QR_KEY_INFO, 32));
}

function aad(tillId: string, kid: string): Buffer {
  return Buffer.from(`${tillId}\n${kid}\nmember-qr-key`, 'utf8');
}

export function sealMemberQrKey(tillId: string, tillSecret: string, key: Uint8Array): SealedMemberQrKey {
  if (key.length !== KEY_BYTES) throw new RangeError('the member-QR key must be 32 bytes');
  const kid = memberQrKeyId(key);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', memberQrSealKey(tillSecret), nonce);
  c.setAAD(aad(tillId, kid));
  const body = Buffer.concat([c.update(key), c.final(), c.getAuthTag()]);
  return { kid, nonce: nonce.toString('base64'), ciphertext: body.toString('base64') };
}

/** The raw key; MemberQrKeyError when it does not open or is not the key its kid names. */
export function openMemberQrKey(tillId: string, tillSecret: string, sealed: SealedMemberQrKey): Buffer {
  let key: Buffer;
  try {
    const nonce = Buffer.from(sealed.nonce, 'base64');
    const body = Buffer.from(sealed.ciphertext, 'base64');
    if (nonce.length !== 12 || body.length !== KEY_BYTES + TAG_BYTES) throw new Error('short');
    const d = createDecipheriv('aes-256-gcm', memberQrSealKey(tillSecret), nonce);
    d.setAAD(aad(tillId, sealed.kid));
    d.setAuthTag(body.subarray(KEY_BYTES));
    key = Buffer.concat([d.update(body.subarray(0, KEY_BYTES)), d.final()]);
  } catch {
    throw new MemberQrKeyError();
  }
  if (memberQrKeyId(key) !== sealed.kid) throw new MemberQrKeyError();
  return key;
}
