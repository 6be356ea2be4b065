/** Appending to the change feed; every writer calls this inside its own transaction. */
import type { Change } from '../../core/sync/protocol.js';
import { get, type Sql, type SqlValue } from '../../storage/sql.js';

/** 'erasure' is not a row type: a member change of an erased member is sent as one (feed.ts). */
export type ChangeType = Exclude<Change['type'], 'erasure'>;

export function* appendChange(type: ChangeType, ref: string, payload: unknown, now: Date): Sql<number> {
  const r = yield* get<{ cursor: number }>(
    'INSERT INTO changes (type, ref, payload, created_at) VALUES (?, ?, ?, ?) RETURNING cursor',
    type,
    ref,
    JSON.stringify(payload),
    now.toISOString(),
  );
  return Number(r?.cursor);
}

/**
 * A change row for `insertMany('changes', CHANGE_COLUMNS, rows)`, for a writer that appends
 * several at once and needs none of their cursors: rows of one multi-row INSERT take their
 * cursors in the order given, as one appendChange after the other would.
 */
export const CHANGE_COLUMNS = ['type', 'ref', 'payload', 'created_at'] as const;

export function changeRow(type: ChangeType, ref: string, payload: unknown, now: Date): SqlValue[] {
  return [type, ref, JSON.stringify(payload), now.toISOString()];
}
