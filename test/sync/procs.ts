/** Real processes for the sync suites: a head office and tills, each a `node --import tsx` child on 127.0.0.1. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, databaseText, type TestDatabase } from '../pg/cluster.js';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { configFromEnv } from '../../main/service/config.js';
import { createTill, type Till } from '../../main/service/till.js';
import { bearerCall } from '../helpers/bearer-call.js';
import { nodeScript, REPO_ROOT } from '../helpers/child-scripts.js';

export const ROOT = REPO_ROOT;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function start(script: string, env: Record<string, string>, url: string, args: string[] = []): Proc {
  let out = '';
  const child = spawn(process.execPath, nodeScript(script, ...args), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    url,
    output: () => out,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}

/**
 * The store of the head office in `dataDir` (vitest project `postgres`, HQ_TEST_STORE=postgres):
 * a fresh database of the run's PostgreSQL server per data folder, made by the first startHq
 * and kept across restarts; dropped when the test file ends.
 */
const databases = new Map<string, TestDatabase>();
afterAll(async () => {
  for (const d of databases.values()) await d.drop();
  databases.clear();
});

/**
 * On PostgreSQL, the head office in `dataDir` moves to a new, empty database that `fill` fills
 * (a restore from a backup, say); the one it leaves is dropped with the others at the end.
 */
export async function moveHqDatabase(dataDir: string, fill: (url: string) => void | Promise<void>): Promise<void> {
  const left = databases.get(dataDir);
  const moved = await createTestDatabase({ migrated: false });
  databases.set(dataDir, moved);
  if (left) databases.set(`${dataDir}#${left.name}`, left);
  await fill(moved.url);
}

/** HQ_DATA_DIR and, on PostgreSQL, HQ_DATABASE_URL of the head office in `dataDir` (startHq made its database). */
export function hqEnv(dataDir: string): Record<string, string> {
  if (process.env.HQ_TEST_STORE !== 'postgres') return { HQ_DATA_DIR: dataDir, HQ_DATABASE_URL: '' };
  const db = databases.get(dataDir);
  if (!db) throw new Error(`no head office was started on ${dataDir}: startHq (or hqDatabase) first`);
  return { HQ_DATA_DIR: dataDir, HQ_DATABASE_URL: db.url };
}

/** Creates (once) the PostgreSQL database of the head office in `dataDir`; nothing on SQLite. */
export async function hqDatabase(dataDir: string): Promise<Record<string, string>> {
  if (process.env.HQ_TEST_STORE === 'postgres' && !databases.has(dataDir)) {
    databases.set(dataDir, await createTestDatabase());
  }
  return hqEnv(dataDir);
}

/**
 * On PostgreSQL, every row of every table of the head office in `dataDir` as text (one line a
 * row, bytea as hex): what a search of its database files would find. null on SQLite, where
 * the database is a file in `dataDir`.
 */
export async function hqDatabaseText(dataDir: string): Promise<string | null> {
  const url = hqEnv(dataDir).HQ_DATABASE_URL;
  return url ? databaseText(url) : null;
}

export async function startHq(dataDir: string, port: number, token: string): Promise<Proc> {
  const url = `http://127.0.0.1:${port}`;
  const p = start(
    'headoffice/cli.ts',
    { ...(await hqDatabase(dataDir)), HQ_PORT: String(port), HQ_OPERATOR_TOKEN: token },
    url,
    ['serve'],
  );
  try {
    await waitFor('head office', async () => (await fetch(`${url}/v1/health`)).ok, 30_000);
  } catch (e) {
    await p.kill('SIGKILL');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nhead office said:\n${p.output()}`);
  }
  return p;
}

export function addTill(dataDir: string, store: string, till: string): Record<string, string> {
  const out = execFileSync(
    process.execPath,
    nodeScript('headoffice/cli.ts', 'add-till', '--store', store, '--till', till),
    {
      cwd: ROOT,
      env: { ...process.env, ...hqEnv(dataDir) },
    },
  ).toString();
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^(TILL_ID|TILL_STORE_ID|TILL_SECRET|TILL_HQ_PUBLIC_KEY)=(.+)$/.exec(line.trim());
    if (m) env[m[1] as string] = m[2] as string;
  }
  return env;
}

export async function startTillProc(dataDir: string, port: number, env: Record<string, string>): Promise<Proc> {
  const url = `http://127.0.0.1:${port}`;
  const p = start(
    'main/service/cli.ts',
    {
      TILL_DATA_DIR: dataDir,
      TILL_PORT: String(port),
      TILL_POS_API_KEY: 'pos-key',
      TILL_SYNC_INTERVAL_MS: '200',
      ...env,
    },
    url,
  );
  await waitFor(
    'till',
    async () => (await fetch(`${url}/v1/health`, { headers: { authorization: 'Bearer pos-key' } })).ok,
    30_000,
  );
  return p;
}

export async function pos(
  url: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: 'Bearer pos-key', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

export function operator(url: string, token: string, path: string): Promise<{ status: number; json: Json }> {
  return bearerCall(url, token, 'GET', path);
}

/**
 * A till in this process, provisioned at the head office in `hqDir`, with its own data folder
 * under `root` and the sync loop stopped: the test drives sync by hand (`till.sync.syncNow()`).
 * `now` moves the till's business clock; request signatures keep the wall clock.
 */
export async function inProcessTill(o: {
  root: string;
  hqDir: string;
  hqUrl: string;
  store: string;
  id: string;
  now?: () => Date;
}): Promise<Till> {
  const env = addTill(o.hqDir, o.store, o.id);
  const t = await createTill(
    {
      ...configFromEnv({}),
      dataDir: mkdtempSync(join(o.root, `${o.id}-`)),
      port: 0,
      posApiKey: 'pos-key',
      hqUrl: o.hqUrl,
      tillId: env.TILL_ID ?? o.id,
      storeId: env.TILL_STORE_ID ?? o.store,
      tillSecret: env.TILL_SECRET ?? '',
      hqPublicKey: env.TILL_HQ_PUBLIC_KEY ?? null,
      syncIntervalMs: 3_600_000,
    },
    { quiet: true, ...(o.now ? { now: o.now } : {}) },
  );
  await t.sync?.stop();
  return t;
}

/** Hours before local midnight a same-day clock keeps clear of when it starts. */
const CLEAR_OF_MIDNIGHT_HOURS = 3;

/**
 * `now`, or CLEAR_OF_MIDNIGHT_HOURS earlier when local midnight (the programme's time zone) is
 * closer than that: the same business day either way. For a test that moves its clock by
 * minutes and expects one business day throughout (the day's offline redemption limit):
 * started at 23:38 in Shanghai, offline.e2e's clock crossed midnight and the new day's limit
 * let a redemption through. Not the default: tests whose till checks codes signed by head
 * office's wall clock (member QR codes) need the till's clock at the wall's.
 */
export function clearOfMidnight(now: number): number {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: DEFAULT_RULE_SET_INPUT.timeZone,
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(now),
  );
  return hour >= 24 - CLEAR_OF_MIDNIGHT_HOURS ? now - CLEAR_OF_MIDNIGHT_HOURS * 3_600_000 : now;
}

/** A business clock a test moves (request signatures keep the wall clock). */
export class Clock {
  t: number;
  constructor(start = Date.now()) {
    this.t = start;
  }
  now = (): Date => new Date(this.t);
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  advanceMinutes(m: number): void {
    this.t += m * 60_000;
  }
  advanceDays(d: number): void {
    this.t += d * 86_400_000;
  }
}

export type Json = Record<string, unknown>;

/** A POS request to an in-process till, with the test's POS key. */
export function tillPost(t: Till, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall(t.url, 'pos-key', 'POST', path, body);
}

/** Every file under `dir`, its subfolders' included (the at-rest scans of a data folder). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every till uploads, then every till pulls: each till's uploads reach the others' feeds. */
export async function syncTills(...ts: Till[]): Promise<void> {
  for (let i = 0; i < 2; i++) for (const t of ts) await t.sync?.syncNow();
}

/** syncTills, then one more round in which every till must report no sync problem. */
export async function syncTillsCleanly(...ts: Till[]): Promise<void> {
  await syncTills(...ts);
  for (const t of ts) {
    const problem = (await t.sync?.syncNow())?.problem ?? null;
    if (problem) throw new Error(`till ${t.ctx.identity.tillId} could not sync: ${JSON.stringify(problem)}`);
  }
}

/**
 * A real head-office process for one suite (started before its tests, killed after) and the
 * in-process tills the suite provisions at it, closed with it. `hq` may be replaced by a
 * restart (`restart()`), so read it from the fixture each time.
 */
export interface HqFixture {
  root: string;
  hqDir: string;
  hqPort: number;
  hq: Proc;
  tillAt(store: string, id: string, clock?: Clock): Promise<Till>;
  restart(): Promise<void>;
}

export function useHqProcess(prefix: string, token: string): HqFixture {
  const tills: Till[] = [];
  const f = {
    root: '',
    hqDir: '',
    hqPort: 0,
    hq: null as unknown as Proc,
    async tillAt(store: string, id: string, clock = new Clock()): Promise<Till> {
      const t = await inProcessTill({
        root: f.root,
        hqDir: f.hqDir,
        hqUrl: `http://127.0.0.1:${f.hqPort}`,
        store,
        id,
        now: clock.now,
      });
      tills.push(t);
      return t;
    },
    async restart(): Promise<void> {
      await f.hq.kill('SIGKILL');
      f.hq = await startHq(f.hqDir, f.hqPort, token);
    },
  };
  beforeAll(async () => {
    f.root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    f.hqDir = join(f.root, 'hq');
    f.hqPort = await freePort();
    f.hq = await startHq(f.hqDir, f.hqPort, token);
  }, 60_000);
  afterAll(async () => {
    for (const t of tills) await t.close();
    await f.hq?.kill('SIGKILL');
    rmSync(f.root, { recursive: true, force: true });
  });
  return f;
}
