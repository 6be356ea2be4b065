/**
 * The real till as a child process (`node --import tsx main/service/cli.ts`), configured only
 * through the environment variables of CONTRACTS.md, so the crash test exercises exactly what
 * `npm run till` runs. SIGKILL gives the process no chance to flush or close anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { nodeScript, REPO_ROOT } from '../helpers/child-scripts.js';

export { REPO_ROOT };

/** A port the OS just handed out and released; good enough for a loopback test. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TillProcessOptions {
  dataDir: string;
  port: number;
  posApiKey: string;
  /** how long a start may take before it counts as a failure */
  startTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when this harness asked for the exit (kill or stop) */
  expected: boolean;
}

export class TillProcess {
  readonly url: string;
  private child: ChildProcess | null = null;
  private exited: Promise<ExitInfo> | null = null;
  private expectingExit = false;
  private output = '';
  /** exits nobody asked for: a till that dies on its own is a defect */
  readonly unexpectedExits: (ExitInfo & { output: string })[] = [];
  starts = 0;

  constructor(private readonly opts: TillProcessOptions) {
    this.url = `http://127.0.0.1:${opts.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The last few KB the till wrote (stdout and stderr), for failure messages. */
  recentOutput(): string {
    return this.output.slice(-4000);
  }

  /** Spawns the till; does not wait for it to answer (see waitHealthy). */
  spawn(): void {
    if (this.child) throw new Error('till already running');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TILL_DATA_DIR: this.opts.dataDir,
      TILL_PORT: String(this.opts.port),
      TILL_POS_API_KEY: this.opts.posApiKey,
      TILL_LOG_LEVEL: 'warn',
    };
    delete env.TILL_HQ_URL;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, nodeScript('main/service/cli.ts'), {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString('utf8')).slice(-16_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.expectingExit = false;
    this.starts += 1;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const info: ExitInfo = { code, signal, expected: this.expectingExit };
        if (!info.expected) this.unexpectedExits.push({ ...info, output: this.recentOutput() });
        if (this.child === child) this.child = null;
        resolve(info);
      });
    });
  }

  /** Polls GET /v1/health until it answers 200; fails if the process exits first. */
  async waitHealthy(): Promise<void> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`till exited during start-up:\n${this.recentOutput()}`);
      try {
        const res = await fetch(`${this.url}/v1/health`, {
          headers: { authorization: `Bearer ${this.opts.posApiKey}` },
          signal: AbortSignal.timeout(2_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
    throw new Error(`till did not become healthy in time:\n${this.recentOutput()}`);
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitHealthy();
  }

  /** Sends `signal` and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new Error('till is not running');
    this.expectingExit = true;
    child.kill(signal);
    return exited;
  }
}
