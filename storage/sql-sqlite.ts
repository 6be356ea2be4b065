/**
 * Runs a store step (storage/sql.ts) on better-sqlite3: every operation synchronously, with
 * statements prepared once per connection and SQL text. Call it inside db.transaction: a
 * step never awaits, so nothing interleaves with it.
 */
import type Database from 'better-sqlite3';
import { textFor, type Sql, type SqlOp } from './sql.js';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Prepared once per connection and SQL text. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let st = cache.get(sql);
  if (!st) {
    st = db.prepare(sql);
    cache.set(sql, st);
  }
  return st;
}

function execute(db: Database.Database, op: SqlOp): unknown {
  switch (op.kind) {
    case 'get':
      return prepared(db, textFor(op.sql, 'sqlite')).get(...op.params);
    case 'all':
      return prepared(db, textFor(op.sql, 'sqlite')).all(...op.params);
    case 'run': {
      const st = prepared(db, textFor(op.sql, 'sqlite'));
      // A statement that returns rows (RETURNING, PRAGMA) cannot be run(); its rows are not wanted.
      if (st.reader) return { changes: st.all(...op.params).length };
      return { changes: st.run(...op.params).changes };
    }
    case 'insertMany': {
      const marks = op.columns.map(() => '?').join(', ');
      const st = prepared(
        db,
        `INSERT INTO ${op.table} (${op.columns.join(', ')}) VALUES (${marks}) ${op.onConflict}`.trimEnd(),
      );
      for (const row of op.rows) st.run(...row);
      return undefined;
    }
    case 'dialect':
      return 'sqlite';
    case 'writesDone':
      return undefined; // every write above ran when it was yielded
    default: {
      const never: never = op;
      throw new Error(`unknown SQL operation ${JSON.stringify(never)}`);
    }
  }
}

/** Drives `step` to its end; an operation's error is thrown into the step (which may catch it). */
export function runSqlite<T>(db: Database.Database, step: Sql<T>): T {
  let next = step.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = execute(db, next.value);
    } catch (e) {
      next = step.throw(e);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}
