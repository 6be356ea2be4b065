/**
 * Runs a store step (storage/sql.ts) on PostgreSQL: each operation awaited on one pooled
 * client, inside the transaction the caller opened on that client.
 *
 * SQL text translation, done once per text and cached:
 *   `?`                    -> `$1`, `$2`, ... (a `?` inside '...' is left alone)
 *   `AS camelCase`         -> `AS "camelCase"` (PostgreSQL folds unquoted names to lower case;
 *                             SQLite keeps them as written, and the steps read them as written)
 * Each translated text runs as a named prepared statement (planned once per connection).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { textFor, type Sql, type SqlOp, type SqlValue } from './sql.js';

const translated = new Map<string, { text: string; name: string }>();

export function toPgText(sql: string): string {
  let out = '';
  let n = 0;
  let quoted = false;
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    if (ch === '?' && !quoted) out += `$${++n}`;
    else out += ch;
  }
  return out.replace(/\bAS ([a-z]+[A-Z][A-Za-z0-9]*)\b/g, 'AS "$1"');
}

function statement(sql: string): { text: string; name: string } {
  let t = translated.get(sql);
  if (!t) {
    const text = toPgText(sql);
    t = { text, name: `hq_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` };
    translated.set(sql, t);
  }
  return t;
}

/** pg takes Buffers for bytea; a plain Uint8Array would be sent as text. */
function param(v: SqlValue): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
}

/** PostgreSQL accepts at most 65,535 parameters in one statement; chunks stay well below. */
const MAX_PARAMS_PER_INSERT = 30_000;

async function insertMany(client: pg.ClientBase, op: Extract<SqlOp, { kind: 'insertMany' }>): Promise<void> {
  const width = op.columns.length;
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS_PER_INSERT / width));
  for (let start = 0; start < op.rows.length; start += perChunk) {
    const chunk = op.rows.slice(start, start + perChunk);
    const values: unknown[] = [];
    const tuples = chunk.map((row, r) => {
      for (const v of row) values.push(param(v));
      return `(${row.map((_, c) => `$${r * width + c + 1}`).join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${op.table} (${op.columns.join(', ')}) VALUES ${tuples.join(', ')} ${op.onConflict}`.trimEnd(),
      values,
    );
  }
}

async function execute(client: pg.ClientBase, op: SqlOp): Promise<unknown> {
  switch (op.kind) {
    case 'get':
    case 'all':
    case 'run': {
      const st = statement(textFor(op.sql, 'pg'));
      const res = await client.query({ name: st.name, text: st.text, values: op.params.map(param) });
      if (op.kind === 'get') return res.rows[0];
      if (op.kind === 'all') return res.rows;
      return { changes: res.rowCount ?? 0 };
    }
    case 'insertMany':
      return insertMany(client, op);
    case 'dialect':
      return 'pg';
    default: {
      const never: never = op;
      throw new Error(`unknown SQL operation ${JSON.stringify(never)}`);
    }
  }
}

/** Drives `step` to its end on `client`; an operation's error is thrown into the step. */
export async function runPg<T>(client: pg.ClientBase, step: Sql<T>): Promise<T> {
  let next = step.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await execute(client, next.value);
    } catch (e) {
      next = step.throw(e);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}

/** int8 (counts, sums of milliseconds) and numeric (sums) as JS numbers, like SQLite's integers. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export type PgPool = pg.Pool;

export function openPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types: pgTypes as pg.CustomTypesConfig });
}
