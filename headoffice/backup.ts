/**
 * `npm run headoffice -- backup --to <file>`: a consistent copy of the embedded SQLite
 * database while head office serves (SQLite's online backup), checked before it takes its name.
 * On PostgreSQL the database's own tools back it up (headoffice/README.md, "Backups").
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HQ_TILL_ID } from './domain/decisions.js';
import { DB_FILE } from './store/sqlite.js';

export class BackupError extends Error {
  constructor(
    readonly code: 'on_postgres' | 'no_database' | 'check_failed',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupReport {
  file: string;
  bytes: number;
  ledgerEntries: number;
  members: number;
  tills: number;
}

/**
 * DECISION: the copy is written beside its destination and renamed over it only once SQLite's
 * quick check passed, so a nightly job that always writes the same name never leaves a
 * half-written or corrupt file there, and the last good copy stays until a new one is good.
 * The keys (keys.json, answer-key.pem) are not in it: they are kept apart (README, "Backups").
 */
export async function backupSqlite(dataDir: string, to: string): Promise<BackupReport> {
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source)) throw new BackupError('no_database', `no head-office database at ${source}`);
  const partial = `${to}.partial-${process.pid}`;
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      await db.backup(partial);
    } finally {
      db.close();
    }
    selfContained(partial);
    const report = checked(partial);
    renameSync(partial, to);
    return { ...report, file: to };
  } finally {
    rmSync(partial, { force: true });
  }
}

/** The copy as one file: out of WAL mode, so restoring it is copying it (no -wal or -shm beside it). */
function selfContained(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

function checked(file: string): BackupReport {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError('check_failed', `the copy failed SQLite's check: ${String(check)}`);
    const count = (table: string): number =>
      (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      file,
      bytes: statSync(file).size,
      ledgerEntries: count('ledger'),
      members: count('members'),
      tills: (copy.prepare('SELECT count(*) AS n FROM tills WHERE till_id <> ?').get(HQ_TILL_ID) as { n: number }).n,
    };
  } finally {
    copy.close();
  }
}
