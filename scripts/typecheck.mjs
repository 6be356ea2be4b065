// `npm run typecheck`: the four TypeScript projects (till and head office, the cashier UI, head
// office's web application, the member's page), checked side by side, at most one per core. One
// after another they took 30 s of `npm test` on a 2-core CI runner; the largest alone takes 16.
// Every project's errors are printed, each under its name, and the exit code fails if any failed.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
// Largest first, so the small ones fill the other core while it runs.
const projects = [
  'tsconfig.json',
  'renderer/tsconfig.json',
  'headoffice/app/tsconfig.json',
  'headoffice/member/tsconfig.json',
];

/** Runs tsc on one project; resolves with its exit code and everything it printed. */
function check(project) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', project, '--noEmit'], { cwd: root });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', (e) => resolve({ project, code: 1, out: `${out}${e.message}\n` }));
    child.on('close', (code) => resolve({ project, code: code ?? 1, out }));
  });
}

const queue = [...projects];
const results = [];
async function worker() {
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) results.push(await check(p));
}
await Promise.all(Array.from({ length: Math.min(projects.length, availableParallelism()) }, worker));

let failed = 0;
for (const project of projects) {
  const r = results.find((x) => x.project === project);
  if (r.code === 0) continue;
  failed += 1;
  process.stderr.write(`tsc -p ${project}: failed\n${r.out}`);
}
process.exitCode = failed > 0 ? 1 : 0;
