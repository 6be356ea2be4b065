/**
 * One JSON line per event on stderr and in the data folder's log. Callers pass codes and ids,
 * never personal data or secrets: the logger has no way to know what to mask.
 */
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(opts: { level: Level; file: string | null; stderr: boolean }): Logger {
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[opts.level]) return;
      const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
      if (opts.stderr) process.stderr.write(`${line}\n`);
      if (opts.file) {
        try {
          appendFileSync(opts.file, `${line}\n`);
        } catch {
          // A full disk must not take the till down through its logger.
        }
      }
    },
  };
}
