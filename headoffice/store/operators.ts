/** Named operators (migration 009): credentials kept as SHA-256 digests, looked up by digest. */
import type { OperatorRole } from '../auth/operator.js';
import { q, type Db } from './sqlite-db.js';

export function addOperator(
  db: Db,
  op: { id: string; role: OperatorRole; tokenDigest: Buffer; createdBy: string },
  now: Date,
): 'added' | 'exists' {
  const r = q(
    db,
    `INSERT OR IGNORE INTO operators (operator_id, role, token_sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
  ).run(op.id, op.role, op.tokenDigest, now.toISOString(), op.createdBy);
  return r.changes === 1 ? 'added' : 'exists';
}

export function operatorByDigest(db: Db, digest: Buffer): { id: string; role: OperatorRole } | null {
  const r = q(db, 'SELECT operator_id, role FROM operators WHERE token_sha256 = ?').get(digest) as
    { operator_id: string; role: OperatorRole } | undefined;
  return r ? { id: r.operator_id, role: r.role } : null;
}

export function hasAdmin(db: Db): boolean {
  return q(db, "SELECT 1 FROM operators WHERE role = 'admin' LIMIT 1").get() !== undefined;
}

/**
 * A new credential for an operator (rotation, or revocation with a digest nobody holds): the
 * old token stops working at its next request, since every request looks its digest up.
 */
export function setOperatorToken(db: Db, id: string, tokenDigest: Buffer): boolean {
  return q(db, 'UPDATE operators SET token_sha256 = ? WHERE operator_id = ?').run(tokenDigest, id).changes === 1;
}
