/**
 * Feed pages gzipped on the wire (headoffice/http/compress.ts), end to end: a real till, syncing
 * with head office over HTTP, receives the chain's members in pages large enough to go gzipped,
 * verifies head office's signature over what its fetch inflated, and applies them; head office's
 * metrics show the pages went out smaller than their JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from '../../headoffice/provision.js';
import { at, feedPageBytes, provision, startHq, uploadAll, type TestHq } from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { linkedTill } from '../helpers/till.js';

const METRICS = 'metrics-token-feed-gzip-e2e';
const MEMBERS = 150;
let hq: TestHq;
let till: Till;
const root = mkdtempSync(join(tmpdir(), 'feed-gzip-'));

beforeAll(async () => {
  hq = await startHq({ metricsToken: METRICS });
  // Another store's till (simulated) enrols and sells to the chain's members.
  const A = await provision(hq, 'store-a', 'gz-a1');
  for (let i = 0; i < MEMBERS; i++) {
    const m = `GZ${String(i).padStart(5, '0')}`;
    A.enrol(m, at(0));
    A.sale(m, 10_000 + i * 100, at(1));
  }
  await uploadAll(hq, A, 100);
  await hq.hq.store.settle();
  const issued = await addTill(hq.hq.store, 'store-b', 'gz-b1');
  till = await linkedTill(mkdtempSync(join(root, 'b-')), hq.hq, issued);
});

afterAll(async () => {
  await till?.close();
  await hq?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('feed pages gzipped, at a real till', () => {
  it("applies the chain's members from gzipped pages it verified, and head office sent less than their JSON", async () => {
    const before = await feedPageBytes(hq, METRICS);
    const r = await till.sync?.syncNow();
    expect(r?.problem ?? null).toBeNull();
    const after = await feedPageBytes(hq, METRICS);
    const json = after.json - before.json;
    const sent = after.sent - before.sent;
    expect(json).toBeGreaterThan(0);
    expect(sent).toBeLessThan(json / 2);
    // Every member arrived, with the balance their sale earned at the other store.
    const held = till.ctx.db
      .prepare('SELECT member_no, balance FROM hq_member_state WHERE member_no LIKE ? ORDER BY member_no')
      .all('GZ%') as { member_no: string; balance: number }[];
    expect(held).toHaveLength(MEMBERS);
    expect(held[0]).toEqual({ member_no: 'GZ00000', balance: 100 });
    expect(held.at(-1)).toEqual({ member_no: `GZ${String(MEMBERS - 1).padStart(5, '0')}`, balance: 100 + MEMBERS - 1 });
  });
});
