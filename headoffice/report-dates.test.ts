/**
 * The dates reports and the end-of-day run take: 2000-01-01 to 9998-12-31 (api-schemas.ts
 * EARLIEST_DATE, LATEST_DATE). GET /v1/reports/daily, /overview and /nps refuse a date outside
 * it with 400 bad_query naming `from` or `to` (routes/operator.ts dailyQuery); POST /v1/eod with
 * 400 invalid_request naming `date`. The range keeps every date a report steps through (the day
 * before `from`, the previous period) a four-digit year: once a year has five digits, YYYY-MM-DD
 * strings stop sorting as dates, and the churn loop that compared them (core/overview.ts) ran
 * through ~33 million days on head office's event loop for `to=9999-12-31`. churn itself now
 * counts days by index (below), whatever dates it is given.
 *
 * The last test starts head office as a child process, so this process (the client) keeps its
 * own clock if head office's event loop ever blocks again; the child is killed by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn } from '../core/overview.js';
import { operator, startHq, testStore, type TestHq } from './test-helpers.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'headoffice', 'cli.ts');
const TOKEN = 'report-dates-viewer-token';

let dir: string | undefined;
let child: ChildProcess | null = null;
let url: string;
let t: TestHq;

// The child runs on SQLite whatever the project: the postgres project leaves it to the sqlite one.
const childRuns = testStore() === 'sqlite';

beforeAll(async () => {
  t = await startHq();
  if (!childRuns) return;
  dir = mkdtempSync(join(tmpdir(), 'report-dates-hq-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HQ_DATA_DIR: join(dir, 'data'),
    HQ_PORT: '0',
    HQ_OPERATOR_TOKEN: TOKEN,
  };
  delete env.HQ_DATABASE_URL;
  // node itself with tsx's loader (not the tsx wrapper): the pid killed below is head office's own.
  const c = spawn(process.execPath, ['--import', 'tsx', CLI], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = c;
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`head office did not start: ${out}`)), 25_000);
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    c.once('exit', (code) => reject(new Error(`head office exited ${code}: ${out}`)));
  });
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.pid !== undefined) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    // SIGKILL: a blocked event loop would never run the SIGTERM handler.
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

describe('churn over the last days of year 9999', () => {
  it('counts each day of the period once, past the four-digit years', () => {
    expect(churn('9999-12-31', '9999-12-31', []).daysWithoutSnapshot).toBe(1);
    // addDays('9999-12-31', 1) is "10000-01-01", which sorts before "9999-12-31" as text.
    const lapses = [{ date: '10000-01-01', live: 5, lapsed: 2 }];
    expect(churn('9999-12-30', '10000-01-01', lapses)).toMatchObject({ lapsed: 2, daysWithoutSnapshot: 2 });
  });
});

describe('report dates', () => {
  for (const path of ['/v1/reports/daily', '/v1/reports/overview', '/v1/reports/nps']) {
    it(`${path} refuses a date outside 2000-01-01..9998-12-31 with 400 bad_query naming it`, async () => {
      for (const [query, field] of [
        ['from=9999-12-31&to=9999-12-31', 'from'],
        ['from=9998-12-31&to=9999-01-01', 'to'],
        ['from=1999-12-31&to=2000-01-01', 'from'],
        ['from=0000-01-01&to=0000-01-01', 'from'],
      ] as const) {
        const r = await operator(t, 'GET', `${path}?${query}`);
        expect(r.status, query).toBe(400);
        expect(r.body.error, query).toMatchObject({ code: 'bad_query', field });
      }
    });
  }

  it('answers the first and the last days of the range', async () => {
    for (const query of ['from=2000-01-01&to=2000-01-01', 'from=9998-01-01&to=9998-12-31']) {
      const r = await operator(t, 'GET', `/v1/reports/overview?${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const last = await operator(t, 'GET', '/v1/reports/overview?from=9998-12-31&to=9998-12-31');
    expect(last.body.churn.daysWithoutSnapshot).toBe(1);
  });

  it('still refuses a range longer than a year (366 days)', async () => {
    expect((await operator(t, 'GET', '/v1/reports/overview?from=2024-01-01&to=2024-12-31')).status).toBe(200);
    const r = await operator(t, 'GET', '/v1/reports/overview?from=2024-01-01&to=2025-01-01');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'bad_query', field: 'to' });
  });

  it('POST /v1/eod refuses a date outside the range with 400 invalid_request naming date', async () => {
    for (const date of ['0000-01-01', '1999-12-31', '9999-12-31']) {
      const r = await operator(t, 'POST', '/v1/eod', { date });
      expect(r.status, date).toBe(400);
      expect(r.body.error, date).toMatchObject({ code: 'invalid_request', field: 'date' });
    }
  });
});

it.runIf(childRuns)(
  'answers an overview of year 9999 at once, without stalling head office',
  async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const started = Date.now();
    const overview = fetch(`${url}/v1/reports/overview?from=9999-12-31&to=9999-12-31`, {
      headers: auth,
      signal: AbortSignal.timeout(15_000),
    }).then(
      async (r) => ({
        status: r.status,
        body: (await r.json()) as { churn?: { daysWithoutSnapshot: number }; error?: unknown },
        ms: Date.now() - started,
      }),
      (e: unknown) => ({
        status: -1,
        body: { error: String(e) } as { churn?: { daysWithoutSnapshot: number } },
        ms: Date.now() - started,
      }),
    );
    // Meanwhile head office must still answer others (a till's poll, the health check).
    await new Promise((r) => setTimeout(r, 1_000));
    const health = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => -1,
    );
    const o = await overview;
    expect(health, 'head office answered /v1/health within 5 s while the overview ran').toBe(200);
    expect(o.ms, 'the overview answered within 15 s').toBeLessThan(15_000);
    expect(o.status).toBe(400);
  },
  60_000,
);
