/**
 * A till's manual adjustment reasons (main/service/adjust.ts), uploaded beside their entries
 * (UploadBatch.adjustmentNotes) and kept out of the append-only ledger: free text that may name
 * a person (DOMAIN.md 10). Sealed with the field key, keyed by the entry (till, seq) and the
 * member; shown with the member's ledger (memberview.ts) and in their export, deleted at erasure
 * (privacy.ts). Entries uploaded before keep theirs in data.note: the chain cannot change.
 */
import type { AdjustmentNoteRecord } from '../../core/sync/protocol.js';
import type { HqCipher } from '../crypto.js';
import { all, insertMany, run, withJsonList, type Sql } from '../../storage/sql.js';

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

/** Erasure (privacy.ts): the member's notes go; their entries stay, with staff ids only. */
export function* eraseAdjustmentNotesOf(memberNo: string): Sql<void> {
  yield* run('DELETE FROM adjustment_notes WHERE member_no = ?', memberNo);
}
