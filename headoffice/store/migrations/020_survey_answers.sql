-- Receipt survey answers (issue 15 item 5, docs/member-page.md "Survey"): one per sale, keyed by
-- (till, the POS's sale id) as the till's signed token names them (core/survey/token.ts). The
-- comment may name people: kept encrypted with the field key, like feedback's words. member_no is
-- the signed-in member who answered, else the sale's member when head office had the sale.
CREATE TABLE survey_answers (
  id           INTEGER PRIMARY KEY,
  till_id      TEXT NOT NULL,
  sale_id      TEXT NOT NULL,
  store_id     TEXT NOT NULL,
  sale_day     TEXT NOT NULL,
  member_no    TEXT,
  score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
  comment_enc  BLOB,
  answered_at  TEXT NOT NULL,
  UNIQUE (till_id, sale_id)
) STRICT;
CREATE INDEX survey_answers_store_day ON survey_answers (store_id, sale_day);
CREATE INDEX survey_answers_member ON survey_answers (member_no);
