/**
 * The Electron shell end to end: the built shell (npm run build:electron) starts the till
 * service in-process and opens the built UI; the renderer must see the service address and
 * nothing of Node, and must not navigate or open windows. Runs where the Electron binary is
 * installed; elsewhere it is skipped and says why (ELECTRON_SKIP_BINARY_DOWNLOAD installs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { builtApp } from '../helpers/vite-build.js';
import { ROOT } from './helpers.js';

function electronBinary(): { path: string | null; why: string } {
  try {
    const p: unknown = createRequire(import.meta.url)('electron');
    if (typeof p === 'string' && existsSync(p)) return { path: p, why: '' };
    return { path: null, why: `the Electron binary is not installed (${String(p)} is missing)` };
  } catch (e) {
    return {
      path: null,
      why: `the Electron binary is not installed (require('electron'): ${e instanceof Error ? e.message : String(e)})`,
    };
  }
}

const electron = electronBinary();
const name = 'opens the till in the Electron shell: service address only, no Node, no navigation, no new windows';
if (!electron.path) process.stdout.write(`electron e2e skipped: ${electron.why}\n`);

describe('Electron shell', () => {
  it.skipIf(!electron.path)(
    electron.path ? name : `${name} — skipped: ${electron.why}`,
    { timeout: 120_000 },
    async () => {
      const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(build.status, build.stderr).toBe(0);
      const uiDir = await builtApp('renderer');
      const dataDir = mkdtempSync(join(tmpdir(), 'till-electron-'));
      const app = await _electron.launch({
        executablePath: electron.path ?? '',
        args: [
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          join(ROOT, 'dist', 'main', 'electron', 'main.js'),
        ],
        env: {
          ...process.env,
          TILL_DATA_DIR: dataDir,
          TILL_PORT: '0',
          TILL_UI_DIR: uiDir,
          TILL_ADMIN_PIN: '246810',
          TILL_LOG_LEVEL: 'error',
        },
      });
      try {
        const win = await app.firstWindow();
        await win.getByTestId('signin').waitFor();
        const seen = await win.evaluate(() => {
          const w = window as unknown as Record<string, unknown>;
          return {
            serviceUrl: (w.till as { serviceUrl?: string } | undefined)?.serviceUrl ?? null,
            require: typeof w.require,
            process: typeof w.process,
            opened: window.open('https://example.com/') === null,
          };
        });
        expect(seen.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        expect(seen.require).toBe('undefined');
        expect(seen.process).toBe('undefined');
        expect(seen.opened).toBe(true);
        const before = win.url();
        await win.evaluate(() => {
          window.location.href = 'https://example.com/';
        });
        await win.waitForTimeout(500);
        expect(win.url()).toBe(before);
        expect(app.windows()).toHaveLength(1);
        await win.fill('#signin-staff', '0001');
        await win.fill('#signin-pin', '246810');
        await win.getByTestId('signin-submit').click();
        await win.getByTestId('statusbar').waitFor();
      } finally {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
