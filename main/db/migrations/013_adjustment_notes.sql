-- A manual adjustment's reason (main/service/adjust.ts) is free text a cashier may have put a
-- name or phone number in. It is kept out of the hash-chained ledger, which nothing can erase,
-- and sealed here with the field key like members' personal fields, keyed by the entry's seq.
-- It travels to head office with the batch holding that entry (UploadBatch.adjustmentNotes) and
-- is deleted when head office erases the member (main/sync/feed.ts). Entries written before
-- this migration keep their reason in data.note: the chain cannot change.
CREATE TABLE adjustment_notes (
  seq       INTEGER PRIMARY KEY,
  member_no TEXT    NOT NULL,
  note_enc  BLOB    NOT NULL
) STRICT;
CREATE INDEX adjustment_notes_member ON adjustment_notes (member_no);
