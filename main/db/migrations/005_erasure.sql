-- A member erased at head office (DOMAIN.md 10): personal fields overwritten in place, the
-- row kept (blocked) so the ledger's member number still resolves and nothing re-uploads it.
ALTER TABLE members ADD COLUMN erased_at TEXT;
