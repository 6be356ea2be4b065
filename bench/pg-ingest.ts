/**
 * Issue 12 benchmarks, on a PostgreSQL server of their own with its durable defaults (fsync
 * on, synchronous commit), started like the tests' (test/pg/cluster.ts) or given as
 * BENCH_PG_URL. Skipped with the reason where neither exists.
 *
 *   hq_ingest_pg     head office's PostgreSQL store in-process: 8 tills uploading at once,
 *                    acknowledge (chain check, inbox, durable) and apply (ledger, merge,
 *                    recompute, feed) timed apart, against a bare multi-row INSERT of the same
 *                    ledger rows, one transaction per batch from 8 connections at once, in the
 *                    same run (goals: acknowledge >= 1/2 of bare, acknowledge + apply >= 1/3); and
 *                    the ceiling of acknowledge + apply on this design: acknowledging plus only
 *                    writing again, bare, the ledger and sale rows applying wrote (applyFloorMs).
 *   hq_processes_pg  the same uploads over HTTP (signed, gzip) to one head-office process and
 *                    then to two on one database, tills split between them: entries/s
 *                    acknowledged, and until everything is applied.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { UploadBatch } from '../core/sync/protocol.js';
import { requestBody } from '../main/sync/client.js';
import { addTill } from '../headoffice/provision.js';
import { createHeadOffice } from '../headoffice/server.js';
import { upload } from '../headoffice/test-helpers.js';
import { TillSim } from '../loadgen/till-sim.js';
import { insertMany, type SqlValue } from '../storage/sql.js';
import { runPg } from '../storage/sql-pg.js';
import { adminQuery, databaseUrl, findPgBin, randomDatabaseName, startThrowawayCluster } from '../test/pg/cluster.js';
import { nowMs, type Benchmark } from './lib.js';

const TILLS = 8;
const ENTRIES_PER_TILL = 2_500;
const BATCH = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Server {
  url: string;
  stop(): Promise<void>;
  dataDir?: string;
}

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on every Linux port that matters). */
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds used so far by the PostgreSQL cluster this run started: its postmaster and
 * every process it forked (backends, WAL writer, checkpointer). Null for a server given as
 * BENCH_PG_URL or off Linux. A backend that exits takes its time with it; head office's pool
 * keeps its connections through a round.
 */
function serverCpuMs(s: Server): number | null {
  if (!s.dataDir || !existsSync('/proc/self/stat')) return null;
  const postmaster = Number(readFileSync(join(s.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces): state ppid ... utime(12) stime(13).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pid) === postmaster || Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

async function server(): Promise<Server | string> {
  if (process.env.BENCH_PG_URL) return { url: process.env.BENCH_PG_URL, stop: async () => {} };
  const bin = findPgBin();
  if (!bin) return 'skipped: no PostgreSQL binaries here and no BENCH_PG_URL';
  const s = await startThrowawayCluster(bin, { durable: true });
  return 'skip' in s ? `skipped: ${s.skip}` : s;
}

async function freshDatabase(base: string): Promise<string> {
  const name = randomDatabaseName('hq_bench');
  await adminQuery(base, `CREATE DATABASE ${name} TEMPLATE template0`);
  return databaseUrl(base, name);
}

/** Eight tills' chains: members shared across the tills, sales mostly, some redemptions. */
function chains(secrets: Map<string, string>): TillSim[] {
  const tills = Array.from(
    { length: TILLS },
    (_, i) => new TillSim(`T${i}`, `S${i % 4}`, secrets.get(`T${i}`) ?? 'unset-secret'),
  );
  const base = Date.now() - 2 * 86_400_000;
  const when = (n: number): string => new Date(base + n * 1_000).toISOString();
  const members = Array.from({ length: 400 }, (_, i) => `BM${i}`);
  members.forEach((m, i) => (tills[i % TILLS] as TillSim).enrol(m, when(i)));
  // The tills sell at the same time, as a chain's do: the clock advances across all of them,
  // so each till's batches continue head office's merge order rather than rewrite its past.
  let n = 1_000;
  for (let i = 0; tills.some((t) => t.headSeq < ENTRIES_PER_TILL); i++) {
    for (const [t, till] of tills.entries()) {
      if (till.headSeq >= ENTRIES_PER_TILL) continue;
      const m = members[(i * 7 + t) % members.length] as string;
      if (i % 20 === 19) till.redeem(m, 1, when(n++));
      else till.sale(m, 1_000 + (i % 50) * 37, when(n++));
    }
  }
  return tills;
}

const COLUMNS =
  'till_id, seq, member_no, kind, points, spend, occurred_at, local_date, expires_on, sale_id, return_id, data, prev_hash, hash';

/** The same rows, one multi-row INSERT per batch in a transaction of its own, from one connection per till. */
async function bareRate(url: string, tills: readonly TillSim[]): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: TILLS });
  try {
    await pool.query(`CREATE TABLE ledger_bare (till_id text, seq bigint, member_no text, kind text, points bigint,
      spend bigint, occurred_at text, local_date text, expires_on text, sale_id text, return_id text, data text,
      prev_hash text, hash text, PRIMARY KEY (till_id, seq))`);
    const t0 = nowMs();
    await Promise.all(
      tills.map(async (till) => {
        for (const b of till.batches(BATCH)) {
          const values: unknown[] = [];
          const tuples = b.entries.map((e, r) => {
            values.push(e.tillId, e.seq, e.memberNo, e.kind, e.points, e.spend, e.occurredAt, e.localDate);
            values.push(e.expiresOn, e.saleId, e.returnId, JSON.stringify(e.data), e.prevHash, e.hash);
            return `(${Array.from({ length: 14 }, (_, c) => `$${r * 14 + c + 1}`).join(', ')})`;
          });
          await pool.query(`INSERT INTO ledger_bare (${COLUMNS}) VALUES ${tuples.join(', ')}`, values);
        }
      }),
    );
    return ((TILLS * ENTRIES_PER_TILL) / (nowMs() - t0)) * 1000;
  } finally {
    await pool.end();
  }
}

/** Entries per transaction when re-writing applied rows: an apply pass's size (APPLY_CHUNK_ENTRIES). */
const FLOOR_CHUNK = 5_000;

/** Rows as read back, written with head office's own multi-row insert (storage/sql-pg.ts). */
async function writeRows(client: pg.PoolClient, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object);
  await runPg(
    client,
    insertMany(
      table,
      columns,
      rows.map((r) => columns.map((c) => (r[c] ?? null) as SqlValue)),
    ),
  );
}

/**
 * What applying cannot go below on this design: the ledger and sale rows it wrote, read back
 * and written again bare into copies of their tables (same indexes, no triggers) from one
 * connection, as the single applier does, a transaction per FLOOR_CHUNK entries, with the
 * statement applying uses (insertMany: one JSON parameter). No folding, no checks, no reads. Returns ms.
 */
async function applyFloorMs(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  try {
    await client.query('CREATE TABLE ledger_floor (LIKE ledger INCLUDING ALL)');
    await client.query('CREATE TABLE sales_floor (LIKE sales INCLUDING ALL)');
    const ledger = (
      await client.query<Record<string, unknown>>('SELECT * FROM ledger ORDER BY received_at, till_id, seq')
    ).rows;
    const sales = (
      await client.query<Record<string, unknown>>('SELECT * FROM sales ORDER BY received_at, till_id, sale_id')
    ).rows;
    const perChunk = Math.max(1, Math.round((FLOOR_CHUNK * sales.length) / Math.max(1, ledger.length)));
    const t0 = nowMs();
    for (let i = 0, j = 0; i < ledger.length; i += FLOOR_CHUNK, j += perChunk) {
      await client.query('BEGIN');
      await writeRows(client, 'ledger_floor', ledger.slice(i, i + FLOOR_CHUNK));
      await writeRows(client, 'sales_floor', sales.slice(j, j + perChunk));
      await client.query('COMMIT');
    }
    return nowMs() - t0;
  } finally {
    client.release();
    await pool.end();
  }
}

const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

export const hqIngestPg: Benchmark = {
  name: 'hq_ingest_pg',
  async run({ dir }) {
    const s = await server();
    if (typeof s === 'string') return `hq_ingest_pg: ${s}`;
    try {
      const rounds: {
        accept: number;
        apply: number;
        bare: number;
        floor: number;
        /** wall microseconds per entry of only re-writing, bare, the ledger and sale rows applying wrote */
        floorUs: number;
        /** CPU microseconds per entry while applying: this (head office's) process, and PostgreSQL's */
        nodeUs: number;
        pgUs: number | null;
      }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const url = await freshDatabase(s.url);
        const hq = await createHeadOffice({
          dataDir: join(dir, `hq-${round}`),
          databaseUrl: url,
          port: 0,
          host: '127.0.0.1',
          operatorToken: 'bench',
          logToStderr: false,
        });
        try {
          const secrets = new Map<string, string>();
          for (let i = 0; i < TILLS; i++) secrets.set(`T${i}`, (await addTill(hq.store, `S${i % 4}`, `T${i}`)).secret);
          const tills = chains(secrets);
          // As head office receives them: parsed, and the gzip the till sent, kept in the inbox.
          const parsed = tills.map((t) =>
            t.batches(BATCH).map((b) => ({ batch: UploadBatch.parse(b), wire: requestBody(b) })),
          );
          const entries = TILLS * ENTRIES_PER_TILL;
          const t0 = nowMs();
          await Promise.all(
            parsed.map(async (batches) => {
              for (const { batch: b, wire } of batches) {
                const r = await hq.store.ingest({ tillId: b.tillId, storeId: b.storeId }, b, new Date(), {
                  bytes: wire,
                  coding: 'gzip',
                });
                if (r.kind !== 'ok') throw new Error(`ingest answered ${r.kind}`);
              }
            }),
          );
          const acceptMs = nowMs() - t0;
          const t1 = nowMs();
          const node0 = process.cpuUsage();
          const pg0 = serverCpuMs(s);
          await hq.store.settle();
          const applyMs = nowMs() - t1;
          const node = process.cpuUsage(node0);
          const pg1 = serverCpuMs(s);
          const backlog = await hq.store.backlog();
          if (backlog.batches > 0) throw new Error(`apply failed: ${backlog.applyError}`);
          const floorMs = await applyFloorMs(url);
          const bare = await bareRate(url, tills);
          rounds.push({
            accept: (entries / acceptMs) * 1000,
            apply: (entries / applyMs) * 1000,
            bare,
            floor: (entries / (acceptMs + floorMs) / bare) * 1000,
            floorUs: (floorMs * 1000) / entries,
            nodeUs: (node.user + node.system) / entries,
            pgUs: pg0 === null || pg1 === null ? null : ((pg1 - pg0) * 1000) / entries,
          });
        } finally {
          await hq.close();
        }
      }
      const accept = mid(rounds.map((r) => r.accept));
      const apply = mid(rounds.map((r) => r.apply));
      const both = mid(rounds.map((r) => 1 / (1 / r.accept + 1 / r.apply)));
      const bare = mid(rounds.map((r) => r.bare));
      const share = mid(rounds.map((r) => r.accept / r.bare));
      const bothShare = mid(rounds.map((r) => 1 / (1 / r.accept + 1 / r.apply) / r.bare));
      const ceiling = mid(rounds.map((r) => r.floor));
      // Wall time per entry applying may take for acknowledge + apply to reach a third of bare.
      const budgetUs = mid(rounds.map((r) => (3 / r.bare - 1 / r.accept) * 1e6));
      const pgUs = rounds.every((r) => r.pgUs !== null) ? mid(rounds.map((r) => r.pgUs as number)) : null;
      const cpu =
        `applying per entry: ${(1e6 / apply).toFixed(0)} us of wall, CPU ${mid(rounds.map((r) => r.nodeUs)).toFixed(0)} us ` +
        `head office${pgUs === null ? '' : ` + ${pgUs.toFixed(0)} us PostgreSQL`}; the goal leaves it ${budgetUs.toFixed(0)} us, ` +
        `of which re-writing its rows bare takes ${mid(rounds.map((r) => r.floorUs)).toFixed(0)} us`;
      return (
        `hq_ingest_pg: PostgreSQL store acknowledges ${Math.round(accept)} entries/s (${TILLS} tills at once, ` +
        `batches of ${BATCH}) = ${pct(share)} of a bare multi-row INSERT of the same rows ${Math.round(bare)} rows/s ` +
        `(goal >= 50%, ${share >= 0.5 ? 'met' : 'MISSED'}); applies ${Math.round(apply)} entries/s; acknowledge + apply ` +
        `${Math.round(both)} entries/s = ${pct(bothShare)} of bare (goal >= 33%, ${bothShare >= 1 / 3 ? 'met' : 'MISSED'}); ` +
        `ceiling: acknowledge + only re-writing the ledger and sale rows applying wrote = ${pct(ceiling)} of bare; ` +
        `${cpu}; medians of ${ROUNDS} rounds, fsync on`
      );
    } finally {
      await s.stop();
    }
  },
};

interface Proc {
  url: string;
  child: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function spawnHq(dataDir: string, databaseUrl: string): Promise<Proc> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const root = join(import.meta.dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'headoffice/cli.ts'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      HQ_DATA_DIR: dataDir,
      HQ_PORT: String(port),
      HQ_OPERATOR_TOKEN: 'bench',
      HQ_DATABASE_URL: databaseUrl,
      // Every bench till uploads from 127.0.0.1, as tills behind a load balancer share its address.
      HQ_MAX_BODIES_PER_CLIENT: String(TILLS),
    },
    stdio: 'ignore',
  });
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/v1/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('head office did not start');
}

/**
 * An upload as a till makes it: a connection that fails is retried (the till's outbox keeps the
 * batch). Building the chains blocks this process for seconds after provisioning, long past
 * the server's keep-alive timeout, so the first upload may go out on a socket the server
 * closed meanwhile ("other side closed").
 */
async function uploadRetrying(...args: Parameters<typeof upload>): Promise<Awaited<ReturnType<typeof upload>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await upload(...args);
    } catch (e) {
      if (attempt >= 3) throw new Error(`upload failed: ${String((e as { cause?: unknown }).cause ?? e)}`);
    }
  }
}

async function overHttp(dir: string, base: string, processes: number): Promise<{ ack: number; applied: number }> {
  const url = await freshDatabase(base);
  const dataDir = join(dir, `hq-http-${processes}`);
  const procs: Proc[] = [];
  try {
    for (let i = 0; i < processes; i++) procs.push(await spawnHq(dataDir, url));
    const first = procs[0] as Proc;
    const issued = await fetch(`${first.url}/v1/tills`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
      body: JSON.stringify({
        tills: Array.from({ length: TILLS }, (_, i) => ({ storeId: `S${i % 4}`, tillId: `T${i}` })),
      }),
    }).then((r) => r.json() as Promise<{ tills: { tillId: string; secret: string }[] }>);
    const tills = chains(new Map(issued.tills.map((t) => [t.tillId, t.secret])));
    const t0 = nowMs();
    await Promise.all(
      tills.map(async (till, i) => {
        const hq = { hq: { url: (procs[i % processes] as Proc).url } } as Parameters<typeof upload>[0];
        for (const b of till.batches(BATCH)) {
          const r = await uploadRetrying(hq, till, b);
          if (r.status !== 200) throw new Error(`upload answered ${r.status}`);
        }
      }),
    );
    const ackMs = nowMs() - t0;
    for (;;) {
      const h = (await fetch(`${first.url}/v1/health`).then((r) => r.json())) as { inbox: { batches: number } };
      if (h.inbox.batches === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const entries = TILLS * ENTRIES_PER_TILL;
    return { ack: (entries / ackMs) * 1000, applied: (entries / (nowMs() - t0)) * 1000 };
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
  }
}

export const hqProcessesPg: Benchmark = {
  name: 'hq_processes_pg',
  async run({ dir }) {
    const s = await server();
    if (typeof s === 'string') return `hq_processes_pg: ${s}`;
    try {
      const one = await overHttp(dir, s.url, 1);
      const two = await overHttp(dir, s.url, 2);
      return (
        `hq_processes_pg: over HTTP, ${TILLS} tills at once: one head-office process acknowledges ` +
        `${Math.round(one.ack)} entries/s (all applied at ${Math.round(one.applied)}/s); two processes on one ` +
        `database ${Math.round(two.ack)} entries/s (${Math.round(two.applied)}/s) = ${(two.ack / one.ack).toFixed(2)}x ` +
        `(this machine: 2 cores shared by the processes, PostgreSQL and the load)`
      );
    } finally {
      await s.stop();
    }
  },
};
