/**
 * vitest globalSetup: the run's transpiled copy of the scripts the suites start as child
 * processes (test/helpers/child-scripts.ts says why). Built before the first test file, handed
 * to the workers through TILL_TEST_CHILD_SCRIPTS, removed after the last.
 */
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { CHILD_SCRIPTS_ENV, REPO_ROOT } from './helpers/child-scripts.js';

/** The folders whose files children load; the browser apps (renderer/, headoffice/app, headoffice/member) are built by Vite. */
const SOURCES = ['core', 'main', 'native', 'headoffice', 'storage', 'loadgen', 'scripts', 'test/devices/fixtures'];
const BROWSER_APPS = new Set(['headoffice/app', 'headoffice/member'].map((d) => join(REPO_ROOT, d)));
/** Built by Vite, linked so head office and the till find their UIs where they would. */
const BUILT_UIS = ['renderer/dist', 'headoffice/app/dist', 'headoffice/member/dist'];
/** Not for a child: the Electron preload (CommonJS, Electron's own) and type declarations. */
const NOT_FOR_CHILDREN = ['.cts', '.d.ts', '.d.mts', '.md'];

function walk(dir: string, out: { scripts: string[]; assets: string[] }): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!BROWSER_APPS.has(path) && name !== 'node_modules' && name !== 'dist') walk(path, out);
    } else if (NOT_FOR_CHILDREN.some((x) => name.endsWith(x))) {
      continue;
    } else if (extname(name) === '.ts') {
      if (!name.includes('.test.')) out.scripts.push(path);
    } else {
      out.assets.push(path);
    }
  }
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** Copies of earlier runs that ended without their teardown (killed): their process is gone. */
function removeAbandoned(parent: string): void {
  for (const name of readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const pid = Number(name.name);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(parent, name.name), { recursive: true, force: true });
  }
}

/** Transpiles the sources into `out`, afresh, with their other files linked beside them. */
async function buildCopy(out: string): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  const files = { scripts: [] as string[], assets: [] as string[] };
  for (const s of SOURCES) walk(join(REPO_ROOT, s), files);
  await build({
    entryPoints: files.scripts,
    outdir: out,
    outbase: REPO_ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  for (const a of files.assets) link(a, join(out, relative(REPO_ROOT, a)));
  for (const ui of BUILT_UIS) link(join(REPO_ROOT, ui), join(out, ui));
  link(join(REPO_ROOT, 'package.json'), join(out, 'package.json'));
}

export default async function setup(project: TestProject): Promise<() => void> {
  const parent = join(REPO_ROOT, 'node_modules', '.cache', 'till-child-scripts');
  mkdirSync(parent, { recursive: true });
  removeAbandoned(parent);
  // Inside the repository's node_modules, so the copy resolves packages as the sources do.
  const out = join(parent, String(process.pid));
  await buildCopy(out);
  // Watch mode: a rerun follows an edit, which the children must run too.
  project.onTestsRerun(() => buildCopy(out));
  process.env[CHILD_SCRIPTS_ENV] = out;
  return () => rmSync(out, { recursive: true, force: true });
}
