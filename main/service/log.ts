/**
 * One JSON line per event on stderr and in the data folder's log. Callers pass codes and ids,
 * never personal data or secrets: the logger has no way to know what to mask.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
  close?(): void;
}

export function createLogger(opts: { level: Level; file: string | null; stderr: boolean }): Logger {
  // An append stream, not a synchronous write per line: the log must not slow the counter.
  let stream: WriteStream | null = null;
  if (opts.file) {
    stream = createWriteStream(opts.file, { flags: 'a' });
    // A full disk must not take the till down through its logger.
    stream.on('error', () => {
      stream = null;
    });
  }
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[opts.level]) return;
      const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
      if (opts.stderr) process.stderr.write(`${line}\n`);
      stream?.write(`${line}\n`);
    },
    close() {
      stream?.end();
      stream = null;
    },
  };
}
