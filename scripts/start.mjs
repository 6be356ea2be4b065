// `npm start`: the till in Electron where its binary exists; otherwise one clear line and the
// headless till (CONTRACTS.md). Electron's binary cannot be downloaded on every machine.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const shellEntry = join(root, 'dist', 'main', 'electron', 'main.js');
const electron = electronBinary();
let child;
if (electron && existsSync(shellEntry)) {
  child = spawn(electron, [shellEntry], { stdio: 'inherit', cwd: root });
} else {
  const why = electron
    ? 'the Electron shell is not built (npm run build:electron)'
    : 'the Electron binary is not installed';
  process.stdout.write(
    `Electron unavailable (${why}): starting the headless till; open the printed address in a browser.\n`,
  );
  child = spawn(process.execPath, ['--import', 'tsx', join(root, 'main', 'service', 'cli.ts')], {
    stdio: 'inherit',
    cwd: root,
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
