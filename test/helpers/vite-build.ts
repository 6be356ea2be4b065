/**
 * The browser apps (the cashier UI, head office's analytics app, the member's page) built by
 * Vite into temp folders, once per test process: test files share their worker process
 * (vitest.config.ts, `isolate: false`), so the second file to ask gets the first's build. The
 * folders go when the process exits; the repo's own dist folders are left alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type BrowserApp = 'renderer' | 'headoffice/app' | 'headoffice/member';

const builds = new Map<BrowserApp, Promise<string>>();

/** The folder holding `app`'s build; built on the first call in this process. */
export function builtApp(app: BrowserApp): Promise<string> {
  let b = builds.get(app);
  if (!b) {
    b = build(app);
    builds.set(app, b);
    // A failed build is not kept: the next file to ask tries again and reports its own error.
    b.catch(() => builds.delete(app));
  }
  return b;
}

async function build(app: BrowserApp): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), `${app.replace('/', '-')}-build-`));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  await build({
    configFile: join(ROOT, app, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`the ${app} build wrote no index.html`);
  return outDir;
}

/** Head office's analytics app or the member's page (HQ_APP_DIR, HQ_MEMBER_APP_DIR). */
export function buildHqUi(ui: 'app' | 'member'): Promise<string> {
  return builtApp(`headoffice/${ui}`);
}
