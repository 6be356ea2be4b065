// `npm run build:electron`: compiles the Electron shell (main/electron) and everything it
// imports (the till service, core, native) to dist/ as ESM, with the preload as CommonJS
// (sandboxed preloads must be), then copies the runtime files that are not TypeScript (SQL
// migrations, data files) next to the compiled code so paths relative to import.meta.url hold.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
rmSync(out, { recursive: true, force: true });

const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'main', 'electron', 'tsconfig.json')],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
if (tsc.status !== 0) {
  process.stderr.write('build:electron: the TypeScript compile failed\n');
  process.exit(tsc.status ?? 1);
}

const SKIP = new Set(['.ts', '.tsx', '.mts', '.cts', '.md']);
let copied = 0;
function copyAssets(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const from = join(dir, name);
    if (statSync(from).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') copyAssets(from);
    } else if (!SKIP.has(extname(name)) && name !== 'tsconfig.json') {
      cpSync(from, join(out, relative(root, from)));
      copied++;
    }
  }
}
for (const d of ['main', 'core', 'native']) copyAssets(join(root, d));
// main/service/version.ts reads ../../package.json (the version); it also marks dist/ as ESM.
cpSync(join(root, 'package.json'), join(out, 'package.json'));

for (const f of ['main/electron/main.js', 'main/electron/preload.cjs', 'main/db/migrations/001_init.sql']) {
  if (!existsSync(join(out, f))) {
    process.stderr.write(`build:electron: dist/${f} is missing\n`);
    process.exit(1);
  }
}
process.stdout.write(
  `build:electron: dist/main/electron/main.js and preload.cjs built; ${copied} runtime files copied\n`,
);
