import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'main/**/*.test.ts',
      'native/**/*.test.ts',
      'headoffice/**/*.test.ts',
      'loadgen/**/*.test.ts',
      'test/**/*.test.ts',
      'renderer/src/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The UI and sync suites poll real processes: on a busy 2-core CI runner a second is too short.
    expect: { poll: { timeout: 5_000 } },
    pool: 'forks',
    // One PostgreSQL server per run for the head-office suites (test/pg/cluster.ts).
    globalSetup: ['test/pg/global-setup.ts'],
  },
});
