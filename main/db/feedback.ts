/**
 * Complaints and suggestions recorded at the till (DOMAIN.md 9). Kept until head office has
 * them like every other record; the free text is encrypted with the till's field key.
 */
import type { FeedbackRecord } from '../../core/sync/protocol.js';
import type { FieldCipher } from './crypto.js';
import type { Db } from './open.js';

interface Row {
  feedback_id: string;
  kind: FeedbackRecord['kind'];
  category: FeedbackRecord['category'];
  text_enc: Buffer;
  member_no: string | null;
  follow_up: number;
  staff_id: string | null;
  recorded_at: string;
}

/** Call inside the transaction that also queues it in the outbox. */
export function insertFeedback(db: Db, cipher: FieldCipher, f: FeedbackRecord): void {
  db.prepare(
    `INSERT INTO feedback (feedback_id, kind, category, text_enc, member_no, follow_up, staff_id, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    f.feedbackId,
    f.kind,
    f.category,
    cipher.encrypt(f.text),
    f.memberNo,
    f.followUp ? 1 : 0,
    f.staffId,
    f.recordedAt,
  );
}

export function feedbackById(db: Db, cipher: FieldCipher, id: string): FeedbackRecord | null {
  const r = db.prepare('SELECT * FROM feedback WHERE feedback_id = ?').get(id) as Row | undefined;
  if (!r) return null;
  return {
    feedbackId: r.feedback_id,
    kind: r.kind,
    category: r.category,
    text: cipher.decrypt(r.text_enc),
    memberNo: r.member_no,
    followUp: r.follow_up === 1,
    staffId: r.staff_id,
    recordedAt: r.recorded_at,
  };
}

/** Head office erased the member (DOMAIN.md 10): their words go; the record stays for the counts. */
export function eraseFeedbackOf(db: Db, cipher: FieldCipher, memberNo: string): void {
  db.prepare('UPDATE feedback SET text_enc = ? WHERE member_no = ?').run(cipher.encrypt(''), memberNo);
}
