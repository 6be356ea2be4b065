-- A sale's durable commit pays for every index it touches. Nothing on the till queries lots by
-- expiry across members or sales by member (head office does, in its own store), so these go.
DROP INDEX lots_expiry;
DROP INDEX sales_member;
