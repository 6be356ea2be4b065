/**
 * Shared by head office's tests (not production code): a real server on 127.0.0.1 with a
 * real temp data dir, the till simulator (loadgen/till-sim.ts: signed ledger entries the way
 * the till service writes them), and clients that sign like a till.
 */
import { afterEach, beforeEach } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import pg from 'pg';
import { signedPoints } from '../core/ledger/entry.js';
import { GENESIS_HASH } from '../core/ledger/hash.js';
import type { RuleSet } from '../core/ruleset/schema.js';
import { SealedChangesResponse, SYNC_PATHS } from '../core/sync/protocol.js';
import { openChange, personalKey } from '../core/sync/personal.js';
import {
  HQ_SIGNATURE_HEADER,
  parseHqPublicKey,
  parseTillAuthorization,
  signRequest,
  verifyAnswer,
  type TillCredentials,
} from '../core/sync/sign.js';
import { TillSim } from '../loadgen/till-sim.js';
import { addTill } from './provision.js';
import { createHeadOffice, type HeadOffice, type HeadOfficeOptions } from './server.js';
import { WRITER_LOCK } from './store/pg.js';
import { DB_FILE } from './store/sqlite.js';
import { pgTypes, toPgText } from '../storage/sql-pg.js';
import { createTestDatabase } from '../test/pg/cluster.js';
import { nodeScript, REPO_ROOT } from '../test/helpers/child-scripts.js';

/** The till simulator moved to loadgen/till-sim.ts (the load generator drives it too). */
export { TillSim };

export const OPERATOR_TOKEN = 'test-operator-token';

export interface TestHq {
  /** the running head office; after restart() a new one on the same data dir (url and port may differ) */
  hq: HeadOffice;
  dataDir: string;
  /**
   * The environment of a `headoffice/cli.ts` child on this head office's data: HQ_DATA_DIR,
   * and on PostgreSQL HQ_DATABASE_URL (on SQLite HQ_DATABASE_URL is left out: remove an
   * inherited one before spreading this).
   */
  env: Record<string, string>;
  /**
   * Rows of a query on the store's database through a second connection, as another process
   * sees them (`?` placeholders; on SQLite a read-only connection to the file, on PostgreSQL a
   * pg client with int8/numeric as numbers). Applies nothing: call `hq.store.settle()` first
   * to read what was applied.
   */
  sql<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]>;
  /**
   * A write through a second connection, as another process would make it; resolves to the
   * rows changed. On PostgreSQL it holds the writer lock and leaves a new writer token, so the
   * running store drops its caches as SQLite's `PRAGMA data_version` makes it do there.
   */
  exec(text: string, ...params: unknown[]): Promise<number>;
  /** Another head-office process on the same data folder and database, as the first was started; the test closes it. */
  another(overrides?: Pick<HeadOfficeOptions, 'feedGzip'>): Promise<HeadOffice>;
  /**
   * Closes the running head office without deleting its data dir, runs `between` (if given)
   * while none runs, e.g. to edit the database file, and starts a new one with the same options.
   */
  restart(between?: () => void | Promise<void>): Promise<void>;
  /** Closes head office and deletes its data dir. */
  close(): Promise<void>;
}

/**
 * Which store the head-office suites run on: the embedded SQLite file, or (vitest project
 * `postgres`, HQ_TEST_STORE=postgres) a fresh database of the run's PostgreSQL server
 * (test/pg/cluster.ts) per head office started.
 */
export function testStore(): 'sqlite' | 'postgres' {
  return process.env.HQ_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * `channel`: how messages reach members instead of the simulated channel's file (HQ_DATA_DIR/messages.jsonl);
 * `now`: head office's clock (a test that steps through simulated days).
 */
export async function startHq(
  extra: Pick<HeadOfficeOptions, 'channel' | 'trustedProxies' | 'metricsToken' | 'now'> = {},
): Promise<TestHq> {
  const dir = mkdtempSync(join(tmpdir(), 'hq-test-'));
  const dataDir = join(dir, 'data');
  const database = testStore() === 'postgres' ? await createTestDatabase() : null;
  const opts: HeadOfficeOptions = {
    dataDir,
    databaseUrl: database?.url ?? null,
    // Tests send the outbox themselves (sendOutbox): a background send could land between a
    // test's sign-in code and its read of the simulated channel's file.
    outboxCheckMs: 0,
    port: 0,
    host: '127.0.0.1',
    operatorToken: OPERATOR_TOKEN,
    logToStderr: false,
    ...extra,
  };
  // null while none runs: between a restart's close and start, or when starting again failed
  let running: HeadOffice | null = await createHeadOffice(opts);
  const direct = database ? pgAccess(database.url) : sqliteAccess(join(dataDir, DB_FILE));
  const t: TestHq = {
    hq: running,
    dataDir,
    env: { HQ_DATA_DIR: dataDir, ...(database ? { HQ_DATABASE_URL: database.url } : {}) },
    sql: direct.sql,
    exec: direct.exec,
    async restart(between) {
      if (running) {
        const old = running;
        running = null;
        await old.close();
      }
      await between?.();
      running = await createHeadOffice(opts);
      t.hq = running;
    },
    another: (overrides = {}) => createHeadOffice({ ...opts, ...overrides }),
    async close() {
      try {
        if (running) {
          const old = running;
          running = null;
          await old.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await direct.close();
        await database?.drop();
      }
    },
  };
  return t;
}

interface DirectAccess {
  sql<T>(text: string, ...params: unknown[]): Promise<T[]>;
  exec(text: string, ...params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** A connection per call to the SQLite file (read-only for reads), as the tests opened it before. */
function sqliteAccess(file: string): DirectAccess {
  return {
    async sql<T>(text: string, ...params: unknown[]) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(text).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async exec(text, ...params) {
      const db = new Database(file);
      db.pragma('busy_timeout = 5000');
      try {
        return db.prepare(text).run(...params).changes;
      } finally {
        db.close();
      }
    },
    async close() {},
  };
}

/** A small pool on the test database; the database outlives restarts, so the pool does too. */
function pgAccess(url: string): DirectAccess {
  let pool: pg.Pool | null = null;
  const open = (): pg.Pool => {
    if (!pool) {
      pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes as pg.CustomTypesConfig });
      // An idle client cut off (its database dropped when the test ends) is no test's failure.
      pool.on('error', () => undefined);
    }
    return pool;
  };
  const bytes = (v: unknown): unknown => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v);
  return {
    async sql<T>(text: string, ...params: unknown[]) {
      const r = await open().query(toPgText(text).text, params.map(bytes));
      return r.rows as T[];
    },
    async exec(text, ...params) {
      const c = await open().connect();
      try {
        await c.query('BEGIN');
        await c.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK})`);
        const r = await c.query(toPgText(text).text, params.map(bytes));
        await c.query(
          'INSERT INTO writer_token (id, token) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET token = excluded.token',
          [`test:${Date.now()}:${Math.random()}`],
        );
        await c.query('COMMIT');
        return r.rowCount ?? 0;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    async close() {
      await pool?.end();
      pool = null;
    },
  };
}

/** A fresh head office for each test and what `setup` makes in it; `use` receives both before each test (vitest hooks). */
function useFreshHq<T>(setup: (t: TestHq) => Promise<T>, use: (x: T & { t: TestHq }) => void): void {
  let t: TestHq | null = null;
  beforeEach(async () => {
    t = await startHq();
    use({ ...(await setup(t)), t });
  });
  afterEach(async () => {
    await t?.close();
  });
}

/** A fresh head office for each test with till A of store S1 and till B of store S2. */
export function useTwoTillHq(use: (x: { t: TestHq; A: TillSim; B: TillSim }) => void): void {
  useFreshHq(async (t) => ({ A: await provision(t, 'S1', 'A'), B: await provision(t, 'S2', 'B') }), use);
}

/** A fresh head office for each test with one till, `tillId`, of store S1. */
export function useOneTillHq(tillId: string, use: (x: { t: TestHq; till: TillSim }) => void): void {
  useFreshHq(async (t) => ({ till: await provision(t, 'S1', tillId) }), use);
}

export async function provision(t: TestHq, storeId: string, tillId: string, rs?: RuleSet): Promise<TillSim> {
  const issued = await addTill(t.hq.store, storeId, tillId);
  return new TillSim(issued.tillId, issued.storeId, issued.secret, rs);
}

/** Minutes after a base two days ago: recent enough that nothing has expired, in the past for the clock check. */
const BASE_MS = Math.floor((Date.now() - 2 * 24 * 60 * 60 * 1000) / 60_000) * 60_000;
export function at(minutes: number): string {
  return new Date(BASE_MS + minutes * 60_000).toISOString();
}

export interface Answer {
  status: number;
  // Tests inspect arbitrary JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** POSTs a batch as a till does: gzip, signed over the gzipped bytes. */
export async function upload(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  body: unknown,
  opts: { gzip?: boolean; raw?: Buffer; nowMs?: number } = {},
): Promise<Answer> {
  const gzip = opts.gzip ?? true;
  const json = Buffer.from(JSON.stringify(body));
  const wire = opts.raw ?? (gzip ? gzipSync(json) : json);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...signRequest(signer, 'POST', SYNC_PATHS.batches, wire, opts.nowMs ?? Date.now()),
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  return answer(
    await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, { method: 'POST', headers, body: new Uint8Array(wire) }),
  );
}

/**
 * POSTs JSON as a till does (gzip, signed) and checks head office's signature on a 2xx answer
 * the way the till's client does (`signed` false when it does not verify). `nowMs`: the request
 * timestamp (a test with a frozen clock passes increasing ones: a repeated signature is refused).
 */
export async function signedPost(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  path: string,
  body: unknown,
  nowMs = Date.now(),
): Promise<Answer & { signed: boolean }> {
  const wire = gzipSync(Buffer.from(JSON.stringify(body)));
  const auth = signRequest(signer, 'POST', path, wire, nowMs);
  const res = await fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...auth },
    body: new Uint8Array(wire),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const requestSig = parseTillAuthorization(auth.authorization)?.signature ?? '';
  const signed = verifyAnswer(
    parseHqPublicKey(t.hq.publicKey),
    res.status,
    requestSig,
    bytes,
    res.headers.get(HQ_SIGNATURE_HEADER),
  );
  const text = bytes.toString('utf8');
  return { status: res.status, body: text ? JSON.parse(text) : null, signed };
}

/** A feed page exactly as head office sends it: members' personal fields sealed to `signer` (core/sync/personal.ts). */
export async function rawChanges(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  after: number,
  limit = 1000,
  afterAt?: string,
): Promise<Response> {
  const stamp = afterAt === undefined ? '' : `&afterAt=${encodeURIComponent(afterAt)}`;
  const path = `${SYNC_PATHS.changes}?after=${after}${stamp}&limit=${limit}`;
  return fetch(`${t.hq.url}${path}`, { headers: signRequest(signer, 'GET', path, '', Date.now()) });
}

/** A feed page as the till applies it: a 200 page's member records opened with `signer`'s secret. */
export async function changes(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  after: number,
  limit = 1000,
  afterAt?: string,
): Promise<Answer> {
  const a = await answer(await rawChanges(t, signer, after, limit, afterAt));
  if (a.status !== 200) return a;
  const key = personalKey(signer.secret);
  const page = SealedChangesResponse.parse(a.body);
  return { status: a.status, body: { ...page, changes: page.changes.map((c) => openChange(key, c)) } };
}

/** Head office's /metrics text (started with `metricsToken`). */
export async function metricsText(t: Pick<TestHq, 'hq'>, metricsToken: string): Promise<string> {
  const res = await fetch(`${t.hq.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  return res.text();
}

/** hq_feed_page_bytes_total from head office's /metrics (started with `metricsToken`): pages as JSON and as sent. */
export async function feedPageBytes(
  t: Pick<TestHq, 'hq'>,
  metricsToken: string,
): Promise<{ json: number; sent: number }> {
  const text = await metricsText(t, metricsToken);
  const read = (form: string): number =>
    Number(new RegExp(`^hq_feed_page_bytes_total\\{form="${form}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { json: read('json'), sent: read('sent') };
}

export async function operator(t: Pick<TestHq, 'hq'>, method: string, path: string, body?: unknown): Promise<Answer> {
  return answer(
    await fetch(`${t.hq.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  );
}

/** Row counts of every table, read through a second connection to the real database. */
export async function rowCounts(t: TestHq): Promise<Record<string, number>> {
  await t.hq.store.settle();
  const tables = (
    testStore() === 'postgres'
      ? await t.sql<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
      : await t.sql<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
  ).map((r) => r.name);
  const counts: Record<string, number> = {};
  for (const n of tables) counts[n] = (await t.sql<{ n: number }>(`SELECT count(*) AS n FROM "${n}"`))[0]?.n ?? 0;
  return counts;
}

/** member_state rows as stored, for comparing two head offices. */
export async function memberStates(
  t: TestHq,
): Promise<{ member_no: string; balance: number; tier: string; state: string }[]> {
  await t.hq.store.settle();
  return t.sql('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no');
}

/**
 * Runs `headoffice/cli.ts <args>` on this head office's data (t.env) as a child process and
 * resolves to its stdout; rejects when it exits non-zero. Asynchronous on purpose: while the
 * child runs, this process's head office goes on (on PostgreSQL a write of the running head
 * office may hold the writer lock the child waits for; execFileSync would block it forever).
 */
export async function hqCli(t: Pick<TestHq, 'env'>, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HQ_DATABASE_URL;
  Object.assign(env, t.env);
  const { stdout } = await promisify(execFile)(process.execPath, nodeScript('headoffice/cli.ts', ...args), {
    cwd: REPO_ROOT,
    env,
  });
  return stdout;
}

export function ledgerSum(tills: readonly TillSim[], memberNo: string): number {
  return tills.flatMap((t) => t.entries).reduce((a, e) => (e.memberNo === memberNo ? a + signedPoints(e) : a), 0);
}

export async function uploadAll(t: Pick<TestHq, 'hq'>, till: TillSim, size: number): Promise<void> {
  for (const b of till.batches(size)) {
    const r = await upload(t, till, b);
    if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/** A batch of records only (members, feedback: no ledger entries), as a till sends them before its first sale. */
export function recordsBatch(till: Pick<TillSim, 'tillId' | 'storeId'>, records: Record<string, unknown>): unknown {
  return {
    tillId: till.tillId,
    storeId: till.storeId,
    firstSeq: 1,
    lastSeq: 0,
    prevHash: GENESIS_HASH,
    entries: [],
    ...records,
  };
}

/** Till A of store S1 with members M1-M3, enrolled 30 days ago and buying 2 days ago, uploaded: a campaign's audience. */
export async function threeBuyers(t: TestHq): Promise<TillSim> {
  const A = await provision(t, 'S1', 'A');
  const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();
  for (const no of ['M1', 'M2', 'M3']) {
    A.enrol(no, daysAgo(30));
    A.sale(no, 10_000, daysAgo(2));
  }
  await uploadAll(t, A, 50);
  return A;
}
