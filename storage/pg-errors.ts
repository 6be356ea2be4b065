/**
 * PostgreSQL's errors (the pg driver's DatabaseError and its SQLSTATE), classified once for
 * head office, as sqlite-errors.ts does for better-sqlite3:
 *
 *   SQLSTATE  name                   meaning here
 *   53100     disk_full              storage full: 507 storage_full, like SQLITE_FULL
 *   58030     io_error               a failed read or write of a data file: storage, like
 *                                    SQLITE_IOERR (507 storage_full)
 *   40001     serialization_failure  retry the whole transaction
 *   40P01     deadlock_detected      retry the whole transaction
 *   23505     unique_violation       the caller's key exists (expected cases use ON CONFLICT)
 *   25006     read_only_sql_transaction  the server takes no writes: a replica, or the old
 *                                    primary after a failover (503 database_read_only)
 *
 * 53200 out_of_memory and 53300 too_many_connections are the server's resources, not the
 * disk's: they are not storage_full (a 507 tells the till to stop uploading until an operator
 * frees space) but ordinary server errors, which the till retries anyway.
 */
import pg from 'pg';

export type PgError = Error & { code: string };

/** An error the server sent (with a SQLSTATE), not a connection or driver error. */
export function isPgError(e: unknown): e is PgError {
  if (!(e instanceof Error)) return false;
  if (e instanceof pg.DatabaseError) return typeof e.code === 'string';
  const x = e as { code?: unknown; severity?: unknown };
  return typeof x.code === 'string' && typeof x.severity === 'string' && /^[0-9A-Z]{5}$/.test(x.code);
}

export function pgSqlState(e: unknown): string | undefined {
  return isPgError(e) ? e.code : undefined;
}

/** A full disk or a failed write: the storage's fault, not the request's (507 storage_full). */
export function isPgStorageFull(e: unknown): boolean {
  const s = pgSqlState(e);
  return s === '53100' || s === '58030';
}

/** A serialization failure or deadlock: running the whole transaction again may succeed. */
export function isPgRetryable(e: unknown): boolean {
  const s = pgSqlState(e);
  return s === '40001' || s === '40P01';
}

export function isPgUniqueViolation(e: unknown): boolean {
  return pgSqlState(e) === '23505';
}

/** The server takes no writes: HQ_DATABASE_URL leads to a replica (a failover moved the primary). */
export function isPgReadOnly(e: unknown): boolean {
  return pgSqlState(e) === '25006';
}
