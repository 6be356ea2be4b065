-- Who last changed a card at this till (issue 11, item 1): the staff member who linked, blocked
-- or unblocked it (the approving supervisor when one approved). Uploaded with the card and its
-- changed_at; head office applies a card change only with a staff id (domain/ownership.ts).
ALTER TABLE cards ADD COLUMN changed_by TEXT;
