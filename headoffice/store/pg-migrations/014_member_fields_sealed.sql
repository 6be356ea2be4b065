-- SQLite's 025: gender, age band and interests sealed like name and phone (see there). Columns
-- of members, which is keyed (and on Citus distributed) by member_no already: nothing to
-- distribute. The plain values of older rows are sealed when head office opens, under the
-- writer lock (store/members.ts sealPlainMemberFields).
ALTER TABLE members ADD COLUMN gender_enc BYTEA;
ALTER TABLE members ADD COLUMN age_band_enc BYTEA;
ALTER TABLE members ADD COLUMN interests_enc BYTEA;
