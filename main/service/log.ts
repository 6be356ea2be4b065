/**
 * One JSON line per event on stderr and in the data folder's log. Callers pass codes and ids,
 * never personal data or secrets: the logger has no way to know what to mask.
 *
 * JSON lines are for machines and human lines (cli.ts: the address, the POS key's file, hints)
 * for people; they never share one stream (issue 14). When stderr is the same file, pipe or
 * terminal as stdout (`2>&1`, or both on one terminal), the JSON lines go to the log file only
 * and stderr gets a one-line human summary of warnings and errors instead.
 */
import { createWriteStream, fstatSync, type WriteStream } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
  close?(): void;
}

/** Whether stdout and stderr are one file (same device and inode): what a person reads is mixed then. */
export function stderrSharesStdout(): boolean {
  try {
    const out = fstatSync(1);
    const err = fstatSync(2);
    return out.dev === err.dev && out.ino === err.ino;
  } catch {
    return false;
  }
}

/** "till warning: sync_failed code=hq_unreachable failures=3": a warning as a person reads it. */
export function humanLine(level: Level, event: string, fields: Record<string, unknown>): string {
  const detail = Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `till ${level === 'error' ? 'error' : 'warning'}: ${event}${detail ? ` ${detail}` : ''}`;
}

export function createLogger(opts: {
  level: Level;
  file: string | null;
  stderr: boolean;
  /** default: stderrSharesStdout(); tests pass it */
  sharedStdout?: boolean;
}): Logger {
  // An append stream, not a synchronous write per line: the log must not slow the counter.
  let stream: WriteStream | null = null;
  if (opts.file) {
    stream = createWriteStream(opts.file, { flags: 'a' });
    // A full disk must not take the till down through its logger.
    stream.on('error', () => {
      stream = null;
    });
  }
  // Without a log file the JSON lines have nowhere else to go: stderr keeps them.
  const humanOnly = opts.stderr && opts.file !== null && (opts.sharedStdout ?? stderrSharesStdout());
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[opts.level]) return;
      const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
      if (humanOnly) {
        if (ORDER[level] >= ORDER.warn) process.stderr.write(`${humanLine(level, event, fields)}\n`);
      } else if (opts.stderr) process.stderr.write(`${line}\n`);
      stream?.write(`${line}\n`);
    },
    close() {
      stream?.end();
      stream = null;
    },
  };
}
