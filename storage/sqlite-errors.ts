/** better-sqlite3's errors, classified once for the till's API and head office's. */
export function isSqliteError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === 'SqliteError' && typeof (e as { code?: unknown }).code === 'string';
}

/** A full disk or a failed write: the storage's fault, not the request's (507 storage_full). */
export function isStorageFull(e: unknown): boolean {
  return isSqliteError(e) && (e.code === 'SQLITE_FULL' || e.code === 'SQLITE_IOERR_WRITE' || e.code === 'SQLITE_IOERR');
}

/** The database file takes no writes (a read-only file or mount): 503, the till retries. */
export function isSqliteReadOnly(e: unknown): boolean {
  return isSqliteError(e) && e.code.startsWith('SQLITE_READONLY');
}
