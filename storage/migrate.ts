/**
 * Numbered SQL migrations (NNN_name.sql), applied in one transaction. A database written by
 * a newer version of the program is refused rather than guessed at. Shared by the till
 * (main/db/migrations) and head office (headoffice/store/migrations, and the PostgreSQL
 * migrations in headoffice/store/pg-migrations, which pg-migrate.ts runs with the same rules).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class DatabaseFromFutureError extends Error {
  readonly code = 'database_from_future';
  constructor(found: number, known: number) {
    super(`database schema version ${found} is newer than this program knows (${known}); upgrade it`);
    this.name = 'DatabaseFromFutureError';
  }
}

export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f, i) => {
      const version = Number(f.slice(0, 3));
      if (version !== i + 1) throw new Error(`migration numbering has a gap at ${f}`);
      return { version, name: f, sql: readFileSync(join(dir, f), 'utf8') };
    });
}

export function migrate(db: Database.Database, migrations: Migration[]): number {
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
