/**
 * How an accepted batch's body is held in `inbox.body_enc` until it is applied.
 *
 * DECISION: the body is kept as the bytes the till sent (its gzip, as tills upload it), sealed
 * with the field key, not re-serialised from the parsed batch. Re-serialising, converting and
 * encrypting about 1,150 bytes of JSON per entry and writing them durably took most of
 * accepting's time (`npm run bench -- hq_ingest`); the till's gzip is about 16 times smaller
 * and already made. The price is paid only where a body is read back rather than taken from the
 * accepting process's memory (another process applies it, or a restart does): it is inflated
 * and checked against the upload schema again, as on arrival.
 *
 * Sealed plaintext, by its first byte:
 * - `0x00`, then `g` (gzip) or `j` (identity), then the till's bytes: the wire form;
 * - anything else: the parsed batch's JSON, as written before the wire form (no JSON text
 *   starts with a NUL byte), read as it was written.
 */
import { gunzipSync } from 'node:zlib';
import { MAX_BODY_BYTES, UploadBatch } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';

/** An upload's body as it came over the wire: what the till signed. */
export interface WireBody {
  bytes: Buffer;
  coding: 'gzip' | 'identity';
}

const WIRE_FORM = 0x00;
const CODING_BYTE = { gzip: 0x67, identity: 0x6a } as const satisfies Record<WireBody['coding'], number>;

/** The blob for `inbox.body_enc`: the wire bytes when given, else the parsed batch's JSON. */
export function sealInboxBody(cipher: HqCipher, batch: UploadBatch, wire?: WireBody): Buffer {
  if (!wire) return cipher.encrypt(JSON.stringify(batch));
  return cipher.encryptBytes(Buffer.concat([Buffer.from([WIRE_FORM, CODING_BYTE[wire.coding]]), wire.bytes]));
}

/** The batch a sealed body holds; throws (the till's run is set aside) when it does not open. */
export function openInboxBody(cipher: HqCipher, blob: Buffer): UploadBatch {
  const { text, wire } = sealedText(cipher, blob);
  const json: unknown = JSON.parse(text);
  return wire ? UploadBatch.parse(json) : (json as UploadBatch);
}

/**
 * The text any blob sealed with the field key holds, an inbox body's wire form inflated; `wire`
 * says it came from a till as sent (not yet re-checked against the schema).
 */
export function sealedText(cipher: HqCipher, blob: Buffer): { text: string; wire: boolean } {
  const plain = cipher.decryptBytes(blob);
  if (plain[0] !== WIRE_FORM) return { text: plain.toString('utf8'), wire: false };
  const coding = plain[1];
  if (coding !== CODING_BYTE.gzip && coding !== CODING_BYTE.identity) {
    throw new Error(`inbox body of unknown coding ${String(coding)}`);
  }
  const bytes = plain.subarray(2);
  const json = coding === CODING_BYTE.gzip ? gunzipSync(bytes, { maxOutputLength: MAX_BODY_BYTES }) : bytes;
  return { text: json.toString('utf8'), wire: true };
}
