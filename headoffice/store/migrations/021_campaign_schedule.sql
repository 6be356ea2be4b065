-- A campaign's schedule (docs/campaigns.md "Schedule"): the local day the end-of-day run starts an
-- approved campaign on, and the last local day it grants on (the run after it ends the campaign).
-- Both optional: without them an operator starts and ends it.
ALTER TABLE campaigns ADD COLUMN start_on TEXT;
ALTER TABLE campaigns ADD COLUMN end_on TEXT;
