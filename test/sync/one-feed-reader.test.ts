/**
 * One feed reader at a time (main/sync/service.ts `exclusive`): callers waiting on a pull in
 * flight (two phone lookups or returns at other stores at once) run one after another, so feed
 * pages are applied in cursor order. Before, each waiter started its own pull when the first
 * ended, and two readers ran side by side, each writing `hq_change_cursor`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../headoffice/provision.js';
import { startHq, type TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { linkedTill } from '../helpers/till.js';
import { gate, startProxy, until, type Proxy } from './hold-proxy.js';

let hq: TestHq;
let proxy: Proxy;
let till: Till;
const root = mkdtempSync(join(tmpdir(), 'two-pulls-'));

beforeAll(async () => {
  hq = await startHq();
  proxy = await startProxy(hq.hq.url);
  const issued = await addTill(hq.hq.store, 'store-tp', 'till-tp');
  till = await linkedTill(join(root, 'till'), { url: proxy.url, publicKey: hq.hq.publicKey }, issued);
});
afterAll(async () => {
  await till.close();
  await proxy.close();
  await hq.close();
  rmSync(root, { recursive: true, force: true });
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
