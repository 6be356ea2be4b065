/**
 * The till's files are the owner's alone (DOMAIN.md 10, issue 11 finding 8): the data folder is
 * 0700 and every file in it that holds secrets or personal data (the database and its -wal/-shm,
 * keys.json, pos-api-key, the log) is 0600, both when created and on every start (a folder
 * created wider by hand, or by an older till, is narrowed).
 *
 * SQLite creates a database with 0644 and gives the -wal and -shm it creates the mode of the
 * database file, so creating the database file empty with 0600 first is enough for all three.
 * Windows has no such modes: the per-user app-data folder's ACL protects the files there.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

/** Files of the data folder narrowed on start when they exist. */
export const OWNER_ONLY_FILES = ['till.db', 'till.db-wal', 'till.db-shm', 'keys.json', 'pos-api-key', 'till.log'];

/** Creates the data folder 0700, or narrows an existing one, and narrows the files already in it. */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (!POSIX) return;
  chmodSync(dir, DIR_MODE);
  for (const name of OWNER_ONLY_FILES) narrow(join(dir, name));
}

/** A file that does not exist yet is created empty with 0600, so whoever fills it keeps that mode. */
export function createOwnerOnly(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', FILE_MODE));
  narrow(file);
}

function narrow(file: string): void {
  if (POSIX && existsSync(file)) chmodSync(file, FILE_MODE);
}
