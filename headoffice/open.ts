/**
 * Opens head office's data folder: creates it owner-only, loads or creates keys.json and
 * the database, and installs the default programme on first start so a fresh head office
 * can recompute sales at once. Shared by the server and the CLI commands.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import { loadOrCreateKeys } from './crypto.js';
import type { Logger } from './log.js';
import { openSqliteStore } from './store/sqlite.js';
import type { HqStore } from './store/types.js';

export const KEYS_FILE = 'keys.json';
export const LOG_FILE = 'headoffice.log';

export async function openHeadOfficeStore(dataDir: string, log: Logger, now = new Date()): Promise<HqStore> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = openSqliteStore(dataDir, loadOrCreateKeys(join(dataDir, KEYS_FILE)), log);
  if (await store.seedRuleSet(DEFAULT_RULE_SET, now)) {
    log.log('info', 'ruleset_seeded', { version: DEFAULT_RULE_SET.version });
  }
  return store;
}
