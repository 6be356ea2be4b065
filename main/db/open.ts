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
  migrate(db);
  return db;
}
