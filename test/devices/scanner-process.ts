/** Drives test/devices/fixtures/scanner.ts, a scanner in its own process writing to a pty. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeScript } from '../helpers/child-scripts.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/scanner.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export class ScannerProcess {
  private readonly proc: ChildProcess;
  private out = '';
  private err = '';
  private waiters: Array<() => void> = [];
  private oks = 0;
  private sent = 0;
  readonly ready: Promise<void>;

  constructor(path: string, baud: number) {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    this.proc = spawn(process.execPath, nodeScript(SCRIPT, path, String(baud)), {
      cwd: REPO,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stderr?.on('data', (b: Buffer) => (this.err += b.toString('utf8')));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`scanner process did not start: ${this.err}`)), 15_000);
      this.proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`scanner process exited (${code}): ${this.err}`));
      });
      this.proc.stdout?.on('data', (b: Buffer) => {
        this.out += b.toString('utf8');
        if (this.out.startsWith('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
        this.oks = (this.out.match(/^ok$/gm) ?? []).length;
        this.waiters = this.waiters.filter((w) => {
          w();
          return false;
        });
      });
    });
  }

  /** Writes each piece as one write (hex strings or buffers), pacing them like a line at this baud. */
  async write(pieces: Array<Buffer | string>, gapMs = 0): Promise<void> {
    for (const p of pieces) {
      const hex = (typeof p === 'string' ? Buffer.from(p, 'latin1') : p).toString('hex');
      this.proc.stdin?.write(`${JSON.stringify({ hex, gapMs })}\n`);
      this.sent++;
    }
    const target = this.sent;
    while (this.oks < target) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`scanner process stuck: ${this.err}`)), 10_000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
