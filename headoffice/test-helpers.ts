/**
 * Shared by head office's tests (not production code): a real server on 127.0.0.1 with a
 * real temp data dir, the till simulator (loadgen/till-sim.ts: signed ledger entries the way
 * the till service writes them), and clients that sign like a till.
 */
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { signedPoints } from '../core/ledger/entry.js';
import type { RuleSet } from '../core/ruleset/schema.js';
import { SealedChangesResponse, SYNC_PATHS } from '../core/sync/protocol.js';
import { openChange, personalKey } from '../core/sync/personal.js';
import { signRequest, type TillCredentials } from '../core/sync/sign.js';
import { TillSim } from '../loadgen/till-sim.js';
import { addTill } from './provision.js';
import { createHeadOffice, type HeadOffice, type HeadOfficeOptions } from './server.js';
import { DB_FILE } from './store/sqlite.js';
import { createTestDatabase } from '../test/pg/cluster.js';

/** The till simulator moved to loadgen/till-sim.ts (the load generator drives it too). */
export { TillSim };

export const OPERATOR_TOKEN = 'test-operator-token';

export interface TestHq {
  /** the running head office; after restart() a new one on the same data dir (url and port may differ) */
  hq: HeadOffice;
  dataDir: string;
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

export async function startHq(): Promise<TestHq> {
  const dir = mkdtempSync(join(tmpdir(), 'hq-test-'));
  const dataDir = join(dir, 'data');
  const database = testStore() === 'postgres' ? await createTestDatabase() : null;
  const opts: HeadOfficeOptions = {
    dataDir,
    databaseUrl: database?.url ?? null,
    port: 0,
    host: '127.0.0.1',
    operatorToken: OPERATOR_TOKEN,
    logToStderr: false,
  };
  // null while none runs: between a restart's close and start, or when starting again failed
  let running: HeadOffice | null = await createHeadOffice(opts);
  const t: TestHq = {
    hq: running,
    dataDir,
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
    async close() {
      try {
        if (running) {
          const old = running;
          running = null;
          await old.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await database?.drop();
      }
    },
  };
  return t;
}

/**
 * A fresh head office for each test with till A of store S1 and till B of store S2 (vitest
 * hooks); `use` receives them before each test.
 */
export function useTwoTillHq(use: (x: { t: TestHq; A: TillSim; B: TillSim }) => void): void {
  let t: TestHq | null = null;
  beforeEach(async () => {
    t = await startHq();
    use({ t, A: await provision(t, 'S1', 'A'), B: await provision(t, 'S2', 'B') });
  });
  afterEach(async () => {
    await t?.close();
  });
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

/** A feed page exactly as head office sends it: members' personal fields sealed to `signer` (core/sync/personal.ts). */
export async function rawChanges(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  after: number,
  limit = 1000,
): Promise<Response> {
  const path = `${SYNC_PATHS.changes}?after=${after}&limit=${limit}`;
  return fetch(`${t.hq.url}${path}`, { headers: signRequest(signer, 'GET', path, '', Date.now()) });
}

/** A feed page as the till applies it: a 200 page's member records opened with `signer`'s secret. */
export async function changes(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  after: number,
  limit = 1000,
): Promise<Answer> {
  const a = await answer(await rawChanges(t, signer, after, limit));
  if (a.status !== 200) return a;
  const key = personalKey(signer.secret);
  const page = SealedChangesResponse.parse(a.body);
  return { status: a.status, body: { ...page, changes: page.changes.map((c) => openChange(key, c)) } };
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

/** Row counts of every table, read through a second, read-only connection to the real file. */
export async function rowCounts(t: TestHq): Promise<Record<string, number>> {
  await t.hq.store.settle();
  const db = new Database(join(t.dataDir, DB_FILE), { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    return Object.fromEntries(
      tables.map((n) => [n, (db.prepare(`SELECT count(*) AS n FROM "${n}"`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

/** member_state rows as stored, for comparing two head offices. */
export async function memberStates(
  t: TestHq,
): Promise<{ member_no: string; balance: number; tier: string; state: string }[]> {
  await t.hq.store.settle();
  const db = new Database(join(t.dataDir, DB_FILE), { readonly: true });
  try {
    return db.prepare('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no').all() as {
      member_no: string;
      balance: number;
      tier: string;
      state: string;
    }[];
  } finally {
    db.close();
  }
}

export function ledgerSum(tills: readonly TillSim[], memberNo: string): number {
  return tills.flatMap((t) => t.entries).reduce((a, e) => (e.memberNo === memberNo ? a + signedPoints(e) : a), 0);
}

export async function uploadAll(t: TestHq, till: TillSim, size: number): Promise<void> {
  for (const b of till.batches(size)) {
    const r = await upload(t, till, b);
    if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}
