/** The `meta` table's small settings and records (the end-of-day date, targets, key fingerprints). */
import { get, type Sql } from '../../storage/sql.js';

/** The value kept under `key`, null when none is. */
export function* metaValue(key: string): Sql<string | null> {
  const r = (yield* get('SELECT value FROM meta WHERE key = ?', key)) as { value: string } | undefined;
  return r?.value ?? null;
}
