/**
 * Operators' decisions on one member (DOMAIN.md 10: attributed and kept): a points adjustment
 * and a win-back offer granted by hand. Each is an entry of head office's chain
 * (decisions.ts) naming the operator in its data, and an `operator_actions` row pointing at
 * that entry, written in the same transaction. The operator's reason, free text that may name a
 * person, is in neither: it is sealed beside the entry as a till's adjustment reason is
 * (adjustment-notes.ts), where erasure reaches it.
 */
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { visibleBalance } from '../../core/ledger/state.js';
import { localDate } from '../../core/time.js';
import { adjustment, offerDecision, winBackUntil, type Decision } from '../domain/decisions.js';
import type { HqEntry } from '../domain/order.js';
import { get, type Sql } from '../../storage/sql.js';
import type { HqCipher } from '../crypto.js';
import type { Tx as Db } from './tx.js';
import { plainEntry } from './rows.js';
import { SEALED_ACTION_REASONS, recordAdjustmentNotes, type SealedReasonAction } from './adjustment-notes.js';
import { HQ_TILL_ID, appendDecisions, storedState } from './decisions.js';
import { recordAction, type OperatorAction } from './actions.js';
import type { RuleSetCache } from './rulesets.js';
import type { AdjustOutcome, AdjustmentRequest, WinBackOutcome, WinBackRequest } from './types.js';

/** A member head office knows: a record, or entries folded into a state (as GET /v1/members). */
function* known(memberNo: string): Sql<boolean> {
  return (
    (yield* get('SELECT 1 FROM members WHERE member_no = ?', memberNo)) !== undefined ||
    (yield* get('SELECT 1 FROM member_state WHERE member_no = ?', memberNo)) !== undefined
  );
}

/** Writes the operator's decision and the action that asked for it; returns the entry. */
function* decide(
  db: Db,
  rules: RuleSetCache,
  d: Decision,
  action: { kind: OperatorAction; operatorId: string; reason: string },
  now: Date,
): Sql<LedgerEntry> {
  const [written] = yield* appendDecisions(db, [d], { now, rs: yield* rules.latest() });
  const entry = plainEntry(written as HqEntry);
  // Points to the entry, which holds the rest; the operator's reason is sealed beside it (reasoned).
  const detail = {
    entry: `${HQ_TILL_ID}:${entry.seq}`,
    kind: entry.kind,
    points: entry.points,
    winBackUntil: entry.data.winBackUntil,
  };
  yield* recordAction(action.kind, d.memberNo, action, now.toISOString(), JSON.stringify(detail));
  return entry;
}

/** `decide` with the operator's reason sealed beside the entry, the action keeping only that it was made. */
function* reasoned(
  db: Db,
  cipher: HqCipher,
  rules: RuleSetCache,
  d: Decision,
  kind: SealedReasonAction,
  req: { operatorId: string; reason: string },
  now: Date,
): Sql<LedgerEntry> {
  const action = { kind, operatorId: req.operatorId, reason: SEALED_ACTION_REASONS[kind] };
  const entry = yield* decide(db, rules, d, action, now);
  yield* recordAdjustmentNotes(cipher, HQ_TILL_ID, [{ seq: entry.seq, memberNo: d.memberNo, note: req.reason }], now);
  return entry;
}

/** A credit, or a debit that leaves the shown balance at zero or above (else `insufficient`). */
export function* adjustPoints(
  db: Db,
  cipher: HqCipher,
  rules: RuleSetCache,
  memberNo: string,
  req: AdjustmentRequest,
  now: Date,
): Sql<AdjustOutcome> {
  if (!(yield* known(memberNo))) return { kind: 'unknown' };
  const rs = yield* rules.latest();
  const today = localDate(now, rs.timeZone).date;
  const before = yield* storedState(db, memberNo);
  const available = before ? visibleBalance(before, today) : 0;
  if (req.direction === 'debit' && req.points > available) return { kind: 'insufficient', available };
  const entry = yield* reasoned(db, cipher, rules, adjustment(rs, memberNo, today, req), 'adjust', req, now);
  const after = yield* storedState(db, memberNo);
  return {
    kind: 'adjusted',
    entry,
    balance: after ? visibleBalance(after, today) : 0,
    ledgerBalance: after?.balance ?? 0,
  };
}

/** An offer from today for `days` days (the rule set's winBack.days unless given). */
export function* grantWinBack(
  db: Db,
  cipher: HqCipher,
  rules: RuleSetCache,
  memberNo: string,
  req: WinBackRequest,
  now: Date,
): Sql<WinBackOutcome> {
  if (!(yield* known(memberNo))) return { kind: 'unknown' };
  const rs = yield* rules.latest();
  const until = winBackUntil(localDate(now, rs.timeZone).date, req.days ?? rs.winBack.days);
  const entry = yield* reasoned(
    db,
    cipher,
    rules,
    offerDecision(memberNo, until, req.operatorId),
    'win_back',
    req,
    now,
  );
  return { kind: 'granted', entry, winBackUntil: until };
}
