/**
 * First-run setup of the till's identity and secrets, kept in the data folder. Secrets are
 * written to owner-only files and never logged; the POS API key's file path is printed instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileDurably } from '../db/atomic.js';
import { join } from 'node:path';
import type { Db } from '../db/open.js';
import type { TillIdentity } from './context.js';
import { ConfigError, type TillConfig } from './config.js';

/** One prepared read per database: a sale reads the feed cursor (its basis) on every commit. */
const metaReads = new WeakMap<Db, ReturnType<Db['prepare']>>();

function meta(db: Db, key: string): string | null {
  let read = metaReads.get(db);
  if (!read) {
    read = db.prepare('SELECT value FROM meta WHERE key = ?');
    metaReads.set(db, read);
  }
  const r = read.get(key) as { value: string } | undefined;
  return r?.value ?? null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}

export function deleteMeta(db: Db, key: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(key);
}

export function getMeta(db: Db, key: string): string | null {
  return meta(db, key);
}

function remembered(db: Db, key: string, configured: string | null, make: () => string): string {
  const stored = meta(db, key);
  const value = configured ?? stored ?? make();
  if (value !== stored) setMeta(db, key, value);
  return value;
}

/**
 * A data folder belongs to the till it was first started as: its ledger is chained and signed
 * under that id, and head office would refuse those entries from another till. Starting it under
 * another TILL_ID (a pasted line from the wrong till, two tills sharing a folder) is refused
 * naming both. TILL_REPROVISION=1 lets the folder take the new id, but only while its ledger is
 * empty (a till started standalone or with the wrong id and corrected before its first entry);
 * with entries the fix is a fresh folder once the old till has uploaded (docs/decisions.md).
 */
function checkTillId(db: Db, config: TillConfig): void {
  const stored = meta(db, 'till_id');
  if (stored === null || config.tillId === null || config.tillId === stored) return;
  const what = `this data folder belongs to till ${stored}, but TILL_ID is ${config.tillId}`;
  if (!config.reprovision) {
    throw new ConfigError(
      `${what}. Use the TILL_ID this folder was created with, or another TILL_DATA_DIR for till ${config.tillId}; ` +
        'to re-provision a folder that has recorded nothing yet, set TILL_REPROVISION=1',
    );
  }
  const entries = (db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
  if (entries > 0) {
    throw new ConfigError(
      `${what}, and its ledger holds ${entries} entries recorded as till ${stored}: TILL_REPROVISION=1 cannot ` +
        `rename them. Start till ${config.tillId} with a fresh TILL_DATA_DIR once till ${stored} has uploaded`,
    );
  }
  // Head office knows the new till from nothing: upload every record again and read the feed from its start.
  db.prepare(
    "DELETE FROM meta WHERE key IN ('hq_ack_seq', 'hq_ack_outbox', 'hq_change_cursor', 'hq_change_cursor_at', 'last_sync_at')",
  ).run();
}

export function resolveIdentity(db: Db, config: TillConfig): TillIdentity {
  checkTillId(db, config);
  const tillId = remembered(db, 'till_id', config.tillId, () => `till-${randomBytes(3).toString('hex')}`);
  const storeId = remembered(db, 'store_id', config.storeId, () => 'store-1');
  // Member numbers embed this code; derived from the till id so re-provisioning keeps it stable.
  const tillCode = remembered(db, 'till_code', null, () => {
    const n = createHash('sha256').update(tillId).digest().readUInt32BE(0) % 100_000;
    return String(n).padStart(5, '0');
  });
  return { tillId, storeId, tillCode };
}

/** The POS key: from TILL_POS_API_KEY, or generated once into <dataDir>/pos-api-key (0600). */
export function resolvePosApiKey(
  dataDir: string,
  configured: string | null,
): { key: string; file: string; created: boolean } {
  const file = join(dataDir, 'pos-api-key');
  if (configured) return { key: configured, file, created: false };
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), file, created: false };
  const key = randomBytes(24).toString('base64url');
  writeFileDurably(file, `${key}\n`);
  return { key, file, created: true };
}

/**
 * The member-QR key a till before issue 11 kept in the database (meta `qr_key`), or null. It now
 * lives in keys.json with the other keys (main/db/crypto.ts); see forgetLegacyQrKey.
 */
export function legacyQrKey(db: Db): Buffer | null {
  const stored = meta(db, 'qr_key');
  return stored === null ? null : Buffer.from(stored, 'base64');
}

/**
 * Once keys.json holds the QR key, the database's copy goes, and its bytes with it: VACUUM
 * rewrites the file without the deleted row's remains and the checkpoint empties the WAL that
 * held the old pages. Runs once per till (the row is gone afterwards).
 */
export function forgetLegacyQrKey(db: Db): void {
  if (meta(db, 'qr_key') === null) return;
  db.prepare("DELETE FROM meta WHERE key = 'qr_key'").run();
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
