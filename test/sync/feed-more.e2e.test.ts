/**
 * A caught-up till asks for the feed once a cycle (core/sync/protocol.ts FeedPosition `more`),
 * end to end: a real till syncing with head office over HTTP reads a backlog page after page
 * while head office says more follows, then one request a cycle; head office's request counter
 * shows the requests. Before `more`, a till with anything new asked twice a cycle, the second
 * answered empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../../core/sync/protocol.js';
import { addTill } from '../../headoffice/provision.js';
import {
  at,
  metricsText,
  provision,
  startHq,
  uploadAll,
  type TestHq,
  type TillSim,
} from '../../headoffice/test-helpers.js';
import type { Till } from '../../main/service/till.js';
import { linkedTill } from '../helpers/till.js';

const METRICS = 'metrics-token-feed-more-e2e';
let hq: TestHq;
let A: TillSim;
let till: Till;
const root = mkdtempSync(join(tmpdir(), 'feed-more-'));

/** Feed requests head office answered 200, from its metrics. */
async function feedRequests(): Promise<number> {
  const text = await metricsText(hq, METRICS);
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('hq_http_requests_total{') && line.includes(`route="${SYNC_PATHS.changes}"`)) {
      if (line.includes('status="200"')) n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

async function sync(): Promise<void> {
  const r = await till.sync?.syncNow();
  expect(r?.problem ?? null).toBeNull();
}

beforeAll(async () => {
  hq = await startHq({ metricsToken: METRICS });
  A = await provision(hq, 'store-a', 'more-a1');
  // More than a page of 500 changes: 200 members, each a member, a card and a balance change.
  for (let i = 0; i < 200; i++) {
    const m = `MO${String(i).padStart(5, '0')}`;
    A.enrol(m, at(0));
    A.sale(m, 10_000, at(1));
  }
  await uploadAll(hq, A, 100);
  await hq.hq.store.settle();
  const issued = await addTill(hq.hq.store, 'store-b', 'more-b1');
  till = await linkedTill(mkdtempSync(join(root, 'b-')), hq.hq, issued);
});

afterAll(async () => {
  await till?.close();
  await hq?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a caught-up till asks for the feed once a cycle', () => {
  it('reads a backlog page after page, and then one request a cycle, with or without news', async () => {
    let before = await feedRequests();
    await sync();
    // 600 member, card and balance changes and the rule set: a full page of 500, then the rest.
    expect((await feedRequests()) - before).toBe(2);
    const held = till.ctx.db.prepare("SELECT count(*) AS n FROM hq_member_state WHERE member_no LIKE 'MO%'").get() as {
      n: number;
    };
    expect(held.n).toBe(200);

    before = await feedRequests();
    await sync();
    expect((await feedRequests()) - before).toBe(1);

    // News since: still one request, which brings it.
    A.sale('MO00007', 20_000, at(2));
    await uploadAll(hq, A, 100);
    before = await feedRequests();
    await sync();
    expect((await feedRequests()) - before).toBe(1);
    const state = till.ctx.db.prepare('SELECT balance FROM hq_member_state WHERE member_no = ?').get('MO00007') as {
      balance: number;
    };
    expect(state.balance).toBe(300);
  });
});
