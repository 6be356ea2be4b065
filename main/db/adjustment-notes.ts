/**
 * Manual adjustments' reasons (main/service/adjust.ts), kept beside the ledger instead of in it:
 * free text may name a person, and the chain is append-only everywhere, so erasure could not
 * remove it from an entry. Sealed with the till's field key, keyed by the entry's seq (migration
 * 013). Entries written before keep theirs in data.note.
 */
import type { AdjustmentNoteRecord } from '../../core/sync/protocol.js';
import type { FieldCipher } from './crypto.js';
import type { Db } from './open.js';

/** Call inside the transaction that appends the entry. */
export function putAdjustmentNote(db: Db, cipher: FieldCipher, seq: number, memberNo: string, note: string): void {
  db.prepare('INSERT INTO adjustment_notes (seq, member_no, note_enc) VALUES (?, ?, ?)').run(
    seq,
    memberNo,
    cipher.encrypt(note),
  );
}

/** The reason of the entry with this seq; null when none is kept (older entry, or erased). */
export function adjustmentNote(db: Db, cipher: FieldCipher, seq: number): string | null {
  const r = db.prepare('SELECT note_enc FROM adjustment_notes WHERE seq = ?').get(seq) as
    { note_enc: Buffer } | undefined;
  return r ? cipher.decrypt(r.note_enc) : null;
}

/** The notes of the entries first..last, for an upload batch. */
export function adjustmentNotesBetween(
  db: Db,
  cipher: FieldCipher,
  first: number,
  last: number,
): AdjustmentNoteRecord[] {
  if (last < first) return [];
  const rows = db
    .prepare('SELECT seq, member_no, note_enc FROM adjustment_notes WHERE seq BETWEEN ? AND ? ORDER BY seq')
    .all(first, last) as { seq: number; member_no: string; note_enc: Buffer }[];
  return rows.map((r) => ({ seq: r.seq, memberNo: r.member_no, note: cipher.decrypt(r.note_enc) }));
}

/** Head office erased the member: their reasons go (the entries stay, with staff ids only). */
export function eraseAdjustmentNotesOf(db: Db, memberNo: string): void {
  db.prepare('DELETE FROM adjustment_notes WHERE member_no = ?').run(memberNo);
}
