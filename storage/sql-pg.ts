/**
 * Runs a store step (storage/sql.ts) on PostgreSQL: each operation awaited on one pooled
 * client, inside the transaction the caller opened on that client.
 *
 * SQL text translation, done once per text and cached:
 *   `?`                    -> `$1`, `$2`, ... (a `?` inside '...' is left alone)
 *   `@name` (one object)   -> `$1`, ... numbered by first appearance, values taken by name
 *   `INDEXED BY name`      -> removed (SQLite's planner hint; PostgreSQL plans by statistics)
 *   `AS camelCase`         -> `AS "camelCase"` (PostgreSQL folds unquoted names to lower case;
 *                             SQLite keeps them as written, and the steps read them as written)
 * Each translated text runs as a named prepared statement (planned once per connection).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { textFor, type Sql, type SqlOp, type SqlParams, type SqlValue } from './sql.js';

const translated = new Map<string, { text: string; name: string; names: string[] }>();

/** The text PostgreSQL runs, and the `@name` parameters in the order of their numbers. */
export function toPgText(sql: string): { text: string; names: string[] } {
  let out = '';
  let n = 0;
  let quoted = false;
  const names: string[] = [];
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string;
    if (ch === "'") quoted = !quoted;
    const named = !quoted && ch === '@' ? /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i)) : null;
    if (named) {
      const name = named[1] as string;
      if (!names.includes(name)) names.push(name);
      out += `$${names.indexOf(name) + 1}`;
      i += name.length;
    } else if (ch === '?' && !quoted) out += `$${++n}`;
    else out += ch;
  }
  const text = out.replace(/\s+INDEXED BY \w+/g, '').replace(/\bAS ([a-z]+[A-Z][A-Za-z0-9]*)\b/g, 'AS "$1"');
  return { text, names };
}

function statement(sql: string): { text: string; name: string; names: string[] } {
  let t = translated.get(sql);
  if (!t) {
    const { text, names } = toPgText(sql);
    t = { text, names, name: `hq_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` };
    translated.set(sql, t);
  }
  return t;
}

function values(params: SqlParams, names: readonly string[]): unknown[] {
  if (names.length === 0) return (params as readonly SqlValue[]).map(param);
  const byName = params[0] as Readonly<Record<string, SqlValue>>;
  return names.map((n) => {
    if (!(n in byName)) throw new Error(`SQL parameter @${n} missing`);
    return param(byName[n] as SqlValue);
  });
}

/** pg takes Buffers for bytea; a plain Uint8Array would be sent as text. */
function param(v: SqlValue): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
}

/** Rows per statement: one JSON parameter, so the message grows with the rows, not the parameter count. */
const ROWS_PER_INSERT = 5_000;

/** Column types by database and table, read from the catalog once per process. */
const columnTypes = new Map<string, Map<string, string>>();

function typesKey(client: pg.ClientBase, table: string): string {
  return `${(client as pg.Client).database ?? ''}\0${table}`;
}

async function typesOf(client: pg.ClientBase, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(typesKey(client, table));
  if (!types) {
    const res = await client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [table],
    );
    types = new Map(res.rows.map((r) => [r.name, r.type]));
    columnTypes.set(typesKey(client, table), types);
  }
  return types;
}

/** A value as JSON can carry it: bigints as their digits, bytes as hex (decoded in the SQL). */
function jsonValue(v: SqlValue): string | number | null {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return v;
}

/**
 * A lone UTF-16 surrogate in a string: JSON.stringify writes it as a `\udXXX` escape (a paired
 * one it writes as the character), which PostgreSQL's JSON parser refuses. Written as U+FFFD,
 * what pg's UTF-8 encoding of a plain text parameter makes of it. The escape's backslash must
 * not itself be escaped (an even run of backslashes before it).
 */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

export function rowsJson(rows: readonly (readonly SqlValue[])[]): string {
  const json = JSON.stringify(rows.map((row) => row.map(jsonValue)));
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json;
}

/**
 * Many rows as one `INSERT ... SELECT (r->>0)::type, ... FROM jsonb_array_elements($1::jsonb) r`:
 * the rows as one JSON parameter. The text depends only on the table and columns, so it is
 * prepared once per connection. A multi-row VALUES list with a parameter per value was parsed
 * and planned anew for each batch and wrote the ledger about a third slower; one array
 * parameter per column (unnest) cost Node twice the CPU that JSON.stringify does, pg escaping
 * each element into the arrays' text (docs/postgres.md).
 */
function insertMany(
  client: pg.ClientBase,
  op: Extract<SqlOp, { kind: 'insertMany' }>,
  types: ReadonlyMap<string, string>,
): () => Promise<void> {
  const fields = op.columns.map((c, i) => {
    const t = types.get(c);
    if (!t) throw new Error(`insertMany: ${op.table} has no column ${c}`);
    return t === 'bytea' ? `decode(r->>${i}, 'hex')` : `(r->>${i})::${t}`;
  });
  const text =
    `INSERT INTO ${op.table} (${op.columns.join(', ')}) SELECT ${fields.join(', ')} FROM jsonb_array_elements($1::jsonb) r ${op.onConflict}`.trimEnd();
  const name = `hq_many_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  // The rows are written out now, as the step yields them: sent ahead, they go later, and
  // nothing the step does meanwhile to its arrays or buffers can change what is written.
  const chunks: string[] = [];
  for (let start = 0; start < op.rows.length; start += ROWS_PER_INSERT) {
    chunks.push(rowsJson(op.rows.slice(start, start + ROWS_PER_INSERT)));
  }
  return async () => {
    for (const json of chunks) await client.query({ name, text, values: [json] });
  };
}

async function execute(client: pg.ClientBase, op: SqlOp): Promise<unknown> {
  switch (op.kind) {
    case 'get':
    case 'all':
    case 'run': {
      const st = statement(textFor(op.sql, 'pg'));
      const res = await client.query({ name: st.name, text: st.text, values: values(op.params, st.names) });
      if (op.kind === 'get') return res.rows[0];
      if (op.kind === 'all') return res.rows;
      return { changes: res.rowCount ?? 0 };
    }
    case 'insertMany':
      return insertMany(client, op, await typesOf(client, op.table))();
    case 'dialect':
      return 'pg';
    case 'writesDone':
      return undefined; // runPg waits for the writes sent ahead after every operation
    default: {
      const never: never = op;
      throw new Error(`unknown SQL operation ${JSON.stringify(never)}`);
    }
  }
}

/**
 * HQ_SQL_PROFILE=1: time and count every statement text; the 40 costliest are printed to
 * stderr when the process exits (how docs/postgres.md finds where applying waits).
 */
const profile = process.env.HQ_SQL_PROFILE ? new Map<string, { n: number; ms: number }>() : null;
if (profile) {
  process.on('exit', () => {
    const top = [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40);
    for (const [k, p] of top)
      process.stderr.write(`${p.ms.toFixed(0).padStart(7)} ms ${String(p.n).padStart(7)}x ${k}\n`);
  });
}

function profiled(op: SqlOp, ms: number): void {
  if (!profile) return;
  const text = op.kind === 'insertMany' ? `INSERT MANY ${op.table}` : 'sql' in op ? textFor(op.sql, 'pg') : op.kind;
  const k = text.replace(/\s+/g, ' ').slice(0, 110);
  const p = profile.get(k) ?? { n: 0, ms: 0 };
  p.n++;
  p.ms += ms;
  profile.set(k, p);
}

/**
 * Writes sent ahead: an `insertMany` is queued and the step goes on at once, so Node folds the
 * next till's entries while PostgreSQL writes the last one's rows (an apply pass waited on its
 * inserts for about a third of its time). Queued writes run one after another, and any other
 * operation runs only once they are done, so every later read sees their rows (the queue is
 * ours: pg's own queueing of a query on a busy client is deprecated). A write that failed is
 * thrown into the step at its next operation (any other kind, or `writesDone`) instead of
 * running it (after a failure PostgreSQL refuses everything until a rollback), and from runPg
 * if the step ends first; writes queued after it are not sent.
 */
class WritesAhead {
  private queue: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  /** whether anything was sent since the last settle (most steps send nothing ahead) */
  private sent = false;
  private abandoned = false;

  get idle(): boolean {
    return !this.sent;
  }

  send(write: () => Promise<unknown>): void {
    this.sent = true;
    this.queue = this.queue.then(async () => {
      if (this.failure || this.abandoned) return;
      try {
        await write();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Waits for every write queued; the first failure since the last call, if any. */
  async settle(): Promise<{ error: unknown } | null> {
    this.sent = false;
    await this.queue;
    const f = this.failure;
    this.failure = null;
    return f;
  }

  /**
   * The step failed: writes not yet sent are dropped, and the one in flight is waited for, so
   * nothing reaches the connection after the caller's ROLLBACK (a write sent then would run
   * outside any transaction, and commit).
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    await this.queue;
  }
}

/** Drives `step` to its end on `client`; an operation's error is thrown into the step. */
export async function runPg<T>(client: pg.ClientBase, step: Sql<T>): Promise<T> {
  const ahead = new WritesAhead();
  try {
    return await drive(client, step, ahead);
  } catch (e) {
    // The step threw, or a write failed: the caller rolls back next, and no write still queued
    // may reach the connection after that.
    await ahead.abandon();
    throw e;
  }
}

async function drive<T>(client: pg.ClientBase, step: Sql<T>, ahead: WritesAhead): Promise<T> {
  let next = step.next();
  while (!next.done) {
    const op = next.value;
    const types = op.kind === 'insertMany' ? columnTypes.get(typesKey(client, op.table)) : undefined;
    if (op.kind === 'insertMany' && types) {
      let write: () => Promise<void>;
      try {
        write = insertMany(client, op, types);
      } catch (error) {
        next = step.throw(error); // a column the table lacks: the step's own mistake, at once
        continue;
      }
      ahead.send(async () => {
        const t0 = profile ? performance.now() : 0;
        await write();
        if (profile) profiled(op, performance.now() - t0);
      });
      next = step.next(undefined);
      continue;
    }
    if (op.kind === 'dialect') {
      // Asks nothing of the database, so it waits for none of the writes sent ahead. (An apply
      // pass asks it thousands of times; the wait it had done there now falls on the next read,
      // so applying is no faster: docs/postgres.md "Seventh session".)
      next = step.next('pg');
      continue;
    }
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    const failed = ahead.idle ? null : await ahead.settle();
    if (failed) outcome = { ok: false, error: failed.error };
    else {
      try {
        const t0 = profile ? performance.now() : 0;
        outcome = { ok: true, value: await execute(client, op) };
        if (profile) profiled(op, performance.now() - t0);
      } catch (error) {
        outcome = { ok: false, error };
      }
    }
    next = outcome.ok ? step.next(outcome.value) : step.throw(outcome.error);
  }
  const failed = await ahead.settle();
  if (failed) throw failed.error;
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

export function openPool(url: string, max = 10, onLost: (e: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes as pg.CustomTypesConfig });
  // A connection lost while checked out (the server restarted, a failover, a network cut)
  // emits 'error' on its client, and an 'error' nobody listens to ends the process: the query
  // in flight fails instead (its transaction is retried or answered as unavailable), and the
  // pool replaces the connection.
  pool.on('connect', (client) => client.on('error', onLost));
  return pool;
}
