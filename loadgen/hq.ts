/**
 * The head office the generator loads: the one at `--hq`, or its own, started here as a child
 * process exactly as an operator starts one (`headoffice/cli.ts serve`) on a temporary data
 * folder, a free loopback port and a fresh operator token, and stopped (SIGTERM, then SIGKILL
 * after 10 s) and deleted at the end. `env` reaches that process, so `--database-url` selects
 * PostgreSQL through HQ_DATABASE_URL once head office supports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface HqHandle {
  url: string;
  operatorToken: string;
  /** the child's pid when the generator started it (its CPU is measured), else null */
  pid: number | null;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Starts head office and waits until /v1/health answers (60 s at most). */
export async function startOwnHq(
  env: Record<string, string> = {},
  /** another process of the same head office: its data folder (the keys) and operator token */
  sibling?: { dir: string; operatorToken: string },
): Promise<HqHandle & { dir: string }> {
  const dir = sibling?.dir ?? mkdtempSync(join(tmpdir(), 'loadgen-hq-'));
  const port = await freePort();
  const operatorToken = sibling?.operatorToken ?? randomBytes(24).toString('base64url');
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'headoffice/cli.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HQ_DATA_DIR: join(dir, 'data'),
      HQ_PORT: String(port),
      HQ_HOST: '127.0.0.1',
      HQ_OPERATOR_TOKEN: operatorToken,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    // The first process's handle owns the folder.
    if (!sibling) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited(child)) {
      await stop();
      throw new Error(`head office exited before it answered: ${output.trim() || `code ${child.exitCode}`}`);
    }
    try {
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`head office did not answer within 60 s: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, operatorToken, pid: child.pid ?? null, stop, dir };
}
