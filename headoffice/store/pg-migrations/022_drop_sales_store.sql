-- sales_store (store_id) is the first column of sales_store_staff (store_id, staff_id), which
-- answers every query by store as well; kept, it was one more index written with every sale
-- (applying writes a sale row for nearly every entry). SQLite's migration 032 drops it too.
DROP INDEX IF EXISTS sales_store;
