/**
 * What a store step knows of the database it runs on, besides the SQL it yields: which one,
 * and an identity that outlives transactions, which in-process caches key on (cache.ts).
 * One per store instance.
 */
import type { Dialect } from '../../storage/sql.js';

export interface Tx {
  readonly dialect: Dialect;
}
