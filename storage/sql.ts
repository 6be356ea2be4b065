/**
 * One body of store code for two databases. Head office's store steps are generator
 * functions that yield SQL operations and receive their results; a runner executes them:
 *
 *   runner            database                 how an operation runs
 *   sql-sqlite.ts     better-sqlite3 (embedded) synchronously, inside db.transaction: nothing
 *                                               can interleave, as the till's own store
 *   sql-pg.ts         PostgreSQL (pg pool)     awaited on one pooled client between BEGIN and
 *                                               COMMIT, as named prepared statements
 *
 * So a rule such as "a till's batches apply in order exactly once" is written once, and each
 * database runs it with its own durability and locking. A step reads as plain code:
 *
 *   const row = yield* get<{ hash: string }>('SELECT hash FROM ledger WHERE till_id = ? AND seq = ?', tillId, seq);
 *
 * SQL text is written once in the dialect both share (`?` placeholders, `ON CONFLICT ... DO
 * UPDATE`, `COALESCE`, `RETURNING`); the PostgreSQL runner numbers the placeholders. Where
 * the dialects truly differ, `dialectSql({ sqlite, pg })` carries both texts.
 *
 * Integers come back as JS numbers from both (the pool parses int8 and numeric); values
 * stored as 0/1 stay integers on both (no boolean columns).
 */

export type SqlValue = string | number | bigint | Buffer | Uint8Array | null;

/** `@name` parameters, for statements with many: pass one object as the only parameter. */
export type SqlParams = readonly SqlValue[] | readonly [Readonly<Record<string, SqlValue>>];

export interface DialectSql {
  sqlite: string;
  pg: string;
}

export type SqlText = string | DialectSql;

export type Dialect = 'sqlite' | 'pg';

export type SqlOp =
  | { kind: 'get' | 'all' | 'run'; sql: SqlText; params: SqlParams }
  /** Several rows into one table in as few statements as the database allows. */
  | {
      kind: 'insertMany';
      table: string;
      columns: readonly string[];
      rows: readonly (readonly SqlValue[])[];
      onConflict: string;
    }
  /** Which database runs this step (for the rare decision that depends on it). */
  | { kind: 'dialect' }
  /** Waits for writes the runner sent ahead (sql-pg.ts), so their failure is thrown here. */
  | { kind: 'writesDone' };

/** A store step: yields SQL operations, returns T. */
export type Sql<T> = Generator<SqlOp, T, unknown>;

export interface RunResult {
  changes: number;
}

export function dialectSql(texts: DialectSql): DialectSql {
  return texts;
}

/** The first row, or undefined. */
export function* get<T>(sql: SqlText, ...params: SqlParams): Sql<T | undefined> {
  return (yield { kind: 'get', sql, params }) as T | undefined;
}

/** Every row. */
export function* all<T>(sql: SqlText, ...params: SqlParams): Sql<T[]> {
  return (yield { kind: 'all', sql, params }) as T[];
}

/** A statement without rows (or whose rows are not needed); how many rows it changed. */
export function* run(sql: SqlText, ...params: SqlParams): Sql<RunResult> {
  return (yield { kind: 'run', sql, params }) as RunResult;
}

/**
 * Inserts `rows` into `table`: SQLite runs one prepared statement per row (cheap in-process);
 * PostgreSQL sends multi-row INSERTs of up to a few thousand values each (one round trip per
 * chunk). `onConflict` is appended as is (e.g. `ON CONFLICT DO NOTHING`), '' for none.
 */
export function* insertMany(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  onConflict = '',
): Sql<void> {
  if (rows.length > 0) yield { kind: 'insertMany', table, columns, rows, onConflict };
}

/**
 * Where a step must learn now whether its writes failed: the PostgreSQL runner sends inserts
 * ahead without waiting (sql-pg.ts), and a failure otherwise surfaces at the next operation.
 */
export function* writesDone(): Sql<void> {
  yield { kind: 'writesDone' };
}

/**
 * Several rows of `table` updated in one statement: `types` names the columns (the first is
 * the key that finds each row) with their PostgreSQL types, `rows` their values. `onlyIf`, a
 * further condition on the row (`t`) and its new values (`v`).
 */
export function* updateRows<C extends string>(
  table: string,
  types: Readonly<Record<C, 'text' | 'bigint'>>,
  rows: readonly Readonly<Record<C, string | number | null>>[],
  onlyIf = '',
): Sql<RunResult> {
  if (rows.length === 0) return { changes: 0 };
  const columns = Object.keys(types) as C[];
  const key = columns[0] as C;
  const set = columns
    .filter((c) => c !== key)
    .map((c) => `${c} = v.${c}`)
    .join(', ');
  const where = `t.${key} = v.${key}${onlyIf ? ` AND (${onlyIf})` : ''}`;
  return yield* run(
    {
      sqlite: `UPDATE ${table} AS t SET ${set} FROM (SELECT ${columns.map((c) => `json_extract(value, '$.${c}') AS ${c}`).join(', ')}
        FROM json_each(?)) AS v WHERE ${where}`,
      pg: `UPDATE ${table} AS t SET ${set} FROM jsonb_to_recordset(?::jsonb)
        AS v(${columns.map((c) => `${c} ${types[c]}`).join(', ')}) WHERE ${where}`,
    },
    JSON.stringify(rows),
  );
}

export function* dialect(): Sql<Dialect> {
  return (yield { kind: 'dialect' }) as Dialect;
}

let savepoints = 0;

/**
 * Runs `body` so that, if it throws, what it wrote is undone and the enclosing transaction
 * carries on (SAVEPOINT / ROLLBACK TO / RELEASE on both databases). The error is rethrown.
 */
export function* savepoint<T>(body: Sql<T>): Sql<T> {
  const name = `sp_${++savepoints}`;
  yield* run(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = yield* body;
    // A write of the body that failed is the body's failure: rolled back to here.
    yield* writesDone();
  } catch (e) {
    yield* run(`ROLLBACK TO SAVEPOINT ${name}`);
    yield* run(`RELEASE SAVEPOINT ${name}`);
    throw e;
  }
  yield* run(`RELEASE SAVEPOINT ${name}`);
  return result;
}

export function textFor(sql: SqlText, d: Dialect): string {
  return typeof sql === 'string' ? sql : sql[d];
}

/**
 * A statement that takes a list as one JSON array parameter (`JSON.stringify(ids)`): `sqlWith`
 * receives `isIn`, which makes "column is one of the list", e.g.
 * `(isIn) => \`DELETE FROM inbox WHERE ${isIn('id')}\``.
 *
 * On PostgreSQL that is `column = ANY(ARRAY(...))`, which the planner takes as an index
 * condition: `column IN (SELECT ...)` was planned as a hash join over every row the other
 * conditions left (all of a till's sales, read again for each batch) whenever the table's
 * statistics were stale, as they are while a table grows fast.
 */
export function withJsonList(
  sqlWith: (isIn: (column: string) => string) => string,
  type: 'text' | 'bigint',
): DialectSql {
  const value = type === 'bigint' ? 'value::bigint' : 'value';
  return {
    sqlite: sqlWith((column) => `${column} IN (SELECT value FROM json_each(?))`),
    pg: sqlWith((column) => `${column} = ANY(ARRAY(SELECT ${value} FROM jsonb_array_elements_text(?::jsonb)))`),
  };
}
