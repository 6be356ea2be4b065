/**
 * Head office's end-of-day run (DOMAIN.md 5, 7, 8, 12): expiry, tier reviews and win-back offers
 * as entries of head office's chain, seen by the tills in the change feed; idempotent; run by
 * an operator (POST /v1/eod, the CLI) and by a timer after local midnight. Real server, real
 * SQLite files, real HTTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { verifyChain } from '../core/ledger/hash.js';
import { rowToEntry, type LedgerRow } from '../core/ledger/row.js';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { addDays, localDate } from '../core/time.js';
import { HQ_TILL_ID } from './domain/decisions.js';
import { addTill } from './provision.js';
import { EOD_CHECK_MS, createHeadOffice } from './server.js';
import { EOD_META_KEY } from './store/types.js';
import {
  OPERATOR_TOKEN,
  TillSim,
  at,
  changes,
  operator,
  rowCounts,
  useOneTillHq,
  uploadAll,
  type TestHq,
} from './test-helpers.js';
import { nodeScript } from '../test/helpers/child-scripts.js';

const TZ = 'Asia/Shanghai';
const today = (): string => localDate(new Date(), TZ).date;
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

let t: TestHq;
let A: TillSim;

useOneTillHq('A', (x) => {
  ({ t, till: A } = x);
});

async function hqChain() {
  return (await t.sql<LedgerRow>('SELECT * FROM ledger WHERE till_id = ? ORDER BY seq', HQ_TILL_ID)).map(rowToEntry);
}

// Answers are arbitrary JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function lastBalance(memberNo: string): Promise<any> {
  const all: { type: string; memberNo?: string }[] = (await changes(t, A, 0)).body.changes;
  const mine = all.filter((c) => c.type === 'balance' && c.memberNo === memberNo);
  return mine[mine.length - 1];
}

describe('end-of-day run', () => {
  it('expires the lots past their date, and the feed shows the balance without them', async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 300, at(1), { expiresOn: '2020-01-31', spend: 30_000 });
    A.sale('M1', 10_000, at(2)); // 100 points, valid for a year
    await uploadAll(t, A, 100);
    expect((await operator(t, 'GET', '/v1/members/M1')).body).toMatchObject({ balance: 100, ledgerBalance: 400 });

    const r = await operator(t, 'POST', '/v1/eod'); // no body: today
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ date: today(), entries: 1, expired: { members: 1, points: 300 }, offers: 0 });
    expect(await hqChain()).toMatchObject([
      { seq: 1, memberNo: 'M1', kind: 'expire', points: 300, data: { before: today(), operator: 'eod' } },
    ]);
    const bal = await lastBalance('M1');
    expect(bal).toMatchObject({ balance: 100, available: 100, includes: { A: A.headSeq, [HQ_TILL_ID]: 1 } });
    expect(bal.state.lots).toHaveLength(1);
    expect((await operator(t, 'GET', '/v1/members/M1')).body).toMatchObject({ balance: 100, ledgerBalance: 100 });
    const summary = (await operator(t, 'GET', '/v1/reports/summary')).body;
    expect(summary.points.expired).toBe(300);
  });

  it('run twice the same day writes nothing the second time', async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 300, at(1), { expiresOn: '2020-01-31' });
    A.enrol('M2', '2025-01-10T02:00:00.000Z');
    A.append('M2', 'tier', 0, '2025-01-10T02:05:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'gold', reason: 'threshold', rank: 2 },
    });
    await uploadAll(t, A, 100);
    expect((await operator(t, 'POST', '/v1/eod', {})).body.entries).toBeGreaterThan(1);
    const counts = await rowCounts(t);
    const again = await operator(t, 'POST', '/v1/eod', { date: today() });
    expect(again.body).toMatchObject({ date: today(), entries: 0, classesChanged: 0 });
    expect(await rowCounts(t)).toEqual(counts);
    expect(verifyChain(await hqChain()).ok).toBe(true);
  });

  it('holds each due review: one tier down per review without spend, never more', async () => {
    A.enrol('M2', '2025-01-10T02:00:00.000Z');
    A.append('M2', 'tier', 0, '2025-01-10T02:05:00.000Z', {
      data: { fromTier: 'ordinary', toTier: 'gold', reason: 'threshold', rank: 2 },
    });
    await uploadAll(t, A, 100);

    // Gold reached in Q1 2025: the first review to judge it is 2025-06-30.
    const first = await operator(t, 'POST', '/v1/eod', { date: '2025-07-05' });
    expect(first.body).toMatchObject({ date: '2025-07-05', reviews: { held: 1, downgrades: 1 } });
    expect(await hqChain()).toMatchObject([
      {
        kind: 'tier',
        data: { fromTier: 'gold', toTier: 'silver', reason: 'review', before: '2025-06-30', rank: 1, operator: 'eod' },
      },
    ]);
    expect(await lastBalance('M2')).toMatchObject({ tier: 'silver', state: { reviewedThrough: '2025-06-30' } });
    expect((await operator(t, 'POST', '/v1/eod', { date: '2025-07-05' })).body.entries).toBe(0);

    // Today: the next review (2025-09-30) takes Silver to Ordinary, and the lowest tier has no more.
    const later = await operator(t, 'POST', '/v1/eod', {});
    expect(later.body.reviews).toEqual({ held: 1, downgrades: 1 });
    expect((await hqChain())[1]?.data).toMatchObject({ fromTier: 'silver', toTier: 'ordinary', before: '2025-09-30' });
    expect((await operator(t, 'GET', '/v1/members/M2')).body.tier).toBe('ordinary');
  });

  it('refuses a day that has not begun, and a malformed date', async () => {
    const tomorrow = addDays(today(), 1);
    for (const body of [{ date: tomorrow }, { date: '2025-13-01' }, { date: 20250101 }, { when: today() }]) {
      const r = await operator(t, 'POST', '/v1/eod', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_request' });
    }
    expect((await fetch(`${t.hq.url}/v1/eod`, { method: 'POST' })).status).toBe(401);
  });

  it('offers the win-back to members who became dormant, once, when the rule set says so', async () => {
    A.enrol('M3', daysAgo(400));
    A.sale('M3', 10_000, daysAgo(200)); // dormant: no sale for 180 days
    A.enrol('M4', daysAgo(400));
    A.sale('M4', 10_000, daysAgo(10)); // active
    A.enrol('M5', daysAgo(10)); // new, nothing bought yet
    await uploadAll(t, A, 100);
    expect((await operator(t, 'POST', '/v1/eod', {})).body.offers).toBe(0); // autoGrant is off by default

    const published = await operator(t, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      winBack: { multiplier: '2', days: 30, autoGrant: true },
    });
    expect(published.status).toBe(201);
    const r = await operator(t, 'POST', '/v1/eod', {});
    expect(r.body).toMatchObject({ offers: 1, entries: 1 });
    const until = addDays(today(), 29);
    expect(await hqChain()).toMatchObject([
      { memberNo: 'M3', kind: 'offer', data: { winBackUntil: until, operator: 'eod', note: 'dormant' } },
    ]);
    expect((await lastBalance('M3')).state.winBackUntil).toBe(until);
    expect((await operator(t, 'GET', '/v1/members/M3')).body.lifecycle).toBe('dormant');
    expect((await operator(t, 'POST', '/v1/eod', {})).body).toMatchObject({ offers: 0, entries: 0 });
  });
});

describe('end-of-day from the command line', () => {
  it('run-eod runs it against the data folder and says what it did', async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 300, at(1), { expiresOn: '2020-01-31' });
    await uploadAll(t, A, 100);
    await t.hq.store.settle();
    const hqEnv = t.env;
    let out = '';
    await t.restart(() => {
      // The server is down meanwhile, as an operator's script would find it or not: both work.
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.HQ_DATABASE_URL;
      Object.assign(env, hqEnv);
      const r = spawnSync(process.execPath, nodeScript('headoffice/cli.ts', 'run-eod'), { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      out = r.stdout;
    });
    expect(out).toContain(`end of day ${today()}`);
    expect(out).toContain('300 point(s) expired for 1');
    expect((await hqChain()).map((e) => e.kind)).toEqual(['expire']);
  }, 60_000);
});

describe('the daily timer', () => {
  it('runs the day shortly after local midnight, and not before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hq-eod-'));
    let clock = Date.now();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const hq = await createHeadOffice({
      dataDir: join(dir, 'data'),
      port: 0,
      operatorToken: OPERATOR_TOKEN,
      logToStderr: false,
      now: () => new Date(clock),
    });
    try {
      const issued = await addTill(hq.store, 'S1', 'T1');
      const till = new TillSim(issued.tillId, issued.storeId, issued.secret);
      till.enrol('M1', at(0));
      till.append('M1', 'earn', 300, at(1), { expiresOn: '2020-01-31' });
      await uploadAll({ hq }, till, 100);

      await vi.advanceTimersByTimeAsync(EOD_CHECK_MS);
      expect(await hq.store.getMeta(EOD_META_KEY)).toBeNull();
      clock += 24 * 60 * 60 * 1000;
      await vi.advanceTimersByTimeAsync(EOD_CHECK_MS);
      await vi.waitFor(async () => expect(await hq.store.getMeta(EOD_META_KEY)).not.toBeNull(), { timeout: 2_000 });
      expect(await hq.store.getMeta(EOD_META_KEY)).toBe(localDate(new Date(clock), TZ).date);
      expect(await hq.store.member('M1', new Date(clock))).toMatchObject({ ledgerBalance: 0 });
    } finally {
      await hq.close();
      vi.useRealTimers();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the daily run with several head-office processes', () => {
  it('is run by one of them: the others find its date recorded', async () => {
    const other = await t.another();
    try {
      A.enrol('M-EOD', at(0));
      A.append('M-EOD', 'earn', 300, at(1), { expiresOn: '2020-01-31' });
      await uploadAll(t, A, 100);
      await t.hq.store.setMeta(EOD_META_KEY, addDays(today(), -1));
      const now = new Date();
      const reports = await Promise.all([
        t.hq.store.runEndOfDayIfDue(now),
        other.store.runEndOfDayIfDue(now),
        t.hq.store.runEndOfDayIfDue(now),
      ]);
      expect(reports.filter((r) => r !== null)).toHaveLength(1);
      expect(await t.hq.store.getMeta(EOD_META_KEY)).toBe(today());
      const expiries = async (): Promise<number> =>
        (await hqChain()).filter((e) => e.memberNo === 'M-EOD' && e.kind === 'expire').length;
      expect(await expiries()).toBe(1);
      // Asked again of any of them, nothing more is decided.
      expect(await other.store.runEndOfDayIfDue(now)).toBeNull();
      expect(await expiries()).toBe(1);
    } finally {
      await other.close();
    }
  });
});
