/**
 * Real serial lines for tests and benchmarks: pty pairs made by socat. One end (the "scanner"
 * end) is written by a scanner process, the other is the till's serial port. Each end gets a
 * stable symlink (socat `link=`), so killing socat (unplugging the cable) and starting it again
 * on the same links (plugging it back) gives the till the same port path, as a USB serial
 * adapter replugged into the same port does (udev by-id/by-path links).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Why socat cannot be used here, or null when it can. */
export function socatUnavailable(): string | null {
  const r = spawnSync('socat', ['-V'], { encoding: 'utf8' });
  if (r.error)
    return `socat is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); apt-get install socat`;
  return null;
}

export class PtyPair {
  private proc: ChildProcess | null = null;
  /** the /dev/pts/N devices of the current run: [scanner end, till end] */
  pts: string[] = [];
  private stderr = '';

  constructor(
    readonly scannerLink: string,
    readonly tillLink: string,
  ) {}

  get running(): boolean {
    return this.proc !== null;
  }

  /** Starts socat and resolves once both ptys exist and data flows. */
  start(timeoutMs = 5000): Promise<void> {
    if (this.proc) return Promise.reject(new Error('socat already running'));
    this.stderr = '';
    this.pts = [];
    const proc = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.scannerLink}`, `pty,raw,echo=0,link=${this.tillLink}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc = proc;
    return new Promise((resolve, reject) => {
      let started = false;
      const timer = setTimeout(() => fail(new Error(`socat did not start: ${this.stderr}`)), timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        this.proc = null;
        reject(e);
      };
      proc.once('error', fail);
      proc.once('exit', (code) => {
        if (this.proc === proc) this.proc = null;
        clearTimeout(timer);
        if (!started) reject(new Error(`socat exited (${code}) during start: ${this.stderr}`));
      });
      proc.stderr?.on('data', (b: Buffer) => {
        this.stderr = (this.stderr + b.toString('utf8')).slice(-8000);
        if (started) return; // socat keeps logging (-d -d); only the start-up lines matter
        this.pts = [...this.stderr.matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1] as string);
        if (this.pts.length === 2 && /starting data transfer loop/.test(this.stderr)) {
          if (existsSync(this.scannerLink) && existsSync(this.tillLink)) {
            started = true;
            clearTimeout(timer);
            resolve();
          }
        }
      });
    });
  }

  /** Kills socat: both ptys vanish, as when a serial cable is pulled. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 6000));
    const r = await Promise.race([exited, stuck]);
    clearTimeout(timer);
    if (r === 'stuck') {
      const pid = proc.pid ?? 0;
      const read = (f: string): string => {
        try {
          return readFileSync(`/proc/${pid}/${f}`, 'utf8').trim();
        } catch (e) {
          return String(e);
        }
      };
      throw new Error(
        `socat ${pid} did not exit: ${
          read('status')
            .split('\n')
            .find((l) => l.startsWith('State')) ?? ''
        }; ` + `wchan ${read('wchan')}; stack ${read('stack')}; exitCode ${proc.exitCode} signal ${proc.signalCode}`,
      );
    }
    this.proc = null;
  }
}
