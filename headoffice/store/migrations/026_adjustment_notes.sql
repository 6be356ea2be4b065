-- A till's manual adjustment reason (main/service/adjust.ts), uploaded beside its entry
-- (UploadBatch.adjustmentNotes) instead of in it: free text that may name a person, so it is
-- kept out of the append-only ledger, sealed with the field key (note_enc), shown with the
-- member's ledger and in their export, and deleted when the member is erased (store/privacy.ts).
-- Entries uploaded before keep their reason in data.note: the chain cannot change.
-- Keyed by the entry (till_id, seq) with member_no first, as the ledger is keyed on Citus.
CREATE TABLE adjustment_notes (
  member_no   TEXT    NOT NULL,
  till_id     TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  note_enc    BLOB    NOT NULL,
  received_at TEXT    NOT NULL,
  PRIMARY KEY (member_no, till_id, seq)
);
