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
 * Why test/pg/global-setup.ts can have no PostgreSQL server, or null when it can: the same tests
 * as test/pg/cluster.ts startTestServer (HQ_TEST_DATABASE_URL, or initdb under
 * /usr/lib/postgresql and, as root, a postgres user to run it as). Without one the postgres
 * project runs only test/pg/no-postgres.check.ts, which skips saying why (pgSkipReason).
 * HQ_TEST_NO_PG=1 answers as if there were none (to check the HQ_REQUIRE_PG guard below, or to
 * leave PostgreSQL out of a run on purpose; global-setup.ts then starts no server either).
 */
function whyNoPostgres(): string | null {
  if (process.env.HQ_TEST_NO_PG === '1') return 'HQ_TEST_NO_PG=1';
  if (process.env.HQ_TEST_DATABASE_URL) return null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root) || !readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb'))))
    return `no ${root}/<n>/bin/initdb and no HQ_TEST_DATABASE_URL`;
  if (process.getuid?.() !== 0) return null;
  const postgresUser = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((l) => l.startsWith('postgres:'));
  return postgresUser ? null : 'running as root and there is no postgres user to run initdb as';
}

const noPostgres = whyNoPostgres();
// HQ_REQUIRE_PG=1 (.ci/run): a run without PostgreSQL fails here rather than passing with the
// postgres project reduced to one skipped placeholder.
if (noPostgres && process.env.HQ_REQUIRE_PG === '1') {
  throw new Error(
    `HQ_REQUIRE_PG=1 but there is no PostgreSQL server for the tests (${noPostgres}): install PostgreSQL ` +
      "(Debian's postgresql package, as .ci/run does) or set HQ_TEST_DATABASE_URL, or unset HQ_REQUIRE_PG",
  );
}

export default defineConfig({
  test: {
    // One PostgreSQL server per run, started by the root project and shared by both projects
    // (they inherit its inject('hqPg')); not repeated in the projects, which would start one each.
    // And one transpiled copy of the scripts the suites start as child processes (test/helpers/child-scripts.ts).
    globalSetup: ['test/pg/global-setup.ts', 'test/child-scripts.global-setup.ts'],
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
          // Head office's suites, the end-to-end sync suites and the other suites that start a
          // head office, again, head office on a fresh database of the run's PostgreSQL server
          // (headoffice/test-helpers.ts startHq, test/sync/procs.ts startHq).
          name: 'postgres',
          include: noPostgres
            ? ['test/pg/no-postgres.check.ts']
            : [
                'headoffice/**/*.test.ts',
                'test/sync/**/*.test.ts',
                // Outside those folders, but each starts a head office (startHq).
                'test/member-record-limits.test.ts',
                'test/sale-total-limit.test.ts',
                'test/e2e/survey.test.ts',
                'test/e2e/member-qr-scan.test.ts',
              ],
          // PostgreSQL only already (two head-office processes on one database): run once, in sqlite.
          exclude: [...configDefaults.exclude, 'test/sync/pg-processes.e2e.test.ts'],
          env: { HQ_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
