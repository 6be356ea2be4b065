-- Member preferences (issue 15 item 6, docs/member-page.md "Preferences"): every change of
-- marketing consent, channel or interests, with when and where it was made (a till and the
-- staff member, or the member's page). members' consent_marketing / preferred_channel /
-- interests hold the fold of this history (core/preferences.ts, last change wins per field).
-- A NULL value column: the change left that field alone. interests_enc: the JSON list
-- encrypted like other personal fields; emptied (NULL, and no longer folded) at erasure.
CREATE TABLE member_preference_changes (
  member_no         TEXT    NOT NULL,
  change_id         TEXT    NOT NULL,
  origin            TEXT    NOT NULL CHECK (origin IN ('till', 'page')),
  till_id           TEXT,
  staff_id          TEXT,
  at                TEXT    NOT NULL,
  stated_at         TEXT    NOT NULL,
  received_at       TEXT    NOT NULL,
  consent_marketing INTEGER CHECK (consent_marketing IN (0, 1)),
  preferred_channel TEXT,
  interests_enc     BLOB,
  PRIMARY KEY (member_no, change_id)
);

-- 'none' now means "no marketing messages" (core/preferences.ts). Until now it was the
-- enrolment default and marketing went by SMS to every consenting member: such members keep
-- exactly that, SMS.
UPDATE members SET preferred_channel = 'sms'
 WHERE consent_marketing = 1 AND preferred_channel = 'none' AND erased_at IS NULL;
