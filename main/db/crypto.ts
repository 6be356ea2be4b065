/**
 * Personal data at rest (DOMAIN.md 10): AES-256-GCM per field, and a keyed hash for phone
 * lookup so the plaintext number never sits in an index. Keys live in the data folder with
 * owner-only permissions, never in the repo or the logs.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from './atomic.js';

export interface TillKeys {
  dataKey: Buffer;
  lookupKey: Buffer;
}

const VERSION = 1;

export class KeysError extends Error {
  readonly code = 'keys_unusable';
}

/**
 * Loads the personal-data keys, or creates them on first run. New keys are never made for a
 * database that already holds members: their personal data would become unreadable and their
 * phone numbers unfindable, so the till refuses to start and says to restore keys.json.
 */
export function loadOrCreateKeys(file: string, opts: { databaseHasMembers: boolean }): TillKeys {
  if (existsSync(file)) {
    let raw: { dataKey?: unknown; lookupKey?: unknown };
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
    } catch {
      throw new KeysError(`${file} is damaged; restore it from the backup taken with the database`);
    }
    const dataKey = typeof raw.dataKey === 'string' ? Buffer.from(raw.dataKey, 'base64') : Buffer.alloc(0);
    const lookupKey = typeof raw.lookupKey === 'string' ? Buffer.from(raw.lookupKey, 'base64') : Buffer.alloc(0);
    if (dataKey.length !== 32 || lookupKey.length !== 32) {
      throw new KeysError(`${file} does not hold two 32-byte keys; restore it from the backup taken with the database`);
    }
    return { dataKey, lookupKey };
  }
  if (opts.databaseHasMembers) {
    throw new KeysError(`${file} is missing but the database holds members; restore keys.json from backup`);
  }
  const keys = { dataKey: randomBytes(32), lookupKey: randomBytes(32) };
  writeFileDurably(
    file,
    JSON.stringify({ dataKey: keys.dataKey.toString('base64'), lookupKey: keys.lookupKey.toString('base64') }),
  );
  return keys;
}

export class FieldCipher {
  constructor(private readonly keys: TillKeys) {}

  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys.dataKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, c.getAuthTag(), body]);
  }

  decrypt(blob: Buffer): string {
    if (blob[0] !== VERSION) throw new Error('unknown personal-data envelope version');
    const iv = blob.subarray(1, 13);
    const tag = blob.subarray(13, 29);
    const d = createDecipheriv('aes-256-gcm', this.keys.dataKey, iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(blob.subarray(29)), d.final()]).toString('utf8');
  }

  /** Stands in for an erased member's phone hash: unique, and no phone number hashes to it. */
  erasedHash(memberNo: string): Buffer {
    return createHmac('sha256', this.keys.lookupKey).update(`erased:${memberNo}`).digest();
  }

  phoneHash(normalisedPhone: string): Buffer {
    return createHmac('sha256', this.keys.lookupKey).update(`phone:${normalisedPhone}`).digest();
  }
}

/** Staff PINs: scrypt with a per-staff salt; compared in constant time. */
export function hashPin(pin: string, salt = randomBytes(16)): { hash: Buffer; salt: Buffer } {
  return { hash: scryptSync(pin, salt, 32), salt };
}

export function verifyPin(pin: string, hash: Buffer, salt: Buffer): boolean {
  const h = scryptSync(pin, salt, 32);
  return h.length === hash.length && timingSafeEqual(h, hash);
}
