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
  /** verifies signed member QR codes (core/cards); kept here, not in the database, since issue 11 */
  qrKey: Buffer;
}

const VERSION = 1;

export class KeysError extends Error {
  readonly code = 'keys_unusable';
}

interface StoredKeys {
  dataKey: Buffer;
  lookupKey: Buffer;
  qrKey: Buffer | null;
}

function key32(raw: unknown): Buffer {
  return typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
}

function readKeys(file: string): StoredKeys {
  let raw: { dataKey?: unknown; lookupKey?: unknown; qrKey?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
  } catch {
    throw new KeysError(`${file} is damaged; restore it from the backup taken with the database`);
  }
  const dataKey = key32(raw.dataKey);
  const lookupKey = key32(raw.lookupKey);
  if (dataKey.length !== 32 || lookupKey.length !== 32) {
    throw new KeysError(`${file} does not hold two 32-byte keys; restore it from the backup taken with the database`);
  }
  const qrKey = raw.qrKey === undefined ? null : key32(raw.qrKey);
  if (qrKey && qrKey.length !== 32) throw new KeysError(`${file}: qrKey is not a 32-byte key`);
  return { dataKey, lookupKey, qrKey };
}

function writeKeys(file: string, k: TillKeys): void {
  writeFileDurably(
    file,
    JSON.stringify({
      dataKey: k.dataKey.toString('base64'),
      lookupKey: k.lookupKey.toString('base64'),
      qrKey: k.qrKey.toString('base64'),
    }),
  );
}

/**
 * Loads the till's keys, or creates them on first run. New keys are never made for a
 * database that already holds members: their personal data would become unreadable and their
 * phone numbers unfindable, so the till refuses to start and says to restore keys.json.
 *
 * `legacyQrKey`: the member-QR key an older till kept in the database (meta `qr_key`). A key
 * file without `qrKey` takes it (QR codes issued before stay valid), or a new one when there is
 * none; the caller then deletes it from the database.
 */
export function loadOrCreateKeys(
  file: string,
  opts: { databaseHasMembers: boolean; legacyQrKey?: Buffer | null },
): TillKeys {
  if (existsSync(file)) {
    const stored = readKeys(file);
    if (stored.qrKey) return { ...stored, qrKey: stored.qrKey };
    const keys = { ...stored, qrKey: opts.legacyQrKey ?? randomBytes(32) };
    writeKeys(file, keys);
    return keys;
  }
  if (opts.databaseHasMembers) {
    throw new KeysError(`${file} is missing but the database holds members; restore keys.json from backup`);
  }
  const keys = { dataKey: randomBytes(32), lookupKey: randomBytes(32), qrKey: opts.legacyQrKey ?? randomBytes(32) };
  writeKeys(file, keys);
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
