-- A return may be taken at any store (DOMAIN.md 12). A till of another store fetches the
-- original sale by its POS receipt number (GET /v1/sync/sales/{saleId}), and each return
-- names the till whose sale it takes back, so head office can add up every till's returns of
-- one sale. Rows written before this column: the uploading till's own sale.
ALTER TABLE returns ADD COLUMN original_till_id TEXT;
UPDATE returns SET original_till_id = till_id;
CREATE INDEX returns_original ON returns (original_till_id, original_sale_id);
-- A receipt number is unique per till, not across the chain: the lookup finds every till's.
CREATE INDEX sales_sale ON sales (sale_id);
