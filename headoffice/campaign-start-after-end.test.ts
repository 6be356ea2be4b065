/**
 * A campaign never grants after its last day `endOn` (docs/campaigns.md "Schedule"): an approved
 * campaign started by hand after it is refused (409), whether the end-of-day run has ended it yet
 * or not. Before, the start granted offers on a day after `endOn`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHq, threeBuyers, type TestHq } from './test-helpers.js';

let t: TestHq;
const DAY = 86_400_000;

beforeEach(async () => {
  t = await startHq();
});

afterEach(async () => {
  await t.close();
});

describe('start after the last day', () => {
  it('grants nothing on a day after endOn', async () => {
    await threeBuyers(t);
    const now = new Date();
    const today = await t.hq.store.today(now);
    const made = await t.hq.store.createCampaign(
      {
        id: 'one-day',
        name: '一日双倍',
        target: { homeStores: ['S1'] },
        offer: { kind: 'multiplier', multiplierMilli: 2000, days: 2, name: { zh: '双倍积分', en: 'double points' } },
        holdoutPercent: 0,
        budgetPoints: 1_000,
        costPerGrant: 10,
        startOn: today,
        endOn: today,
      },
      'alice',
      now,
    );
    expect(made.kind).toBe('created');
    expect((await t.hq.store.campaignTransition('one-day', 'approve', 'bob', now)).kind).toBe('done');
    // The next day, before the end-of-day run ends it, an operator presses start.
    const tomorrow = new Date(now.getTime() + DAY);
    expect(await t.hq.store.today(tomorrow)).not.toBe(today);
    const out = await t.hq.store.campaignTransition('one-day', 'start', 'bob', tomorrow);
    const granted = out.kind === 'done' ? (out.run?.granted ?? 0) : 0;
    // endOn (today) was the last day it grants on: nothing is granted tomorrow.
    expect(granted).toBe(0);
  });
});
