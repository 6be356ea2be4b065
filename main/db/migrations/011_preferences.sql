-- Preference changes made at this till (issue 15 item 6): marketing consent, channel and
-- interests, each with when and which staff member keyed it. Uploaded in the member's record
-- (MemberUpsert.preferenceChanges) until head office has them: outbox_id is the outbox row that
-- carries it, so "not yet confirmed" is outbox_id > hq_ack_outbox. NULL value: left alone.
-- interests_enc: the JSON list encrypted with the field key like other personal fields.
CREATE TABLE preference_changes (
  change_id         TEXT    PRIMARY KEY,
  member_no         TEXT    NOT NULL,
  at                TEXT    NOT NULL,
  staff_id          TEXT    NOT NULL,
  consent_marketing INTEGER CHECK (consent_marketing IN (0, 1)),
  preferred_channel TEXT,
  interests_enc     BLOB,
  outbox_id         INTEGER NOT NULL
) STRICT;
CREATE INDEX preference_changes_member ON preference_changes (member_no, outbox_id);
