-- Issue 13 item 8: store and till names registered at head office (add-till --store-name,
-- POST /v1/tills, the rename endpoints), with who set them and when. Item 4: the staff member
-- who rang a sale up, from the sale request the till uploads (`staffId`), so member sales can
-- be counted per staff member without reading the request text.
ALTER TABLE stores ADD COLUMN name TEXT;
ALTER TABLE stores ADD COLUMN name_set_at TEXT;
ALTER TABLE stores ADD COLUMN name_set_by TEXT;
ALTER TABLE tills ADD COLUMN name TEXT;
ALTER TABLE tills ADD COLUMN name_set_at TEXT;
ALTER TABLE tills ADD COLUMN name_set_by TEXT;
ALTER TABLE sales ADD COLUMN staff_id TEXT;
UPDATE sales SET staff_id = json_extract(request, '$.staffId') WHERE json_type(request, '$.staffId') = 'text';
CREATE INDEX sales_store_staff ON sales (store_id, staff_id);
