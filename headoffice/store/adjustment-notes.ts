/**
 * Manual adjustment reasons kept out of the append-only ledger: free text that may name a
 * person (DOMAIN.md 10). A till's (main/service/adjust.ts) are uploaded beside their entries
 * (UploadBatch.adjustmentNotes); an operator's at head office (adjust.ts: an adjustment, or a
 * win-back offer granted by hand) is written here with head office's own entry (till `hq`). Sealed with the field key, keyed by the entry (till, seq)
 * and the member; shown with the member's ledger (memberview.ts) and in their export, deleted
 * at erasure (privacy.ts). Entries written before keep theirs in data.note: the chain cannot
 * change.
 */
import type { AdjustmentNoteRecord } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { all, insertMany, run, withJsonList, type Sql } from '../../storage/sql.js';

/**
 * The reason an operator action on one member's points keeps (actions.ts): that it was made.
 * The operator's own words are the entry's sealed note, which its `detail.entry` names; kept in
 * clear on the action they would outlive the member's erasure.
 */
export const SEALED_ACTION_REASONS = { adjust: 'points adjusted', win_back: 'win-back offered' } as const;
export type SealedReasonAction = keyof typeof SEALED_ACTION_REASONS;
export const ADJUST_ACTION_REASON = SEALED_ACTION_REASONS.adjust;

export function isSealedReasonAction(action: string): action is SealedReasonAction {
  return Object.hasOwn(SEALED_ACTION_REASONS, action);
}

/**
 * Stores a batch's notes in one statement; one sent again is ignored. A note of a member head
 * office has erased (from a till that had not heard yet) is not kept. Returns how many came.
 */
export function* recordAdjustmentNotes(
  cipher: HqCipher,
  tillId: string,
  notes: readonly AdjustmentNoteRecord[],
  now: Date,
): Sql<number> {
  if (notes.length === 0) return 0;
  const memberNos = [...new Set(notes.map((n) => n.memberNo))];
  const erased = new Set(
    (
      (yield* all(
        withJsonList(
          (isIn) => `SELECT member_no FROM members WHERE erased_at IS NOT NULL AND ${isIn('member_no')}`,
          'text',
        ),
        JSON.stringify(memberNos),
      )) as { member_no: string }[]
    ).map((r) => r.member_no),
  );
  const at = now.toISOString();
  const rows = notes
    .filter((n) => !erased.has(n.memberNo))
    .map((n) => [n.memberNo, tillId, n.seq, cipher.encrypt(n.note), at]);
  yield* insertMany(
    'adjustment_notes',
    ['member_no', 'till_id', 'seq', 'note_enc', 'received_at'],
    rows,
    'ON CONFLICT DO NOTHING',
  );
  return rows.length;
}

export interface AdjustmentNote {
  tillId: string;
  seq: number;
  note: string;
}

/** The member's notes, opened, in entry order per till. */
export function* adjustmentNotesOf(cipher: HqCipher, memberNo: string): Sql<AdjustmentNote[]> {
  const rows = (yield* all(
    'SELECT till_id, seq, note_enc FROM adjustment_notes WHERE member_no = ? ORDER BY till_id, seq',
    memberNo,
  )) as { till_id: string; seq: number | string; note_enc: Buffer }[];
  return rows.map((r) => ({ tillId: r.till_id, seq: Number(r.seq), note: cipher.decrypt(r.note_enc) }));
}

/**
 * Erasure (privacy.ts): the member's notes go; their entries stay, with staff or operator ids
 * only. Head office's adjustments and win-back offers recorded before their reason was kept
 * here held it in clear on their action too: that copy goes as well (who, when and the entry
 * stay; the entry's own data.note cannot change).
 */
export function* eraseAdjustmentNotesOf(memberNo: string): Sql<void> {
  yield* run('DELETE FROM adjustment_notes WHERE member_no = ?', memberNo);
  for (const [action, reason] of Object.entries(SEALED_ACTION_REASONS)) {
    yield* run(
      'UPDATE operator_actions SET reason = ? WHERE action = ? AND subject = ? AND reason <> ?',
      reason,
      action,
      memberNo,
      reason,
    );
  }
}
