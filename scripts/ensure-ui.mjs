// Before `npm start` / `npm run till`: build the cashier UI once if it is not built yet, so a
// fresh clone needs only `npm install` and `npm start`. Later edits: `npm run build:renderer`.
// With the argument `hq` (before `npm run headoffice`): the same for head office's web
// application (headoffice/app, `npm run build:hq-app`) and the member's page (headoffice/member,
// `npm run build:member-app`), saying so on stderr only: stdout is the CLI's answer (`add-till`
// prints lines to paste).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hq = process.argv[2] === 'hq';
const uis = hq
  ? [
      { dir: join('headoffice', 'app'), what: "head office's web application", script: 'build:hq-app' },
      { dir: join('headoffice', 'member'), what: "the member's page", script: 'build:member-app' },
    ]
  : [{ dir: 'renderer', what: 'the cashier UI', script: 'build:renderer' }];
for (const ui of uis) ensure(ui);

function ensure(ui) {
  if (existsSync(join(root, ui.dir, 'dist', 'index.html'))) return;
  (hq ? process.stderr : process.stdout).write(`Building ${ui.what} (first start)...\n`);
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(ui.dir, 'vite.config.ts'),
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: hq ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    },
  );
  if (hq && r.stdout?.length) process.stderr.write(r.stdout);
  if (r.status !== 0) {
    const still = hq ? 'the head-office API still works' : 'the till API still works';
    process.stderr.write(`${ui.what} did not build; ${still}. Try: npm run ${ui.script}\n`);
  }
}
