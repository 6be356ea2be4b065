/**
 * Every head-office process of a chain must hold the same keys: keys.json seals personal fields
 * and till secrets and hashes phones, answer-key.pem signs the answers tills verify, and
 * member-qr.key signs the member page's QR codes. A process started on a data folder with keys
 * of its own (a new folder, a copy missed) would write rows the others cannot open and sign
 * what tills refuse, behind a load balancer one request in N. So the database records which
 * keys it is written with (fingerprints: HMACs of a fixed text, and the answer key's public
 * half, none of which tells a key) and a store opens only with the same keys.
 */
import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { hqPublicKeyText } from '../core/sync/sign.js';
import type { HqKeys } from './crypto.js';
import type { HqStore } from './store/types.js';

export const KEY_FINGERPRINTS_META = 'key_fingerprints';

export interface KeyFingerprints {
  /** keys.json: both keys */
  fields: string;
  /** answer-key.pem: its public half, as tills hold it */
  answer: string;
  /** member-qr.key */
  memberQr: string;
}

/** The keys a deliberate rotation may change (the database then records the new ones). */
export type RotatableKey = 'answer' | 'memberQr';

const CHECK_TEXT = 'till-loyalty head-office key check v1';

function mac(key: Buffer): string {
  return createHmac('sha256', key).update(CHECK_TEXT).digest('hex').slice(0, 32);
}

export function keyFingerprints(keys: HqKeys, answerKey: KeyObject, memberQrKey: Buffer): KeyFingerprints {
  return {
    fields: createHash('sha256').update(mac(keys.dataKey)).update(mac(keys.lookupKey)).digest('hex').slice(0, 32),
    answer: hqPublicKeyText(answerKey),
    memberQr: mac(memberQrKey),
  };
}

const FILES: Record<keyof KeyFingerprints, string> = {
  fields: 'keys.json',
  answer: 'answer-key.pem',
  memberQr: 'member-qr.key',
};

const REMEDY: Record<keyof KeyFingerprints, string> = {
  fields:
    "copy keys.json from a data folder of a process that runs on this database (or the backup taken with it): without it the database's personal fields and till secrets cannot be opened",
  answer:
    "copy answer-key.pem from a process that runs on this database; during a rotation, run promote-answer-key in this data folder too (headoffice/README.md, 'Rotating the answer key')",
  memberQr:
    "copy member-qr.key from a process that runs on this database; after a deliberate rotation, run `npm run headoffice -- record-keys` once in the data folder holding the new key, then copy it to every process's folder",
};

export class KeysDifferError extends Error {
  readonly code = 'keys_differ';
  constructor(readonly keys: (keyof KeyFingerprints)[]) {
    super(
      `this data folder's ${keys.map((k) => FILES[k]).join(' and ')} ${keys.length === 1 ? 'differs' : 'differ'} ` +
        `from the keys this database was written with: ${keys.map((k) => REMEDY[k]).join('; ')}`,
    );
  }
}

/**
 * The keys of this data folder against those the database records (recorded now when it
 * records none: a new database, or one from before this check). `adopt`: keys a deliberate
 * rotation changed, recorded as the database's from now on instead of checked. Throws
 * KeysDifferError naming every key that differs.
 */
export async function checkKeys(
  store: HqStore,
  mine: KeyFingerprints,
  adopt: readonly RotatableKey[] = [],
): Promise<void> {
  // Read first: a write would make every other process distrust its caches (store/cache.ts).
  const held =
    (await store.getMeta(KEY_FINGERPRINTS_META)) ??
    (await store.claimMeta(KEY_FINGERPRINTS_META, JSON.stringify(mine)));
  const recorded = JSON.parse(held) as KeyFingerprints;
  const differ = (Object.keys(FILES) as (keyof KeyFingerprints)[]).filter(
    (k) => recorded[k] !== mine[k] && !(adopt as readonly string[]).includes(k),
  );
  if (differ.length > 0) throw new KeysDifferError(differ);
  const adopted = adopt.filter((k) => recorded[k] !== mine[k]);
  if (adopted.length > 0)
    await store.setMeta(KEY_FINGERPRINTS_META, JSON.stringify({ ...recorded, ...pick(mine, adopted) }));
}

function pick(f: KeyFingerprints, keys: readonly RotatableKey[]): Partial<KeyFingerprints> {
  return Object.fromEntries(keys.map((k) => [k, f[k]]));
}
