/**
 * A card change staff made at the till that head office has not taken yet survives a feed page
 * (main/sync/feed.ts): head office's older word on the card waits for the upload. Before, a
 * block made while a page was on its way (the cycle's upload done, its feed read in flight) was
 * undone at the till, and the next upload sent the card as active without a staff id: the block
 * was lost at the till and at head office, and the lost card worked again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { POS_KEY } from '../helpers/till.js';
import { gate, until, type Proxy, startLinkedTill, type LinkedTillRig } from './hold-proxy.js';
import { bearerCall } from '../helpers/bearer-call.js';

let hq: TestHq;
let proxy: Proxy;
let till: Till;
let rig: LinkedTillRig;

beforeAll(async () => {
  rig = await startLinkedTill('cf');
  ({ hq, till } = rig);
  proxy = rig.proxy as Proxy;
});
afterAll(async () => {
  await rig?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await bearerCall(till.url, POS_KEY, 'POST', path, body);
  return { status: r.status, body: r.json };
}

describe('a local card block head office has not acknowledged survives a feed page', () => {
  it('block made while the cycle reads the feed: still blocked at the till and at head office', async () => {
    const enr = await post('/v1/members', {
      name: '李四',
      phone: '13711113333',
      consent: { marketing: false, text: 'v1' },
      cardCode: '04:11:22:33:44:55:66',
    });
    expect(enr.status).toBe(201);
    const memberNo = enr.body.memberNo as string;
    const nfc = till.ctx.members.cardsOf(memberNo).find((c) => c.kind === 'nfc');
    if (!nfc) throw new Error('no NFC card');

    // The cycle uploads the enrolment; its feed read is held at the proxy.
    const held = gate();
    let armed = true;
    proxy.rule = (s) => {
      if (armed && s.method === 'GET' && s.path.startsWith('/v1/sync/changes')) {
        armed = false;
        return { before: held.promise };
      }
      return undefined;
    };
    const cycle = till.sync?.syncNow();
    await until('the feed read', () => !armed);

    // Meanwhile the cashier blocks the card (what the staff route does, supervisor 0002).
    const at = new Date().toISOString();
    till.ctx.db
      .transaction(() => {
        if (till.ctx.members.blockCard(nfc.code, at, '0002')) till.ctx.outbox.add('card', memberNo, at);
      })
      .immediate();
    expect(till.ctx.members.cardsOf(memberNo).find((c) => c.code === nfc.code)?.status).toBe('blocked');

    held.open();
    expect((await cycle)?.problem ?? null).toBeNull();
    const afterFirst = till.ctx.members.cardsOf(memberNo).find((c) => c.code === nfc.code)?.status;

    // The next cycles upload the block and read the feed again.
    expect((await till.sync?.syncNow())?.problem ?? null).toBeNull();
    expect((await till.sync?.syncNow())?.problem ?? null).toBeNull();
    await hq.hq.store.settle();
    const atHq = (await hq.sql<{ status: string }>('SELECT status FROM cards WHERE code = ?', nfc.code))[0]?.status;
    const atTill = till.ctx.members.cardsOf(memberNo).find((c) => c.code === nfc.code)?.status;
    expect({ afterFirst, atTill, atHq }).toEqual({ afterFirst: 'blocked', atTill: 'blocked', atHq: 'blocked' });
  });
});
