import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_SCRIPTS_ENV, nodeScript, REPO_ROOT } from './child-scripts.js';

describe("the run's transpiled copy of the scripts children run", () => {
  const copy = process.env[CHILD_SCRIPTS_ENV] ?? '';

  it('is made by the global setup and used for every script the suites start', () => {
    expect(copy).not.toBe('');
    for (const script of [
      'headoffice/cli.ts',
      'main/service/cli.ts',
      'scripts/scan.ts',
      'test/devices/fixtures/scanner.ts',
    ]) {
      const [first] = nodeScript(script);
      expect(first).toBe(join(copy, script.replace(/\.ts$/, '.js')));
      expect(existsSync(first as string)).toBe(true);
    }
    expect(nodeScript(join(REPO_ROOT, 'headoffice/cli.ts'), 'serve')).toEqual([
      join(copy, 'headoffice/cli.js'),
      'serve',
    ]);
  });

  it('finds what the sources find beside them: migrations, package.json, the UIs', () => {
    for (const f of ['headoffice/store/migrations/001_init.sql', 'main/db/migrations/001_init.sql', 'package.json'])
      expect(realpathSync(join(copy, f))).toBe(realpathSync(join(REPO_ROOT, f)));
    expect(readFileSync(join(copy, 'headoffice/store/pg-migrations/001_init.sql'), 'utf8')).toContain('CREATE TABLE');
  });

  it("runs head office's CLI as tsx runs the source", () => {
    const fromCopy = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', 'help'), { encoding: 'utf8' });
    const fromSource = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'headoffice/cli.ts'), 'help'], {
      encoding: 'utf8',
    });
    expect(fromCopy.stdout + fromCopy.stderr).toContain('usage: npm run headoffice');
    expect([fromCopy.status, fromCopy.stdout, fromCopy.stderr]).toEqual([
      fromSource.status,
      fromSource.stdout,
      fromSource.stderr,
    ]);
  });

  it('falls back to the source through tsx for a file the copy lacks', () => {
    expect(nodeScript('bench/run.ts', '--x')).toEqual(['--import', 'tsx', join(REPO_ROOT, 'bench/run.ts'), '--x']);
  });
});
