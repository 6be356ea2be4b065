/**
 * Head office's keys (HQ_DATA_DIR/keys.json, owner-only): one AES-256-GCM key for personal
 * fields and till secrets at rest, one HMAC key for lookup hashes. The database alone is
 * useless without the key file, so a copied database does not leak members or let anyone
 * sign as a till.
 *
 * Beside it, HQ_DATA_DIR/answer-key.pem (owner-only, PKCS#8 PEM): the Ed25519 key head office
 * signs its answers to tills with (core/sync/sign.ts signAnswer). Its public half is what
 * `add-till` prints as TILL_HQ_PUBLIC_KEY; the private key is never printed or logged. While
 * a rotation is under way the next key waits beside it in answer-key.next.pem (answer-key.ts).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, writeFileSync } from 'node:fs';

export interface HqKeys {
  dataKey: Buffer;
  lookupKey: Buffer;
}

const ENVELOPE_VERSION = 1;

function readKeys(file: string): HqKeys {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { dataKey?: string; lookupKey?: string };
  const dataKey = Buffer.from(raw.dataKey ?? '', 'base64');
  const lookupKey = Buffer.from(raw.lookupKey ?? '', 'base64');
  if (dataKey.length !== 32 || lookupKey.length !== 32) throw new Error(`${file} does not hold two 32-byte keys`);
  return { dataKey, lookupKey };
}

/** Creates the file on first use ('wx': two processes starting at once cannot both write one). */
export function loadOrCreateKeys(file: string): HqKeys {
  const keys = { dataKey: randomBytes(32), lookupKey: randomBytes(32) };
  try {
    writeFileSync(
      file,
      JSON.stringify({ dataKey: keys.dataKey.toString('base64'), lookupKey: keys.lookupKey.toString('base64') }),
      { mode: 0o600, flag: 'wx' },
    );
    return keys;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Someone widened the permissions (a backup restore, a copy): narrow them again.
  if (process.platform !== 'win32') chmodSync(file, 0o600);
  return readKeys(file);
}

/**
 * Head office's answer-signing key: created at first start ('wx': of two processes starting
 * at once, one writes and both read the one written), narrowed to 0600 on every load. Losing
 * it means every till needs the new TILL_HQ_PUBLIC_KEY, so it is backed up with keys.json.
 */
export function loadOrCreateAnswerKey(file: string): KeyObject {
  return createAnswerKeyFile(file) ?? readAnswerKeyFile(file);
}

/**
 * A new Ed25519 key written to `file` (0600, 'wx') and flushed to disk, or null when the file
 * exists. Flushed because a staged key is later renamed over answer-key.pem
 * (answer-key.ts): a crash must not leave head office with an empty key file there.
 */
export function createAnswerKeyFile(file: string): KeyObject | null {
  const { privateKey } = generateKeyPairSync('ed25519');
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  try {
    writeFileSync(fd, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return privateKey;
}

/** The Ed25519 private key in `file`, narrowed to 0600 first (a restore or a copy may have widened it). */
export function readAnswerKeyFile(file: string): KeyObject {
  if (process.platform !== 'win32') chmodSync(file, 0o600);
  const key = createPrivateKey(readFileSync(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} does not hold an Ed25519 private key`);
  return key;
}

export class HqCipher {
  constructor(private readonly keys: HqKeys) {}

  encrypt(plain: string): Buffer {
    return this.encryptBytes(Buffer.from(plain, 'utf8'));
  }

  decrypt(blob: Buffer): string {
    return this.decryptBytes(blob).toString('utf8');
  }

  encryptBytes(plain: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keys.dataKey, iv);
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([Buffer.from([ENVELOPE_VERSION]), iv, c.getAuthTag(), body]);
  }

  decryptBytes(blob: Buffer): Buffer {
    if (blob[0] !== ENVELOPE_VERSION) throw new Error('unknown envelope version');
    const d = createDecipheriv('aes-256-gcm', this.keys.dataKey, blob.subarray(1, 13));
    d.setAuthTag(blob.subarray(13, 29));
    return Buffer.concat([d.update(blob.subarray(29)), d.final()]);
  }

  /** Keyed hash: equal inputs match, but the hash reveals nothing without the key. */
  mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.keys.lookupKey).update(`${purpose}:${value}`).digest();
  }
}
