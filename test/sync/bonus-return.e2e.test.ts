/**
 * A campaign bonus taken back by a return at another store (docs/campaigns.md "Returns";
 * DOMAIN.md 12), end to end: a real head-office process grants 满200送300, a member earns it at
 * store A on ¥250, and returns the goods piece by piece at store B and back at A. The bonus goes
 * back once, at the return that leaves less than ¥200, whichever store takes it; the sale's own
 * till learns it from head office; head office's recompute agrees with every return.
 */
import { describe, expect, it } from 'vitest';
import { hqCli } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { hqEnv, operator, syncTills, tillPost, useHqProcess, type Json } from './procs.js';
import { bearerCall } from '../helpers/bearer-call.js';

const TOKEN = 'operator-token-bonus-return';
const f = useHqProcess('bonus-return', TOKEN);

function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall<Json>(f.hq.url, token, method, path, body);
}

async function adminToken(id: string): Promise<string> {
  const out = await hqCli({ env: hqEnv(f.hqDir) }, ['add-operator', '--id', id, '--role', 'admin']);
  return (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
}

async function giveBack(t: Till, returnId: string, sku: string): Promise<Json> {
  const r = await tillPost(t, '/v1/returns', { returnId, originalSaleId: 'BONUS-1', lines: [{ sku, quantity: 1 }] });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

describe('a campaign bonus taken back at another store', () => {
  it('goes back once, below the minimum, at whichever store; head office flags nothing', async () => {
    const a = await f.tillAt('bonus-a', 'bonus-a1');
    const b = await f.tillAt('bonus-b', 'bonus-b1');
    const enrolled = await tillPost(a, '/v1/members', {
      name: '会员',
      phone: '13600000001',
      consent: { marketing: true, text: 'v1' },
    });
    expect(enrolled.status).toBe(201);
    const m = enrolled.json.memberNo as string;
    await syncTills(a, b);

    const [dora, emil] = [await adminToken('dora'), await adminToken('emil')];
    const draft = await call(dora, 'POST', '/v1/campaigns', {
      id: 'spend-200',
      name: 'spend-200',
      target: { homeStores: ['bonus-a'] },
      offer: {
        kind: 'bonus',
        minSpend: 20_000,
        bonusPoints: 300,
        days: 7,
        name: { zh: '满200送300', en: 'spend 200 get 300' },
      },
      holdoutPercent: 0,
      budgetPoints: 300,
      costPerGrant: 300,
    });
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    expect((await call(emil, 'POST', '/v1/campaigns/spend-200/approve', {})).status).toBe(200);
    expect((await call(emil, 'POST', '/v1/campaigns/spend-200/start', {})).json).toMatchObject({ granted: 1 });
    await syncTills(a, b);

    // Two teas at ¥100 and a ¥50 cake: 250 points and the 300 bonus.
    const sale = await tillPost(a, '/v1/sales', {
      saleId: 'BONUS-1',
      memberNo: m,
      lines: [
        { sku: 'TEA', category: 'grocery', quantity: 2, unitPrice: 10_000 },
        { sku: 'CAKE', category: 'grocery', quantity: 1, unitPrice: 5_000 },
      ],
    });
    expect(sale.json).toMatchObject({ pointsEarned: 250, bonusPoints: 300, balance: 550 });
    await syncTills(a, b);

    // At B: the cake keeps ¥200, the bonus stays; a tea keeps ¥100, the bonus goes back.
    expect(await giveBack(b, 'B-R1', 'CAKE')).toMatchObject({ pointsReversed: 50, bonusReversed: 0, balance: 500 });
    expect(await giveBack(b, 'B-R2', 'TEA')).toMatchObject({ pointsReversed: 100, bonusReversed: 300, balance: 100 });
    const reversal = b.ctx.db
      .prepare(
        "SELECT data FROM ledger WHERE return_id = 'B-R2' AND kind = 'reverse' AND json_extract(data, '$.bonusReturn')",
      )
      .get() as { data: string };
    const bonusSeq = (
      a.ctx.db.prepare("SELECT seq FROM ledger WHERE sale_id = 'BONUS-1' AND kind = 'bonus'").get() as {
        seq: number;
      }
    ).seq;
    expect(JSON.parse(reversal.data)).toMatchObject({ lotId: `bonus-a1:${bonusSeq}`, campaignId: 'spend-200' });
    await syncTills(b, a);

    // Back at A, the last tea: A learns from head office that B took the bonus back already.
    expect(await giveBack(a, 'A-R1', 'TEA')).toMatchObject({
      pointsReversed: 100,
      bonusReversed: 0,
      fullyReturned: true,
      balance: 0,
    });
    await syncTills(a, b);

    const listed = await operator(f.hq.url, dora, '/v1/tills');
    expect(listed.status, JSON.stringify(listed.json)).toBe(200);
    const tills = listed.json.tills as { tillId: string; mismatches: number }[];
    expect(tills.filter((t) => t.tillId.startsWith('bonus-')).map((t) => [t.tillId, t.mismatches])).toEqual([
      ['bonus-a1', 0],
      ['bonus-b1', 0],
    ]);
    expect(f.hq.output()).not.toContain('return_mismatch');
    // The member holds what they held before the sale, at head office too; the campaign's actual cost is 0.
    expect((await operator(f.hq.url, dora, `/v1/members/${m}`)).json.balance).toBe(0);
    expect((await call(emil, 'GET', '/v1/campaigns/spend-200/result')).json).toMatchObject({ used: 1, pointsCost: 0 });
  }, 60_000);
});
