/**
 * Feedback recorded at the tills (DOMAIN.md 9): stored as batches bring it, listed for
 * operators, assigned and closed with a note. The member's words and the note are encrypted
 * with the field key; assigning and closing are operator actions (actions.ts), whose
 * kept reason never holds the note itself.
 */
import type { FeedbackRecord } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import type { FeedbackCounts, FeedbackItem, FeedbackOp, FeedbackOutcome, FeedbackStatus } from '../feedback-schemas.js';
import { recordAction } from './actions.js';
import { all, get, run, type Sql } from '../../storage/sql.js';

interface Row {
  id: number;
  till_id: string;
  feedback_id: string;
  store_id: string;
  kind: FeedbackItem['kind'];
  category: FeedbackItem['category'];
  text_enc: Buffer;
  member_no: string | null;
  follow_up: number;
  staff_id: string | null;
  recorded_at: string;
  received_at: string;
  status: FeedbackStatus;
  assignee: string | null;
  assigned_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
  close_note_enc: Buffer | null;
}

function* erased(memberNo: string): Sql<boolean> {
  const r = (yield* get('SELECT erased_at FROM members WHERE member_no = ?', memberNo)) as
    { erased_at: string | null } | undefined;
  return r?.erased_at != null;
}

/** Stores a batch's feedback; one sent again is ignored. Returns how many were new. */
export function* recordFeedback(
  cipher: HqCipher,
  till: { tillId: string; storeId: string },
  records: readonly FeedbackRecord[],
  now: Date,
): Sql<number> {
  let added = 0;
  for (const f of records) {
    const put = yield* run(
      `INSERT INTO feedback (till_id, feedback_id, store_id, kind, category, text_enc, member_no,
         follow_up, staff_id, recorded_at, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      till.tillId,
      f.feedbackId,
      till.storeId,
      f.kind,
      f.category,
      // From a till that had not heard of the member's erasure yet: counted, words not kept.
      cipher.encrypt(f.memberNo !== null && (yield* erased(f.memberNo)) ? '' : f.text),
      f.memberNo,
      f.followUp ? 1 : 0,
      f.staffId,
      f.recordedAt,
      now.toISOString(),
    );
    added += put.changes;
  }
  return added;
}

function item(cipher: HqCipher, r: Row): FeedbackItem {
  return {
    id: r.id,
    tillId: r.till_id,
    storeId: r.store_id,
    feedbackId: r.feedback_id,
    kind: r.kind,
    category: r.category,
    text: cipher.decrypt(r.text_enc),
    memberNo: r.member_no,
    followUp: r.follow_up === 1,
    staffId: r.staff_id,
    recordedAt: r.recorded_at,
    receivedAt: r.received_at,
    status: r.status,
    assignee: r.assignee,
    assignedAt: r.assigned_at,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
    closeNote: r.close_note_enc ? cipher.decrypt(r.close_note_enc) : null,
  };
}

function* byId(id: number): Sql<Row | undefined> {
  return (yield* get('SELECT * FROM feedback WHERE id = ?', id)) as Row | undefined;
}

function* list(cipher: HqCipher, status?: FeedbackStatus): Sql<FeedbackItem[]> {
  const rows = (
    status
      ? yield* all('SELECT * FROM feedback WHERE status = ? ORDER BY id', status)
      : yield* all('SELECT * FROM feedback ORDER BY id')
  ) as Row[];
  return rows.map((r) => item(cipher, r));
}

function* assign(cipher: HqCipher, op: Extract<FeedbackOp, { kind: 'assign' }>, at: string): Sql<FeedbackOutcome> {
  const r = yield* byId(op.id);
  if (!r) return { kind: 'unknown' };
  if (r.status === 'closed') return { kind: 'is_closed', item: item(cipher, r) };
  yield* run(
    "UPDATE feedback SET status = 'assigned', assignee = ?, assigned_at = ? WHERE id = ?",
    op.assignee,
    at,
    op.id,
  );
  const who = { operatorId: op.operatorId, reason: op.reason ?? `assigned to ${op.assignee}` };
  yield* recordAction('feedback_assign', String(op.id), who, at, op.assignee);
  return { kind: 'assigned', item: item(cipher, (yield* byId(op.id)) as Row) };
}

function* close(cipher: HqCipher, op: Extract<FeedbackOp, { kind: 'close' }>, at: string): Sql<FeedbackOutcome> {
  const r = yield* byId(op.id);
  if (!r) return { kind: 'unknown' };
  if (r.status === 'closed') return { kind: 'already_closed', item: item(cipher, r) };
  yield* run(
    "UPDATE feedback SET status = 'closed', closed_at = ?, closed_by = ?, close_note_enc = ? WHERE id = ?",
    at,
    op.operatorId,
    cipher.encrypt(op.note),
    op.id,
  );
  // The note may name people: the action keeps that it was closed, not what it says.
  yield* recordAction('feedback_close', String(op.id), { operatorId: op.operatorId, reason: 'feedback closed' }, at);
  return { kind: 'closed', item: item(cipher, (yield* byId(op.id)) as Row) };
}

/** Run inside a transaction. */
export function* feedbackOp(cipher: HqCipher, op: FeedbackOp, now: Date): Sql<FeedbackOutcome> {
  const at = now.toISOString();
  switch (op.kind) {
    case 'list':
      return { kind: 'list', items: yield* list(cipher, op.status) };
    case 'assign':
      return yield* assign(cipher, op, at);
    case 'close':
      return yield* close(cipher, op, at);
    default: {
      const never: never = op;
      throw new Error(`unknown feedback operation ${JSON.stringify(never)}`);
    }
  }
}

/** Complaints and suggestions by state, for the summary report. */
export function* feedbackCounts(): Sql<FeedbackCounts> {
  const rows = (yield* all('SELECT kind, status, count(*) AS n FROM feedback GROUP BY kind, status')) as {
    kind: 'complaint' | 'suggestion';
    status: FeedbackStatus;
    n: number;
  }[];
  const counts = (kind: string) => {
    const of = (s: FeedbackStatus) => rows.find((r) => r.kind === kind && r.status === s)?.n ?? 0;
    return { open: of('open') + of('assigned'), assigned: of('assigned'), closed: of('closed') };
  };
  const stores =
    (yield* all(`SELECT store_id AS storeId, sum(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS complaints,
       sum(CASE WHEN kind = 'suggestion' THEN 1 ELSE 0 END) AS suggestions
     FROM feedback GROUP BY store_id ORDER BY store_id`)) as FeedbackCounts['byStore'];
  return { complaints: counts('complaint'), suggestions: counts('suggestion'), byStore: stores };
}

/** A member's feedback, for the export of everything held about them (DOMAIN.md 10). */
export function* feedbackOf(cipher: HqCipher, memberNo: string): Sql<FeedbackItem[]> {
  const rows = (yield* all('SELECT * FROM feedback WHERE member_no = ? ORDER BY id', memberNo)) as Row[];
  return rows.map((r) => item(cipher, r));
}

/**
 * The member's erasure (DOMAIN.md 10) takes the words they said and the notes about them; the
 * feedback stays counted, with its kind, category and state.
 */
export function* eraseFeedbackOf(cipher: HqCipher, memberNo: string): Sql<void> {
  yield* run(
    'UPDATE feedback SET text_enc = ?, close_note_enc = NULL WHERE member_no = ?',
    cipher.encrypt(''),
    memberNo,
  );
}
