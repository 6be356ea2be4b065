/**
 * Numbered SQL migrations (NNN_name.sql), applied in one transaction. A database written by
 * a newer version of the till is refused rather than guessed at.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class DatabaseFromFutureError extends Error {
  readonly code = 'database_from_future';
  constructor(found: number, known: number) {
    super(`database schema version ${found} is newer than this till knows (${known}); upgrade the till`);
    this.name = 'DatabaseFromFutureError';
  }
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 3));
      if (version !== i + 1) throw new Error(`migration numbering has a gap at ${f}`);
      return { version, name: f, sql: readFileSync(join(dir, f), 'utf8') };
    });
}

export function migrate(db: Database.Database, migrations: Migration[] = loadMigrations()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) throw new DatabaseFromFutureError(current, latest);
  if (current === latest) return current;
  db.transaction(() => {
    for (const m of migrations.slice(current)) db.exec(m.sql);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return latest;
}
