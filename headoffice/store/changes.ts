/** Appending to the change feed; every writer calls this inside its own transaction. */
import type { Change } from '../../core/sync/protocol.js';
import { q, type Db } from './sqlite-db.js';

/** 'erasure' is not a row type: a member change of an erased member is sent as one (feed.ts). */
export type ChangeType = Exclude<Change['type'], 'erasure'>;

export function appendChange(db: Db, type: ChangeType, ref: string, payload: unknown, now: Date): number {
  const r = q(db, 'INSERT INTO changes (type, ref, payload, created_at) VALUES (?, ?, ?, ?)').run(
    type,
    ref,
    JSON.stringify(payload),
    now.toISOString(),
  );
  return Number(r.lastInsertRowid);
}
