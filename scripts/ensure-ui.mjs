// Before `npm start` / `npm run till`: build the cashier UI once if it is not built yet, so a
// fresh clone needs only `npm install` and `npm start`. Later edits: `npm run build:renderer`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'renderer', 'dist', 'index.html'))) {
  process.stdout.write('Building the cashier UI (first start)...\n');
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) {
    process.stderr.write('The cashier UI did not build; the till API still works. Try: npm run build:renderer\n');
  }
}
