-- Distributes head office's PostgreSQL schema on Citus (docs/citus.md has the why of each line).
-- Run by storage/pg-migrate.ts distributeOnCitus() after the migrations, only where the citus
-- extension is installed; every call is guarded by pg_dist_partition, so running it again (each
-- head-office start) changes nothing. A migration that adds a table adds its line here.
--
-- Groups: "till" (tills and what a till uploads, by till_id), "member" (a member's state,
-- ledger and cases, by member_no), "card" (cards by code), reference tables (small, read
-- everywhere), and the change feed on the coordinator (one sequence, read by cursor).

-- The ledger's append-only trigger only raises; it touches no other table, so it is safe to
-- run on the shards (Citus refuses to distribute a table with triggers unless told).
SET citus.enable_unsafe_triggers = on;

-- Reference tables: copied to every node, joined locally, written rarely.
SELECT create_reference_table('meta')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'meta'::regclass);
SELECT create_reference_table('stores')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'stores'::regclass);
SELECT create_reference_table('rule_sets')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'rule_sets'::regclass);
SELECT create_reference_table('operators')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'operators'::regclass);
SELECT create_reference_table('operator_actions')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'operator_actions'::regclass);
SELECT create_reference_table('campaigns')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'campaigns'::regclass);
SELECT create_reference_table('saved_segments')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'saved_segments'::regclass);

-- Group "till": a batch upload (lock the till's row, check the chain, insert the inbox row)
-- and a feed poll's bookkeeping stay on one shard.
SELECT create_distributed_table('tills', 'till_id', colocate_with => 'none')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'tills'::regclass);
SELECT create_distributed_table('inbox', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'inbox'::regclass);
SELECT create_distributed_table('sales', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'sales'::regclass);
SELECT create_distributed_table('returns', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'returns'::regclass);
SELECT create_distributed_table('feedback', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'feedback'::regclass);
-- Reward stock units (a reservation is one till's); the chain-wide count is a multi-shard aggregate.
SELECT create_distributed_table('reward_units', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'reward_units'::regclass);
SELECT create_distributed_table('member_refusals', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_refusals'::regclass);
SELECT create_distributed_table('till_lookups', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'till_lookups'::regclass);
-- Survey answers are keyed by (till, sale) like the sales they answer; a member's export and
-- erasure find theirs by member_no across shards (rare, operator-driven).
SELECT create_distributed_table('survey_answers', 'till_id', colocate_with => 'tills')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'survey_answers'::regclass);

-- Group "member": folding a member (ledger in merge order, state, cases) stays on one shard.
SELECT create_distributed_table('members', 'member_no', colocate_with => 'none')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'members'::regclass);
SELECT create_distributed_table('member_state', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_state'::regclass);
SELECT create_distributed_table('ledger', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'ledger'::regclass);
SELECT create_distributed_table('cases', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'cases'::regclass);
SELECT create_distributed_table('member_lookups', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_lookups'::regclass);
SELECT create_distributed_table('campaign_members', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'campaign_members'::regclass);
SELECT create_distributed_table('outbox', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'outbox'::regclass);
SELECT create_distributed_table('member_sessions', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_sessions'::regclass);
SELECT create_distributed_table('member_preference_changes', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_preference_changes'::regclass);
-- A till's adjustment reasons, beside the member's ledger entries (shown and erased with them).
SELECT create_distributed_table('adjustment_notes', 'member_no', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'adjustment_notes'::regclass);
-- subject is a member number, a cashier id or a phone-prefix hash: hashed like a member number.
SELECT create_distributed_table('anomaly_counters', 'subject', colocate_with => 'members')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'anomaly_counters'::regclass);

-- Group "card": a code belongs to one member chain-wide (PRIMARY KEY (code) kept).
SELECT create_distributed_table('cards', 'code', colocate_with => 'none')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'cards'::regclass);

-- Group "otp": one-time sign-in codes by keyed phone hash, member or not (PRIMARY KEY
-- (phone_hash, client_hash): a code per number and asking address, pg 018).
SELECT create_distributed_table('member_otps', 'phone_hash', colocate_with => 'none')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_otps'::regclass);
-- Codes asked for per client address (pg 018): keyed by the address's hash alone.
SELECT create_distributed_table('member_otp_clients', 'client_hash', colocate_with => 'none')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'member_otp_clients'::regclass);

-- The change feed stays whole on the coordinator: one identity sequence, cursor order, and
-- it may still be written in the same transaction as the distributed tables.
SELECT citus_add_local_table_to_metadata('changes')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'changes'::regclass);

-- The read model (agg_daily, agg_snapshot): small, keyed by date and store, written by the
-- apply transaction with the ledger: local to the coordinator like the change feed.
SELECT citus_add_local_table_to_metadata('agg_daily')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'agg_daily'::regclass);
SELECT citus_add_local_table_to_metadata('agg_snapshot')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'agg_snapshot'::regclass);

-- The cache token every write transaction sets (store/pg.ts): on the coordinator, so a write
-- whose rows sit on one shard does not become a commit on every node (as in reference `meta`).
SELECT citus_add_local_table_to_metadata('writer_token')
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'writer_token'::regclass);

RESET citus.enable_unsafe_triggers;
