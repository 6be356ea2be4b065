/**
 * Opens the till's database: WAL with synchronous=FULL, so a sale acknowledged to the POS
 * is on disk before the answer leaves (ARCHITECTURE.md, Data).
 */
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // With recursive triggers the rows a REPLACE conflict deletes fire DELETE triggers, so
  // `INSERT OR REPLACE INTO ledger` cannot overwrite an entry past the append-only trigger.
  db.pragma('recursive_triggers = ON');
  try {
    migrate(db);
  } catch (e) {
    // A refused database (e.g. from a newer till) is not left open and locked.
    db.close();
    throw e;
  }
  return db;
}
