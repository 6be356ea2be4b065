/** Named operators (migration 009): credentials kept as SHA-256 digests, looked up by digest. */
import type { OperatorRole } from '../auth/operator.js';
import { get, run, type Sql } from '../../storage/sql.js';

export function* addOperator(
  op: { id: string; role: OperatorRole; tokenDigest: Buffer; createdBy: string },
  now: Date,
): Sql<'added' | 'exists'> {
  const r = yield* run(
    `INSERT INTO operators (operator_id, role, token_sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    op.id,
    op.role,
    op.tokenDigest,
    now.toISOString(),
    op.createdBy,
  );
  return r.changes === 1 ? 'added' : 'exists';
}

export function* operatorByDigest(digest: Buffer): Sql<{ id: string; role: OperatorRole } | null> {
  const r = (yield* get('SELECT operator_id, role FROM operators WHERE token_sha256 = ?', digest)) as
    { operator_id: string; role: OperatorRole } | undefined;
  return r ? { id: r.operator_id, role: r.role } : null;
}

export function* hasAdmin(): Sql<boolean> {
  return (yield* get("SELECT 1 FROM operators WHERE role = 'admin' LIMIT 1")) !== undefined;
}

/**
 * A new credential for an operator (rotation, or revocation with a digest nobody holds): the
 * old token stops working at its next request, since every request looks its digest up.
 */
export function* setOperatorToken(id: string, tokenDigest: Buffer): Sql<boolean> {
  return (yield* run('UPDATE operators SET token_sha256 = ? WHERE operator_id = ?', tokenDigest, id)).changes === 1;
}
