/**
 * DOMAIN.md 5 and 12: a linked till leaves tier reviews to head office and applies the due ones
 * in memory. A Gold member whose quarter-end review is due (rolling spend below Gold) earns at
 * Silver; when that sale crosses Gold's threshold again, the till's upgrade entry (silver ->
 * gold) re-establishes Gold from its date, so the member earns at Gold from the next sale and
 * the due review, which judges the tier held on its own date, no longer lowers it. Before, the
 * fold dropped the entry (the stored, unreviewed state already said Gold), and the member stayed
 * Silver until the next crossing sale.
 *
 * Default programme (Gold 10,000 yuan, x1.5; Silver x1.2):
 *  - 2024-03-20: a 10,000 yuan sale -> Gold.
 *  - at 2025-03-31 that spend has left the 12-month window: the review is due, Silver.
 *  - 2025-04-02: a 10,000 yuan sale earns at Silver and crosses Gold's threshold again.
 *  - 2025-04-03: a 100 yuan sale earns at Gold: floor(10,000 x 1.5 / 100) = 150 points.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTill, type Till } from '../main/service/till.js';
import { POS_KEY, TestClock, enrolRequest, shanghaiAt, testConfig, foodLine } from './helpers/till.js';

let till: Till | null = null;
let dir = '';
afterEach(async () => {
  await till?.close();
  till = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('re-qualifying for the tier a pending review takes away', () => {
  it('puts the member on the re-reached tier from the next sale (connected till)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'requalify-'));
    const clock = new TestClock(shanghaiAt('2024-03-20', '10:00'));
    till = await createTill(
      testConfig(dir, {
        // Head office configured (so the till leaves reviews to head office) but not answering.
        hqUrl: 'http://127.0.0.1:9',
        tillId: 'till-requalify-1',
        tillSecret: 'secret-for-tests-0123456789',
        syncIntervalMs: 3_600_000,
      }),
      { now: clock.now, quiet: true },
    );
    const t = till;
    const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const m = (await post('/v1/members', enrolRequest())).body.memberNo as string;

    const first = await post('/v1/sales', { saleId: 'S1', memberNo: m, lines: [foodLine('A', 1_000_000)] });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ tier: 'gold', tierChanged: true });

    clock.set(shanghaiAt('2025-04-02', '10:00'));
    const crossing = await post('/v1/sales', { saleId: 'S2', memberNo: m, lines: [foodLine('B', 1_000_000)] });
    expect(crossing.status, JSON.stringify(crossing.body)).toBe(201);
    // Earned at Silver (the 2025-03-31 review is due): correct.
    expect(crossing.body.previousTier).toBe('silver');
    // ...and crossed the Gold threshold again: the member is Gold from the next sale.
    expect(crossing.body.tier).toBe('gold');

    clock.set(shanghaiAt('2025-04-03', '10:00'));
    const next = await post('/v1/sales', { saleId: 'S3', memberNo: m, lines: [foodLine('C', 10_000)] });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    // Gold ×1.5: floor(10000 × 1.5 / 100) = 150 (Silver would be 120).
    expect(next.body.pointsEarned).toBe(150);
  });
});
