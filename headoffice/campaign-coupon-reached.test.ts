/**
 * A coupon campaign's message counts as "reached" (docs/campaigns.md "Reached": the offer message
 * is queued with the dedupe key `campaign:<id>`, one per member and campaign, and the result
 * counts `outbox` rows with that key sent). A coupon's grant is a `reward` entry; its message had
 * no key, so a coupon campaign always reported reached 0.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from './log.js';
import { FileChannel, MESSAGES_FILE } from './messages/channel.js';
import { messagesIn } from '../test/helpers/sign-in-code.js';
import { sendOutbox } from './server.js';
import { at, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
useTwoTillHq((x) => ({ t, A } = x));

const quiet: Logger = { log: () => undefined } as unknown as Logger;
const noon = new Date('2026-03-02T04:00:00Z'); // 12:00 in Shanghai

describe('reached for a coupon campaign', () => {
  it('counts the coupon messages the channel delivered, as for every offer kind', async () => {
    A.enrol('M1', at(0), { name: '甲', phone: '13900000001', consentMarketing: true });
    A.enrol('M2', at(1), { name: '乙', phone: '13900000002', consentMarketing: true });
    for (const [i, m] of ['M1', 'M2'].entries()) A.sale(m, 10_000, at(3 + i));
    await uploadAll(t, A, 20);
    await t.hq.store.settle();
    const s = t.hq.store;
    const made = await s.createCampaign(
      {
        id: 'thanks',
        name: '回馈券',
        target: { homeStores: ['S1'] },
        offer: { kind: 'coupon', value: 2000, days: 14, name: { zh: '回馈券', en: 'thank-you coupon' } },
        holdoutPercent: 0,
        budgetPoints: 100_000,
        costPerGrant: 1000,
      },
      'alice',
      noon,
    );
    expect(made.kind).toBe('created');
    expect((await s.campaignTransition('thanks', 'approve', 'bob', noon)).kind).toBe('done');
    const started = await s.campaignTransition('thanks', 'start', 'bob', noon);
    expect(started.kind === 'done' && started.run?.granted).toBe(2);
    const sent = await sendOutbox(s, new FileChannel(join(t.dataDir, MESSAGES_FILE)), quiet, () => noon);
    expect(sent).toBe(2);
    expect(messagesIn(t.dataDir).every((m) => m.text.includes('优惠券'))).toBe(true);
    // Two granted members, both with consent, both messages delivered: both reached.
    expect(await s.campaignResult('thanks')).toMatchObject({ granted: 2, reached: 2 });
  });
});
