/**
 * Opens head office's data folder: creates it owner-only, loads or creates keys.json and
 * the database (the embedded SQLite file in the folder, or the PostgreSQL database at
 * `databaseUrl`, which several head-office processes may share: each needs the same
 * keys.json, answer-key.pem and member-qr.key, key-check.ts), and installs the default programme on first start so a fresh head office
 * can recompute sales at once; openAnswerKey loads or creates answer-key.pem. Shared by the
 * server and the CLI commands.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import type { KeyObject } from 'node:crypto';
import { loadOrCreateAnswerKey, loadOrCreateKeys } from './crypto.js';
import { checkKeys, keyFingerprints, KeysDifferError, type RotatableKey } from './key-check.js';
import type { Logger } from './log.js';
import { loadOrCreateMemberQrKey } from './member-qr-key.js';
import { PgHqStore } from './store/pg.js';
import { openSqliteStore } from './store/sqlite.js';
import type { HqStore } from './store/types.js';

export const KEYS_FILE = 'keys.json';
export const LOG_FILE = 'headoffice.log';
export const ANSWER_KEY_FILE = 'answer-key.pem';

/** Head office's Ed25519 answer-signing key (crypto.ts), created in the data folder at first use. */
export function openAnswerKey(dataDir: string): KeyObject {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return loadOrCreateAnswerKey(join(dataDir, ANSWER_KEY_FILE));
}

/**
 * `adopt`: keys a deliberate rotation changed in this data folder, recorded as the database's
 * instead of checked against it (key-check.ts); every other key must be the one the database
 * was written with (KeysDifferError otherwise, the store closed again).
 */
export async function openHeadOfficeStore(
  where: { dataDir: string; databaseUrl?: string | null },
  log: Logger,
  now = new Date(),
  adopt: readonly RotatableKey[] = [],
): Promise<HqStore> {
  const { dataDir, databaseUrl } = where;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keys = loadOrCreateKeys(join(dataDir, KEYS_FILE));
  const store = databaseUrl ? await PgHqStore.open(databaseUrl, keys, log) : openSqliteStore(dataDir, keys, log);
  try {
    await checkKeys(store, keyFingerprints(keys, openAnswerKey(dataDir), loadOrCreateMemberQrKey(dataDir)), adopt);
  } catch (e) {
    if (e instanceof KeysDifferError) log.log('error', 'keys_differ', { keys: e.keys });
    await store.close();
    throw e;
  }
  if (await store.seedRuleSet(DEFAULT_RULE_SET, now)) {
    log.log('info', 'ruleset_seeded', { version: DEFAULT_RULE_SET.version });
  }
  return store;
}
