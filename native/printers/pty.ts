/**
 * A real serial link for tests: a socat pty pair. `socat -d -d pty,raw,echo=0 pty,raw,echo=0`
 * prints the two /dev/pts paths on stderr ("N PTY is /dev/pts/7"); whatever one end writes
 * the other reads, with termios like a UART. `link` gives the first end a fixed path (a
 * symlink socat creates and removes), so a "printer" can appear at a configured path later.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface PtyPair {
  /** the till's end (the symlink when `link` was given) */
  a: string;
  /** the printer's end */
  b: string;
  /** the real /dev/pts paths */
  ptys: [string, string];
  close(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export function openPtyPair(opts: { link?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const first = `pty,raw,echo=0${opts.link ? `,link=${opts.link}` : ''}`;
  const child: ChildProcess = spawn('socat', ['-d', '-d', first, 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const paths: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`socat did not report two ptys: ${err}`));
    }, opts.timeoutMs ?? 5000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      if (paths.length < 2) {
        clearTimeout(timer);
        reject(new Error(`socat exited (${code}) before reporting its ptys: ${err}`));
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      err += chunk;
      for (const m of chunk.matchAll(/PTY is (\/dev\/\S+)/g)) if (m[1]) paths.push(m[1]);
      // socat logs "starting data transfer loop" once both ends exist.
      if (paths.length >= 2 && /starting data transfer loop/.test(err)) {
        clearTimeout(timer);
        const [p1, p2] = paths as [string, string];
        resolve({
          a: opts.link ?? p1,
          b: p2,
          ptys: [p1, p2],
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
