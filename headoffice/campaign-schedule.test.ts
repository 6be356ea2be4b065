/**
 * A campaign's schedule (docs/campaigns.md "Schedule") on both stores: the end-of-day run starts
 * an approved campaign on its start day (choosing and granting as an operator's start does) and
 * ends it after its last day; the dates are validated.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operator, startHq, threeBuyers, type TestHq } from './test-helpers.js';

let t: TestHq;
const DAY = 86_400_000;

beforeEach(async () => {
  t = await startHq();
});

afterEach(async () => {
  await t.close();
});

describe('campaign schedule', () => {
  it('starts on its day at the end-of-day run, ends after its last day', async () => {
    await threeBuyers(t);
    const today = await t.hq.store.today(new Date());
    const tomorrow = await t.hq.store.today(new Date(Date.now() + DAY));
    const draft = {
      id: 'weekend',
      name: '周末双倍积分',
      target: { homeStores: ['S1'] },
      offer: { multiplierMilli: 2000, days: 2, name: { zh: '双倍积分', en: 'double points' } },
      holdoutPercent: 0,
      budgetPoints: 1_000,
      costPerGrant: 10,
      startOn: tomorrow,
      endOn: tomorrow,
    };
    const bad = await operator(t, 'POST', '/v1/campaigns', { ...draft, id: 'x', endOn: today });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('endOn');
    expect((await operator(t, 'POST', '/v1/campaigns', { ...draft, id: 'y', startOn: '2026-13-01' })).status).toBe(400);
    const made = await operator(t, 'POST', '/v1/campaigns', draft);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ startOn: tomorrow, endOn: tomorrow, status: 'draft' });
    // approved by a second operator (the store directly: the bootstrap token is one operator)
    expect((await t.hq.store.campaignTransition('weekend', 'approve', 'bob', new Date())).kind).toBe('done');

    // today: not yet
    await t.hq.store.runEndOfDay(new Date());
    expect((await t.hq.store.campaigns())[0]).toMatchObject({ status: 'approved', startedAt: null });
    // tomorrow's run starts it and grants the three members
    await t.hq.store.runEndOfDay(new Date(Date.now() + DAY));
    const started = await t.hq.store.campaignResult('weekend');
    expect(started?.campaign.status).toBe('running');
    expect(started).toMatchObject({ targeted: 3, granted: 3 });
    // the day after its last day: ended, nothing more granted
    await t.hq.store.runEndOfDay(new Date(Date.now() + 2 * DAY));
    const ended = await t.hq.store.campaignResult('weekend');
    expect(ended?.campaign.status).toBe('ended');
    expect(ended?.granted).toBe(3);
    expect((await operator(t, 'GET', '/v1/campaigns')).body.campaigns[0]).toMatchObject({ status: 'ended' });
  });
});
