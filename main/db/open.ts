/**
 * Opens the till's database: WAL with synchronous=FULL, so a sale acknowledged to the POS
 * is on disk before the answer leaves (ARCHITECTURE.md, Data). The file is the owner's alone
 * (0600, and its -wal/-shm with it: files.ts).
 */
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createOwnerOnly, FILE_MODE } from './files.js';
import { loadMigrations, migrate } from '../../storage/migrate.js';
import { TILL_MIGRATIONS_DIR } from './migrations-dir.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ':memory:') createOwnerOnly(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  narrowSidecars(file);
  db.pragma('synchronous = FULL');
  // A member's erased or re-sealed fields leave no readable copy in freed pages (DOMAIN.md 10).
  db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // With recursive triggers the rows a REPLACE conflict deletes fire DELETE triggers, so
  // `INSERT OR REPLACE INTO ledger` cannot overwrite an entry past the append-only trigger.
  db.pragma('recursive_triggers = ON');
  try {
    migrate(db, loadMigrations(TILL_MIGRATIONS_DIR));
  } catch (e) {
    // A refused database (e.g. from a newer till) is not left open and locked.
    db.close();
    throw e;
  }
  return db;
}

/** -wal/-shm left by an older till keep their old mode until narrowed; new ones follow the database. */
function narrowSidecars(file: string): void {
  if (file === ':memory:' || process.platform === 'win32') return;
  for (const suffix of ['-wal', '-shm']) {
    try {
      chmodSync(`${file}${suffix}`, FILE_MODE);
    } catch {
      // not there (yet): SQLite creates it with the database file's mode
    }
  }
}
