import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** Options both projects share. */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // The UI and sync suites poll real processes: on a busy 2-core CI runner a second is too short.
  expect: { poll: { timeout: 5_000 } },
  pool: 'forks' as const,
  /**
   * Test files run one after another in their worker's process rather than each in a fresh
   * one. A fresh process per file spent more time importing than many of the 276 files spend
   * testing (the unit suites took 2-3 times longer), and built the browser apps again for each
   * UI file (test/helpers/vite-build.ts now builds each once per process). So a file that
   * changes process-wide state puts it back when it ends: fake timers (`vi.useRealTimers`),
   * stubbed variables (`vi.unstubAllEnvs`); HQ_APP_DIR and HQ_MEMBER_APP_DIR may stay pointing
   * at the process's builds. A module's cache is keyed by database or store, or holds only
   * what is the same for every one (SQL text translated for PostgreSQL).
   */
  isolate: false,
};

/**
 * Test files at once. Vitest's default, a worker fewer than the cores, is one on a 2-core CI
 * runner: the files ran one after another for 13 minutes, most of it waiting on child
 * processes, PostgreSQL, Chromium and the disk. Two workers there (8.4 minutes, every test
 * passing); more cores keep the default.
 */
const maxWorkers = Math.max(2, availableParallelism() - 1);

/**
 * Whether test/pg/global-setup.ts can have a PostgreSQL server: the same tests as
 * test/pg/cluster.ts startTestServer (HQ_TEST_DATABASE_URL, or initdb under
 * /usr/lib/postgresql and, as root, a postgres user to run it as). Without one the postgres
 * project runs only test/pg/no-postgres.check.ts, which skips saying why (pgSkipReason).
 */
function postgresAvailable(): boolean {
  if (process.env.HQ_TEST_DATABASE_URL) return true;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root) || !readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')))) return false;
  if (process.getuid?.() !== 0) return true;
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((l) => l.startsWith('postgres:'));
}

export default defineConfig({
  test: {
    // One PostgreSQL server per run, started by the root project and shared by both projects
    // (they inherit its inject('hqPg')); not repeated in the projects, which would start one each.
    globalSetup: ['test/pg/global-setup.ts'],
    maxWorkers,
    projects: [
      {
        test: {
          ...shared,
          // Every suite; head office on its default store, the embedded SQLite file.
          name: 'sqlite',
          include: [
            'core/**/*.test.ts',
            'main/**/*.test.ts',
            'native/**/*.test.ts',
            'headoffice/**/*.test.ts',
            'loadgen/**/*.test.ts',
            'test/**/*.test.ts',
            'renderer/src/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          ...shared,
          // Head office's suites and the end-to-end sync suites again, head office on a fresh
          // database of the run's PostgreSQL server (headoffice/test-helpers.ts startHq,
          // test/sync/procs.ts startHq).
          name: 'postgres',
          include: postgresAvailable()
            ? ['headoffice/**/*.test.ts', 'test/sync/**/*.test.ts']
            : ['test/pg/no-postgres.check.ts'],
          // PostgreSQL only already (two head-office processes on one database): run once, in sqlite.
          exclude: [...configDefaults.exclude, 'test/sync/pg-processes.e2e.test.ts'],
          env: { HQ_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
