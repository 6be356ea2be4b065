-- Gender, age band and interests sealed with the field key like name, phone and birthday
-- (DOMAIN.md 10, SECURITY.md "data at rest": they are personal fields, PERSONAL_FIELDS in
-- core/sync/protocol.ts, and an interest tag is free text). A STRICT table's TEXT column takes
-- no BLOB, so they get sealed columns of their own; the plain ones stay NULL (gender, age_band)
-- and '[]' (interests, NOT NULL). What rows written before this hold in the plain columns is
-- sealed by head office when it opens (store/members.ts sealPlainMemberFields), in Node: the
-- field key is not in the database.
ALTER TABLE members ADD COLUMN gender_enc BLOB;
ALTER TABLE members ADD COLUMN age_band_enc BLOB;
ALTER TABLE members ADD COLUMN interests_enc BLOB;
