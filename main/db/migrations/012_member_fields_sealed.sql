-- Gender, age band and interests sealed with the field key like name, phone and birthday
-- (DOMAIN.md 10: personal data at rest on a till is encrypted; an interest tag is free text).
-- A STRICT table's TEXT column takes no BLOB, so they get sealed columns of their own. The till
-- seals what the plain columns hold when it opens (main/db/members.ts reseal), and leaves them
-- NULL (gender, age_band) and '[]' (interests).
ALTER TABLE members ADD COLUMN gender_enc BLOB;
ALTER TABLE members ADD COLUMN age_band_enc BLOB;
ALTER TABLE members ADD COLUMN interests_enc BLOB;
