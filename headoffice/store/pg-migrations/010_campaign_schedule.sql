-- SQLite's 021: a campaign's scheduled start and last day (docs/campaigns.md "Schedule").
ALTER TABLE campaigns ADD COLUMN start_on TEXT COLLATE "C";
ALTER TABLE campaigns ADD COLUMN end_on TEXT COLLATE "C";
