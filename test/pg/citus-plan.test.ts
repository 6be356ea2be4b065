/**
 * The Citus plan on paper (docs/citus.md, "Where each table lives") held to the script that
 * carries it out (headoffice/store/pg-citus.sql) and to the migrated PostgreSQL schema.
 *
 * test/pg/cluster.test.ts ("is Citus-ready") already checks that pg-citus.sql places exactly the
 * public schema's tables (schema_version aside), that every unique index of a distributed table
 * holds its distribution column, and that foreign keys stay co-located. This file checks the
 * rest: the document's table names every table of the schema once, with pg-citus.sql's placement,
 * distribution column and co-location group; its SQL listing is the script's calls in the
 * script's order; each key it names is one of the table's unique keys; and each distribution
 * column exists, is NOT NULL, and has one type and collation across its co-location group (as
 * create_distributed_table's colocate_with requires).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITUS_SQL_PATH } from '../../storage/pg-migrate.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './cluster.js';

const DOC_PATH = new URL('../../docs/citus.md', import.meta.url);
/** The migrations' bookkeeping table: on the coordinator, never handed to Citus. */
const BOOKKEEPING = 'schema_version';

type Placement =
  { kind: 'reference' } | { kind: 'local' } | { kind: 'none' } | { kind: 'distributed'; column: string; group: string };

/** A call of pg-citus.sql: its text without the guard, and the table's placement. */
interface Call {
  text: string;
  table: string;
  placement: Placement;
}

/**
 * pg-citus.sql's calls in order. A distributed table's group is named by the first table of
 * its group (colocate_with => 'none'); colocate_with must name a table distributed before it.
 */
function citusCalls(sql: string): Call[] {
  const calls: Call[] = [];
  const groups = new Map<string, string>();
  const re = /^SELECT (\w+)\('(\w+)'(?:, '(\w+)', colocate_with => '(\w+)')?\)/gm;
  for (const m of sql.matchAll(re)) {
    const [text, fn, table = '', column = '', colocate = ''] = m;
    let placement: Placement;
    if (fn === 'create_reference_table') placement = { kind: 'reference' };
    else if (fn === 'citus_add_local_table_to_metadata') placement = { kind: 'local' };
    else if (fn === 'create_distributed_table') {
      const group = colocate === 'none' ? table : groups.get(colocate);
      if (!group) throw new Error(`pg-citus.sql: ${table} is co-located with ${colocate}, not distributed before it`);
      groups.set(table, group);
      placement = { kind: 'distributed', column, group };
    } else throw new Error(`pg-citus.sql: unknown call ${fn}`);
    calls.push({ text, table, placement });
  }
  return calls;
}

interface DocRow {
  placement: Placement;
  /** the key cell, as written */
  key: string;
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

/** docs/citus.md's table of placements (the first table under "## Where each table lives"). */
function docTable(md: string): Map<string, DocRow> {
  const section = md.slice(md.indexOf('\n## Where each table lives'));
  const lines = section.split('\n');
  const start = lines.findIndex((l) => /^\| table\s*\|/.test(l));
  if (start < 0) throw new Error('docs/citus.md: no table under "Where each table lives"');
  const rows = new Map<string, DocRow>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, line.lastIndexOf('|'))
      .split('|')
      .map((c) => c.trim());
    const [table = '', where = '', column = '', group = '', key = ''] = cells.map((c, i) => (i < 4 ? unquote(c) : c));
    let placement: Placement;
    if (where === 'distributed') placement = { kind: 'distributed', column, group };
    else if (where === 'reference') placement = { kind: 'reference' };
    else if (where === 'coordinator (Citus local)') placement = { kind: 'local' };
    else if (where === 'coordinator (plain table)') placement = { kind: 'none' };
    else throw new Error(`docs/citus.md: ${table}: unknown placement "${where}"`);
    if (placement.kind !== 'distributed' && (column !== '—' || group !== '—')) {
      throw new Error(`docs/citus.md: ${table} is not distributed yet names a column or group`);
    }
    if (rows.has(table)) throw new Error(`docs/citus.md: ${table} has two rows`);
    rows.set(table, { placement, key });
  }
  return rows;
}

/** The calls of the document's SQL listing (the fenced block after "The calls"), comments and `;` dropped. */
function docListing(md: string): string[] {
  const from = md.indexOf('```sql', md.indexOf('\nThe calls'));
  const block = md.slice(from + '```sql'.length, md.indexOf('```', from + 1));
  return block
    .split('\n')
    .map((l) => l.replace(/--.*$/, '').trim())
    .filter((l) => l.startsWith('SELECT '))
    .map((l) => l.replace(/;$/, ''));
}

/** The distributed tables as sets by co-location group, whatever the groups are called. */
function groupsOf(placements: Iterable<[string, Placement]>): string[][] {
  const by = new Map<string, string[]>();
  for (const [table, p] of placements) {
    if (p.kind !== 'distributed') continue;
    const tables = by.get(p.group) ?? [];
    tables.push(table);
    by.set(p.group, tables);
  }
  return [...by.values()].map((t) => t.sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

describe.skipIf(pgSkipReason())('the Citus plan (docs/citus.md, pg-citus.sql) against the schema', () => {
  const sql = readFileSync(CITUS_SQL_PATH, 'utf8');
  const md = readFileSync(DOC_PATH, 'utf8');
  const calls = citusCalls(sql);
  const script = new Map(calls.map((c) => [c.table, c.placement]));
  const doc = docTable(md);

  let db: TestDatabase;
  let pool: pg.Pool;
  let tables: string[];
  let columns: Map<string, Map<string, { type: string; collation: string; notNull: boolean }>>;
  let uniques: { t: string; idx: string; cols: string[] }[];
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const t = await pool.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
    tables = t.rows.map((r) => r.t).sort();
    const c = await pool.query<{ t: string; c: string; type: string; collation: string; not_null: boolean }>(
      `SELECT k.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type,
              coalesce(co.collname, '') AS collation, a.attnotnull AS not_null
         FROM pg_attribute a JOIN pg_class k ON k.oid = a.attrelid JOIN pg_namespace n ON n.oid = k.relnamespace
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE n.nspname = 'public' AND k.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    columns = new Map();
    for (const r of c.rows) {
      const of = columns.get(r.t) ?? columns.set(r.t, new Map()).get(r.t);
      of?.set(r.c, { type: r.type, collation: r.collation, notNull: r.not_null });
    }
    const u = await pool.query<{ t: string; idx: string; cols: string[] }>(
      `SELECT c.relname AS t, i.relname AS idx,
              array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY AS k (attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS cols
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND x.indisunique`,
    );
    uniques = u.rows;
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('docs/citus.md has one row for every table of the migrated schema, and none for a table it lacks', () => {
    expect([...doc.keys()].sort()).toEqual(tables);
  });

  it("each row has pg-citus.sql's placement and distribution column; only the bookkeeping table is left out", () => {
    for (const [table, row] of doc) {
      if (table === BOOKKEEPING) {
        expect(row.placement, table).toEqual({ kind: 'none' });
        expect(script.has(table), `${table} is not for Citus`).toBe(false);
        continue;
      }
      const placed = script.get(table);
      expect(placed, `${table} is placed by pg-citus.sql`).toBeDefined();
      expect(row.placement.kind, table).toBe(placed?.kind);
      if (row.placement.kind === 'distributed' && placed?.kind === 'distributed') {
        expect(row.placement.column, `${table}'s distribution column`).toBe(placed.column);
      }
    }
    for (const table of script.keys()) expect(doc.has(table), `docs/citus.md has a row for ${table}`).toBe(true);
  });

  it("the co-location groups of docs/citus.md are pg-citus.sql's", () => {
    expect(groupsOf([...doc].map(([table, row]) => [table, row.placement]))).toEqual(groupsOf(script));
  });

  it("the SQL listing of docs/citus.md is pg-citus.sql's calls, in the script's order", () => {
    expect(docListing(md)).toEqual(calls.map((c) => c.text));
  });

  it('every key the table names is a unique key of that table, and every unique key is named', () => {
    for (const u of uniques) {
      const row = doc.get(u.t);
      expect(row, u.t).toBeDefined();
      const named =
        u.cols.length === 1
          ? new RegExp(`(^|[^\\w])${u.cols[0]}([^\\w]|$)`).test(row?.key ?? '')
          : (row?.key ?? '').includes(`(${u.cols.join(', ')})`);
      expect(named, `${u.t}: key ${u.idx} (${u.cols.join(', ')}) in "${row?.key}"`).toBe(true);
    }
    // The other way: each parenthesised column list of a key cell is a unique key (or an FK's note).
    for (const [table, row] of doc) {
      const keys = new Set(uniques.filter((u) => u.t === table).map((u) => u.cols.join(', ')));
      for (const m of row.key.matchAll(/`(?:UNIQUE )?\(([\w, ]+)\)`/g)) {
        expect(keys, `${table}: "${m[0]}" is a unique key`).toContain(m[1]);
      }
    }
  });

  it('every distribution column exists, is NOT NULL, and has one type and collation per co-location group', () => {
    const groupType = new Map<string, string>();
    for (const [table, p] of script) {
      if (p.kind !== 'distributed') continue;
      const col = columns.get(table)?.get(p.column);
      expect(col, `${table}.${p.column} exists`).toBeDefined();
      if (!col) continue;
      expect(col.notNull, `${table}.${p.column} is NOT NULL`).toBe(true);
      const shape = `${col.type} COLLATE "${col.collation}"`;
      const first = groupType.get(p.group) ?? (groupType.set(p.group, shape), shape);
      expect(shape, `${table}.${p.column} is co-located with ${p.group}`).toBe(first);
    }
  });
});
