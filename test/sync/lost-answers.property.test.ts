/**
 * "Offline without losing or doubling anything" and "replaying a batch changes nothing" across
 * lost answers (fast-check): head office commits an upload or serves a feed page and the answer
 * never reaches the till (the proxy drops the connection), with sales in between. After clean
 * syncs, head office holds each of the till's entries and sales exactly once and the till has
 * nothing waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { linkedTill, POS_KEY } from '../helpers/till.js';
import { startProxy, type Proxy } from './hold-proxy.js';

let hq: TestHq;
let proxy: Proxy;
const root = mkdtempSync(join(tmpdir(), 'lost-answers-'));

beforeAll(async () => {
  hq = await startHq();
  proxy = await startProxy(hq.hq.url);
});
afterAll(async () => {
  await proxy.close();
  await hq.close();
  rmSync(root, { recursive: true, force: true });
});

type Step = { kind: 'sale'; price: number } | { kind: 'sync' } | { kind: 'dropUpload' } | { kind: 'dropFeed' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('sale' as const), price: fc.integer({ min: 100, max: 50_000 }) }),
  fc.constant({ kind: 'sync' as const }),
  fc.constant({ kind: 'dropUpload' as const }),
  fc.constant({ kind: 'dropFeed' as const }),
);

let runNo = 0;

describe('lost answers neither lose nor double anything', () => {
  it('property', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 12 }), async (steps) => {
        runNo++;
        const id = `till-la-${runNo}`;
        const issued = await addTill(hq.hq.store, 'store-la', id);
        const till: Till = await linkedTill(join(root, id), { url: proxy.url, publicKey: hq.hq.publicKey }, issued);
        try {
          const post = async (path: string, body: unknown) => {
            const r = await fetch(`${till.url}${path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            return { status: r.status, body: (await r.json()) as Record<string, unknown> };
          };
          const enr = await post('/v1/members', {
            name: '王五',
            phone: `137${String(runNo).padStart(8, '0')}`,
            consent: { marketing: false, text: 'v1' },
          });
          expect(enr.status).toBe(201);
          const memberNo = enr.body.memberNo as string;
          let sales = 0;
          for (const s of steps) {
            if (s.kind === 'sale') {
              sales++;
              const r = await post('/v1/sales', {
                saleId: `${id}-S${sales}`,
                memberNo,
                lines: [{ sku: 'g', category: 'grocery', quantity: 1, unitPrice: s.price }],
              });
              expect(r.status).toBe(201);
            } else {
              let dropped = false;
              proxy.rule = (seen) => {
                if (dropped) return undefined;
                const isUpload = seen.method === 'POST' && seen.path.startsWith('/v1/sync/batches');
                const isFeed = seen.method === 'GET' && seen.path.startsWith('/v1/sync/changes');
                if ((s.kind === 'dropUpload' && isUpload) || (s.kind === 'dropFeed' && isFeed)) {
                  dropped = true;
                  return { drop: true };
                }
                return undefined;
              };
              await till.sync?.syncNow();
              proxy.rule = () => undefined;
            }
          }
          for (let i = 0; i < 3; i++) await till.sync?.syncNow();
          const st = await till.sync?.syncNow();
          expect(st?.problem ?? null).toBeNull();
          expect(st?.waiting).toBe(0);
          await hq.hq.store.settle();
          const tillEntries = till.ctx.ledger.headOf().seq;
          const hqEntries = await hq.sql<{ n: number; d: number }>(
            'SELECT count(*) AS n, count(DISTINCT seq) AS d FROM ledger WHERE till_id = ?',
            id,
          );
          expect(hqEntries[0]).toEqual({ n: tillEntries, d: tillEntries });
          const hqSales = await hq.sql<{ n: number }>('SELECT count(*) AS n FROM sales WHERE till_id = ?', id);
          expect(hqSales[0]?.n).toBe(sales);
          const member = await hq.sql<{ n: number }>('SELECT count(*) AS n FROM members WHERE member_no = ?', memberNo);
          expect(member[0]?.n).toBe(1);
        } finally {
          await till.close();
        }
      }),
      { numRuns: 12, seed: 4242 },
    );
  }, 300_000);
});
