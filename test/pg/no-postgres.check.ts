/**
 * The postgres vitest project (vitest.config.ts) where this machine has no PostgreSQL server
 * for the tests: one skipped test saying why, in place of head office's suites on PostgreSQL.
 */
import { describe, it } from 'vitest';
import { pgSkipReason } from './cluster.js';

describe('head office on PostgreSQL', () => {
  // Skipped on purpose: no PostgreSQL binaries and no HQ_TEST_DATABASE_URL here, so the suites
  // cannot run on PostgreSQL; the title carries pgSkipReason() for the run's report.
  it.skip(`every head-office and sync suite (${pgSkipReason() ?? 'skip: no PostgreSQL for the tests'})`, () => {});
});
