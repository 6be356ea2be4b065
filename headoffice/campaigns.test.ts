/** Campaign operator API (docs/campaigns.md): validation, roles, states; delivery is test/sync/campaigns.e2e.test.ts. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, hqCli, startHq, type TestHq } from './test-helpers.js';
import { bearerCall } from '../test/helpers/bearer-call.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
type Json = Record<string, any>;

let t: TestHq;

beforeEach(async () => {
  t = await startHq();
});

afterEach(async () => {
  await t.close();
});

function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return bearerCall<Json>(t.hq.url, token, method, path, body);
}

const draft = {
  id: 'double-week',
  name: '双倍积分周',
  target: { lifecycles: ['at_risk'], tiers: ['silver', 'gold'], withinOfNextTier: 50_000 },
  offer: { multiplierMilli: 2000, days: 7, name: { zh: '双倍积分', en: 'double points' } },
  budgetPoints: 10_000,
  costPerGrant: 100,
};

describe('campaign operator API', () => {
  it('creates a draft with the default holdout, refuses a bad offer and a taken id', async () => {
    const made = await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', draft);
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ id: 'double-week', status: 'draft', holdoutPercent: 10, approvedBy: null });
    expect((await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', draft)).status).toBe(409);
    const bad = await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', {
      ...draft,
      id: 'x',
      offer: { ...draft.offer, multiplierMilli: 500 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_request');
    const list = await call(OPERATOR_TOKEN, 'GET', '/v1/campaigns');
    expect(list.json.campaigns.map((c: { id: string }) => c.id)).toEqual(['double-week']);
  });

  it('keeps to the states and the roles', async () => {
    await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns', draft);
    expect((await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns/double-week/end', {})).status).toBe(409);
    expect((await call(OPERATOR_TOKEN, 'POST', '/v1/campaigns/nope/approve', {})).status).toBe(404);
    expect((await call(OPERATOR_TOKEN, 'GET', '/v1/campaigns/nope/result')).status).toBe(404);
    const out = await hqCli(t, ['add-operator', '--id', 'ana', '--role', 'analyst']);
    const ana = (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
    expect((await call(ana, 'POST', '/v1/campaigns', { ...draft, id: 'y' })).status).toBe(403);
    const result = await call(ana, 'GET', '/v1/campaigns/double-week/result');
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ targeted: 0, heldOut: 0, granted: 0, used: 0, pointsCost: 0 });
  });
});
