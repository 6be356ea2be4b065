/**
 * One feed reader at a time (main/sync/service.ts `exclusive`): callers waiting on a pull in
 * flight (two phone lookups or returns at other stores at once) run one after another, so feed
 * pages are applied in cursor order. Before, each waiter started its own pull when the first
 * ended, and two readers ran side by side, each writing `hq_change_cursor`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Till } from '../../main/service/till.js';
import { gate, until, type Proxy, startLinkedTill, type LinkedTillRig } from './hold-proxy.js';

let proxy: Proxy;
let till: Till;
let rig: LinkedTillRig;

beforeAll(async () => {
  rig = await startLinkedTill('tp');
  till = rig.till;
  proxy = rig.proxy as Proxy;
});
afterAll(async () => {
  await rig?.close();
});

describe('one feed reader at a time', () => {
  it('two refreshes waiting on a pull in flight do not read the feed side by side', async () => {
    const first = gate();
    let inFlight = 0;
    let most = 0;
    proxy.rule = (s) => {
      if (!(s.method === 'GET' && s.path.startsWith('/v1/sync/changes'))) return;
      inFlight++;
      most = Math.max(most, inFlight);
      const wait = s.n === 1 ? first.promise : new Promise<void>((r) => setTimeout(r, 300));
      return { before: wait.then(() => void inFlight--) };
    };
    const r0 = till.sync?.refreshFeed();
    await until('the first pull at head office', () => proxy.seen.length >= 1);
    const r1 = till.sync?.refreshFeed();
    const r2 = till.sync?.refreshFeed();
    first.open();
    await Promise.all([r0, r1, r2]);
    expect(most).toBe(1);
  });
});
