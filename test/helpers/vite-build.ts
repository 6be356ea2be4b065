/**
 * A head-office browser app (the analytics app or the member's page) built by Vite into a temp
 * folder, removed when the test process exits; the repo's own dist folders are left alone.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildHqUi(ui: 'app' | 'member'): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), `hq-${ui}-build-`));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  await build({
    configFile: join(ROOT, 'headoffice', ui, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`the ${ui} build wrote no index.html`);
  return outDir;
}
