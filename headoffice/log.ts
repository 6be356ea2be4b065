/**
 * One JSON line per event, on stderr and in HQ_DATA_DIR/headoffice.log. Callers pass codes
 * and ids only, never personal data or secrets.
 */
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
}

export function createLogger(opts: { file: string | null; stderr: boolean }): Logger {
  return {
    log(level, event, fields = {}) {
      const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
      if (opts.stderr) process.stderr.write(`${line}\n`);
      if (opts.file) {
        try {
          appendFileSync(opts.file, `${line}\n`);
        } catch {
          // A full disk must not take head office down through its logger.
        }
      }
    },
  };
}
