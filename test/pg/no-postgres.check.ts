/**
 * The postgres vitest project (vitest.config.ts) where this machine has no PostgreSQL server
 * for the tests: one skipped test saying why, in place of head office's suites on PostgreSQL.
 */
import { describe, it } from 'vitest';
import { pgSkipReason } from './cluster.js';

describe('head office on PostgreSQL', () => {
  // Skipped on purpose: no PostgreSQL binaries and no HQ_TEST_DATABASE_URL here (or
  // HQ_TEST_NO_PG=1), so the suites cannot run on PostgreSQL; the title carries pgSkipReason()
  // for the run's report. Where PostgreSQL is required (HQ_REQUIRE_PG=1, as in .ci/run),
  // vitest.config.ts fails the run instead and this file never runs.
  it.skip(`every head-office and sync suite (${pgSkipReason() ?? 'skip: no PostgreSQL for the tests'})`, () => {});
});
