/**
 * The child processes the suites start (head office, tills, the CLIs, the scanner fixture) run
 * from a transpiled copy of the repository's scripts, made once per vitest run by
 * test/child-scripts.global-setup.ts, rather than through tsx.
 *
 * DECISION (eighteenth session): `node --import tsx` spent about 1.1 s and 1.25 s of CPU
 * starting head office's CLI on an idle 2-core box; the same files transpiled beforehand start
 * in 0.5 s. The sync suites start hundreds of such processes: their two slowest files took 58 s
 * through tsx and 36-41 s from the copy (README.md, "Tests"). The copy is esbuild's transpile of
 * each file on its own, the transform tsx applies when it loads them, so a child runs the same
 * code; nothing is bundled and every file keeps its path relative to the repository, with the
 * files that are not TypeScript (migrations, fixtures, package.json, the built UIs) linked
 * beside them, so paths relative to import.meta.url hold.
 *
 * Outside a vitest run (no TILL_TEST_CHILD_SCRIPTS) or for a file the copy lacks, a child runs
 * the source through tsx as before. Tests of the commands themselves (`npm start`, `npm run`)
 * keep starting them as a user does (test/setup.test.ts, test/processes.test.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's folder: the test helpers' one place for it. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the run's copy is: set by the global setup, inherited by the test workers. */
export const CHILD_SCRIPTS_ENV = 'TILL_TEST_CHILD_SCRIPTS';

/**
 * The arguments after `process.execPath` that run `script` (relative to the repository, or
 * absolute inside it) with `args`: the run's transpiled copy when there is one, else the source
 * through tsx.
 */
export function nodeScript(script: string, ...args: string[]): string[] {
  const rel = isAbsolute(script) ? relative(REPO_ROOT, script) : script;
  const copy = process.env[CHILD_SCRIPTS_ENV];
  if (copy) {
    const js = join(copy, rel.replace(/\.ts$/, '.js'));
    if (existsSync(js)) return [js, ...args];
  }
  return ['--import', 'tsx', join(REPO_ROOT, rel), ...args];
}
