/**
 * Head office's member-QR keys at the till (docs/member-page.md "The QR code and its key"):
 * fetched by the sync service (`GET /v1/sync/member-qr-key`), kept in `hq-qr-keys.json` in the
 * data folder (0600, written durably like keys.json), each key AES-256-GCM encrypted under the
 * till's data key (main/db/crypto.ts FieldCipher), never in the database: a copy of till.db, or
 * of this file alone, holds no usable key. `current` and `previous`: when head office rotates
 * (a new kid), the key in use becomes `previous`, so codes the member page made a moment before
 * the rotation still scan; a fetch of the same kid changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { memberQrKeyId } from '../../core/sync/memberqrkey.js';
import { writeFileDurably } from './atomic.js';
import type { FieldCipher } from './crypto.js';

export const HQ_QR_KEYS_FILE = 'hq-qr-keys.json';

const StoredKey = z.strictObject({ kid: z.string(), key: z.string(), at: z.string() });
const Stored = z.strictObject({ v: z.literal(1), current: StoredKey, previous: StoredKey.nullable() });

export interface HqQrKey {
  kid: string;
  key: Buffer;
  /** when this till first took the key */
  at: string;
}

export class HqQrKeyStore {
  private current: HqQrKey | null = null;
  private previous: HqQrKey | null = null;

  /** Reads the file if there is one; a damaged file is logged by the caller and treated as none (head office sends it again). */
  constructor(
    private readonly file: string,
    private readonly cipher: FieldCipher,
  ) {
    if (!existsSync(file)) return;
    const raw = Stored.parse(JSON.parse(readFileSync(file, 'utf8')));
    this.current = this.open(raw.current);
    this.previous = raw.previous ? this.open(raw.previous) : null;
  }

  private open(s: z.output<typeof StoredKey>): HqQrKey {
    const key = Buffer.from(this.cipher.decrypt(Buffer.from(s.key, 'base64')), 'base64');
    if (key.length !== 32 || memberQrKeyId(key) !== s.kid) throw new Error(`${this.file}: key ${s.kid} is damaged`);
    return { kid: s.kid, key, at: s.at };
  }

  private seal(k: HqQrKey): z.output<typeof StoredKey> {
    return { kid: k.kid, key: this.cipher.encrypt(k.key.toString('base64')).toString('base64'), at: k.at };
  }

  /** The keys a scanned code may be signed with, newest first. */
  keys(): Buffer[] {
    return [this.current, this.previous].flatMap((k) => (k ? [k.key] : []));
  }

  kids(): { current: string | null; previous: string | null } {
    return { current: this.current?.kid ?? null, previous: this.previous?.kid ?? null };
  }

  /** Takes head office's key; true when it was new (a first fetch or a rotation). */
  put(key: Buffer, at: string): boolean {
    const kid = memberQrKeyId(key);
    if (this.current?.kid === kid) return false;
    // Head office rolled back to the previous key: swap, so both stay accepted.
    const next: HqQrKey = this.previous?.kid === kid ? this.previous : { kid, key: Buffer.from(key), at };
    const previous = this.current;
    writeFileDurably(
      this.file,
      JSON.stringify({ v: 1, current: this.seal(next), previous: previous ? this.seal(previous) : null }),
    );
    this.current = next;
    this.previous = previous;
    return true;
  }
}
