/**
 * Manual actions at head office (DOMAIN.md 10: attributed to who asked, with the reason, and
 * kept): closing a reviewed double-spend case and clearing a till's broken-chain flag here;
 * member export and erasure in privacy.ts. Each writes its `operator_actions` row in the
 * same transaction as the change it records.
 */
import { get, run, type Sql } from '../../storage/sql.js';
import type { CaseCloseOutcome, ChainClearOutcome, OperatorRequest } from './types.js';

/**
 * adjust / win_back: head-office ledger entries an operator asked for (adjust.ts); feedback_*:
 * feedback.ts; export_segment: a segment's members exported as CSV (members-report.ts)
 */
export type OperatorAction =
  | 'export'
  | 'erase'
  | 'close_case'
  | 'clear_chain'
  | 'adjust'
  | 'win_back'
  | 'feedback_assign'
  | 'feedback_close'
  | 'export_segment';

export function* recordAction(
  action: OperatorAction,
  subject: string,
  who: OperatorRequest,
  at: string,
  detail: string | null = null,
): Sql<void> {
  yield* run(
    'INSERT INTO operator_actions (at, action, subject, operator_id, reason, detail) VALUES (?, ?, ?, ?, ?, ?)',
    at,
    action,
    subject,
    who.operatorId,
    who.reason,
    detail,
  );
}

/**
 * Closes a double-spend case after review. The points stay where the ledger put them (the
 * balance may stay negative until the member earns it back); closing records the decision.
 */
export function* closeCase(id: number, who: OperatorRequest, now: Date): Sql<CaseCloseOutcome> {
  const c = (yield* get('SELECT status, closed_at, closed_by, resolution FROM cases WHERE id = ?', id)) as
    { status: string; closed_at: string | null; closed_by: string | null; resolution: string | null } | undefined;
  if (!c) return { kind: 'unknown' };
  if (c.status === 'closed') {
    return {
      kind: 'already_closed',
      closedAt: c.closed_at ?? '',
      closedBy: c.closed_by ?? '',
      resolution: c.resolution ?? '',
    };
  }
  const at = now.toISOString();
  yield* run(
    "UPDATE cases SET status = 'closed', closed_at = ?, closed_by = ?, resolution = ? WHERE id = ?",
    at,
    who.operatorId,
    who.reason,
    id,
  );
  yield* recordAction('close_case', String(id), who, at);
  return { kind: 'closed', closedAt: at, closedBy: who.operatorId, resolution: who.reason };
}

/**
 * Clears a till's broken-chain flag once someone has looked into it. The flag never stopped
 * honest batches; what it said is kept in the action's detail.
 */
export function* clearChain(tillId: string, who: OperatorRequest, now: Date): Sql<ChainClearOutcome> {
  const t = (yield* get('SELECT chain_status, chain_error FROM tills WHERE till_id = ?', tillId)) as
    { chain_status: 'ok' | 'broken'; chain_error: string | null } | undefined;
  if (!t) return { kind: 'unknown' };
  if (t.chain_status === 'ok') return { kind: 'not_broken' };
  const at = now.toISOString();
  yield* run("UPDATE tills SET chain_status = 'ok', chain_error = NULL WHERE till_id = ?", tillId);
  yield* recordAction('clear_chain', tillId, who, at, t.chain_error);
  return { kind: 'cleared', previousError: t.chain_error };
}
