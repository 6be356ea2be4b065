/**
 * vitest globalSetup: one PostgreSQL server per run (test/pg/cluster.ts) and one template
 * database with the migrations applied, handed to the test files as inject('hqPg').
 * Started only when a test is queued; stopped (and its folder removed) after the last file.
 */
import type { TestProject } from 'vitest/node';
import { createTemplate, dropDatabase, serverHasStrategy, startTestServer, type PgTestServer } from './cluster.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // HQ_TEST_NO_PG=1: as if this machine had no PostgreSQL (vitest.config.ts whyNoPostgres).
  const started =
    process.env.HQ_TEST_NO_PG === '1'
      ? { skip: 'skip: HQ_TEST_NO_PG=1 (as if there were no PostgreSQL)' }
      : await startTestServer();
  if ('skip' in started) {
    project.provide('hqPg', { url: null, template: null, skip: started.skip } satisfies PgTestServer);
    return async () => {};
  }
  let template: string;
  let fileCopy: boolean;
  try {
    template = await createTemplate(started.url);
    fileCopy = await serverHasStrategy(started.url);
  } catch (e) {
    await started.stop();
    throw e;
  }
  project.provide('hqPg', { url: started.url, template, skip: null, fileCopy } satisfies PgTestServer);
  return async () => {
    // A given server (HQ_TEST_DATABASE_URL) keeps running: leave it as found.
    await dropDatabase(started.url, template).catch(() => undefined);
    await started.stop();
  };
}
