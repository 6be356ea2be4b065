/**
 * Crash test: the real till process (as `npm run till` starts it) is killed with SIGKILL at
 * random moments while a simulated POS records sales, points redemptions and returns over
 * HTTP. After every restart on the same data folder the POS sends again, unchanged, whatever
 * was cut off. At the end the database file is opened directly and must show every
 * acknowledged sale and return exactly once, a gapless intact ledger chain, and cached
 * balances equal to the ledger.
 *
 * CRASH_SEED=<n> replays the same workload and kill delays; CRASH_CYCLES=<n> sets the number
 * of kills (default 10, at least 5).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Gate, Pos } from './crash/pos.js';
import { TillProcess, freePort, sleep } from './crash/till-process.js';
import { verifyTillDatabase } from './crash/verify.js';
import { rng } from './crash/workload.js';

const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(1, 2 ** 31 - 1);
const cycles = Math.max(5, Number(process.env.CRASH_CYCLES ?? 10));
const WORKERS = 4;

const dataDir = mkdtempSync(join(tmpdir(), 'till-crash-'));
let keepDataDir = false;
let live: TillProcess | null = null;

afterAll(async () => {
  if (live?.running) await live.kill('SIGKILL');
  if (keepDataDir) console.error(`crash test data kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
});

test(
  `acknowledged sales survive SIGKILL of the till (CRASH_SEED=${seed})`,
  { timeout: 90_000 },
  async ({ onTestFailed }) => {
    if (!Number.isSafeInteger(seed) || seed <= 0) throw new Error(`CRASH_SEED must be a positive integer: ${seed}`);
    onTestFailed(() => {
      keepDataDir = true;
      console.error(`crash test failed; reproduce with CRASH_SEED=${seed} npx vitest run test/crash.test.ts`);
    });
    const started = Date.now();
    const r = rng(seed ^ 0x5bd1e995);
    const posApiKey = randomBytes(18).toString('base64url');
    const till = new TillProcess({ dataDir, port: await freePort(), posApiKey });
    live = till;
    const gate = new Gate();
    const pos = new Pos(till.url, posApiKey, gate, seed);

    await till.start();
    const workers = Promise.all(Array.from({ length: WORKERS }, (_, i) => pos.worker(i)));
    // If a worker fails (the till died on its own), stop killing and report it.
    let workerError: unknown = null;
    workers.catch((e: unknown) => {
      workerError = e;
    });

    const kills: string[] = [];
    try {
      for (let c = 0; c < cycles && workerError === null; c++) {
        const runFor = r.int(100, 600);
        await sleep(runFor);
        gate.close();
        const exit = await till.kill('SIGKILL');
        kills.push(`${runFor}ms`);
        expect(exit.signal).toBe('SIGKILL');
        // Now and then a kill lands during start-up (opening the database, WAL recovery, migrations).
        if (r.chance(0.25)) {
          till.spawn();
          const after = r.int(50, 500);
          await sleep(after);
          if (till.running) {
            await till.kill('SIGKILL');
            kills.push(`start+${after}ms`);
          }
        }
        await till.start();
        gate.open();
      }
      await sleep(300);
    } finally {
      pos.stop();
      gate.open();
    }
    await workers;
    // The final stop is a kill as well: nothing gets a clean shutdown.
    gate.close();
    await till.kill('SIGKILL');

    const report = verifyTillDatabase(join(dataDir, 'till.db'), { ...pos.acknowledged, exact: true });
    const s = pos.stats;
    console.log(
      `crash seed=${seed}: ${kills.length} kills (${kills.join(' ')}), ${till.starts} starts in ${((Date.now() - started) / 1000).toFixed(1)}s; ` +
        `${s.sales} sales (${s.pointsSales} with points), ${s.returns} returns, ${s.enrolments} enrolments, ` +
        `${s.identifies} identifies, ${s.replays} replays; ${s.interrupted} requests cut off by a kill ` +
        `(${s.committedBeforeKill} had committed, ${s.recordedOnRetry} recorded on retry); ` +
        `db: ${report.counts.sales} sales, ${report.counts.returns} returns, ${report.counts.members} members, ` +
        `${report.counts.ledger} ledger entries`,
    );

    expect(workerError).toBeNull();
    expect(till.unexpectedExits, 'the till exited without being killed').toEqual([]);
    expect(pos.problems, 'answers the POS should not have received').toEqual([]);
    expect(report.problems, 'database after the crashes').toEqual([]);
    expect(kills.length).toBeGreaterThanOrEqual(5);
    expect(pos.acknowledged.sales.size).toBeGreaterThan(0);
    expect(pos.acknowledged.returns.size).toBeGreaterThan(0);
    expect(s.interrupted, 'no request was in flight at any kill').toBeGreaterThan(0);
  },
);
