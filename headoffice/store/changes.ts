/** Appending to the change feed; every writer calls this inside its own transaction. */
import type { Change } from '../../core/sync/protocol.js';
import { get, type Sql } from '../../storage/sql.js';

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
