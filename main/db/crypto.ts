/**
 * Personal data at rest (DOMAIN.md 10): AES-256-GCM per field, and a keyed hash for phone
 * lookup so the plaintext number never sits in an index. Keys live in the data folder with
 * owner-only permissions, never in the repo or the logs.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface TillKeys {
  dataKey: Buffer;
  lookupKey: Buffer;
}

const VERSION = 1;

export function loadOrCreateKeys(file: string): TillKeys {
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { dataKey: string; lookupKey: string };
    return { dataKey: Buffer.from(raw.dataKey, 'base64'), lookupKey: Buffer.from(raw.lookupKey, 'base64') };
  }
  const keys = { dataKey: randomBytes(32), lookupKey: randomBytes(32) };
  writeFileSync(
    file,
    JSON.stringify({ dataKey: keys.dataKey.toString('base64'), lookupKey: keys.lookupKey.toString('base64') }),
    { mode: 0o600, flag: 'wx' },
  );
  chmodSync(file, 0o600);
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
