/**
 * Limited-stock rewards in head office's web application, in real Chromium (issue 15 item 7):
 * the review page lists each limited reward's count and the issues that arrived after the stock
 * was gone (an offline till past zero). Screenshot: test-artifacts/screenshots/headoffice-reward-stock.png.
 * Runs once, on SQLite (the endpoint runs on both stores in reward-stock.test.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { addTill } from './provision.js';
import { at, OPERATOR_TOKEN, operator, signedPost, startHq, TillSim, upload, type TestHq } from './test-helpers.js';
import { buildHqUi } from '../test/helpers/vite-build.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

describe.skipIf(!existsSync(CHROMIUM))('head office web application: reward stock', () => {
  let t: TestHq;

  beforeAll(async () => {
    process.env.HQ_APP_DIR = await buildHqUi('app');
    t = await startHq();
    const published = await operator(t, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      effectiveFrom: '2020-01-01T00:00:00Z',
      rewards: [
        ...(DEFAULT_RULE_SET_INPUT.rewards ?? []),
        { id: 'mug', name: { zh: '限量马克杯', en: 'Limited mug' }, points: 100, kind: 'service', stock: 1 },
      ],
    });
    expect(published.status).toBe(201);
    const a = await addTill(t.hq.store, 'S1', 'A', new Date(), { storeName: '南京西路店', tillName: '1号收银台' });
    const b = await addTill(t.hq.store, 'S2', 'B', new Date(), { storeName: '淮海路店', tillName: '2号收银台' });
    const A = new TillSim(a.tillId, a.storeId, a.secret);
    const B = new TillSim(b.tillId, b.storeId, b.secret);
    // A reserves the one mug online and issues it; B, offline, issued one too.
    const held = await signedPost(t, A, SYNC_PATHS.rewardReserve, {
      reservationId: 'res-a-000001',
      rewardId: 'mug',
      memberNo: 'M1',
    });
    expect(held.body).toMatchObject({ outcome: 'reserved' });
    for (const [sim, m, res] of [
      [A, 'M1', 'res-a-000001'],
      [B, 'M2', null],
    ] as const) {
      sim.enrol(m, at(0));
      sim.bonus(m, 500, at(0));
      sim.append(m, 'reward', 100, at(5), {
        data: { rewardId: 'mug', couponCode: `CP${m}`, ...(res ? { reservationId: res } : {}) },
      });
      expect((await upload(t, sim, sim.batch(1))).status).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('lists the count and the oversold issue for review', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await (
        await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 1000 } })
      ).newPage();
      mkdirSync(SHOTS, { recursive: true });
      await page.goto(`${t.hq.url}/`);
      await page.getByTestId('token').fill(OPERATOR_TOKEN);
      await page.getByTestId('operatorId').fill('ops');
      await page.getByTestId('load').click();
      await page.getByTestId('nav-cases').click();
      await page.getByTestId('reward-stock').waitFor();
      const stock = await page.getByTestId('reward-stock').innerText();
      expect(stock).toContain('限量马克杯');
      expect(stock).toMatch(/限量马克杯\s+1\s+2\s+0\s+0\s+0\s+1/);
      const over = await page.getByTestId('reward-oversold').innerText();
      expect(over).toContain('2号收银台');
      expect(over).toContain('M2');
      expect(over).toContain('离线兑换');
      await page.getByTestId('reward-stock-section').screenshot({ path: join(SHOTS, 'headoffice-reward-stock.png') });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
