/**
 * The postgres vitest project (vitest.config.ts) where this machine has no PostgreSQL server
 * for the tests: one skipped test saying why, in place of head office's suites on PostgreSQL.
 */
import { describe, it } from 'vitest';
import { pgSkipReason } from './cluster.js';

describe('head office on PostgreSQL', () => {
  it.skip(`every head-office and sync suite (${pgSkipReason() ?? 'skip: no PostgreSQL for the tests'})`, () => {});
});
