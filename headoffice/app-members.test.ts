/**
 * The Members page of head office's web application in real Chromium: tier distribution,
 * A/B/C/D with boundaries, the lifecycle funnel and the RFM grid; drill into a cell, export it
 * as CSV (attributed: operator id and reason) and check the file's rows against the API; tier
 * movement (sankey and counts), the cohort triangle and the CLTV distribution with its formula;
 * store and till names on the Stores (with the staff table) and Tills pages.
 * Screenshots: test-artifacts/screenshots/headoffice-members.png, headoffice-members-movement.png,
 * headoffice-stores-staff.png, headoffice-tills-names.png. Runs once, on SQLite (the endpoints
 * run on both stores in members-report.test.ts and names-analytics.test.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from './provision.js';
import { OPERATOR_TOKEN, operator, startHq, TillSim, uploadAll, type TestHq } from './test-helpers.js';
import { buildHqUi } from '../test/helpers/vite-build.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

describe('head office web application: Members', () => {
  let t: TestHq;

  beforeAll(async () => {
    process.env.HQ_APP_DIR = await buildHqUi('app');
    t = await startHq();
    const issued = await addTill(t.hq.store, 'S1', 'A', new Date(), { storeName: '南京西路店', tillName: '1号收银台' });
    const A = new TillSim(issued.tillId, issued.storeId, issued.secret);
    // Ten members: two per R quintile (1..10 sales ago), spend and frequency rising with recency.
    for (let i = 1; i <= 10; i++) {
      const no = `M${String(i).padStart(2, '0')}`;
      A.enrol(no, daysAgo(300));
      for (let k = 0; k < 11 - i; k++) A.sale(no, 10_000 * (11 - i), daysAgo(i * 15 + k));
    }
    A.enrol('M99', daysAgo(3)); // no sale yet: new, not scored
    // M01's sales were rung up by staff-7 (enrolments by staff-1, the simulator's default)
    for (const rec of A.batch(1).sales ?? []) if (rec.memberNo === 'M01') rec.request.staffId = 'staff-7';
    // Tier movement: M01 up twice, M05 up then down at a review
    const tier = (no: string, from: string, to: string, days: number, reason: 'threshold' | 'review'): void => {
      A.append(no, 'tier', 0, daysAgo(days), { data: { fromTier: from, toTier: to, reason } });
    };
    tier('M01', 'ordinary', 'silver', 40, 'threshold');
    tier('M01', 'silver', 'gold', 10, 'threshold');
    tier('M05', 'ordinary', 'silver', 100, 'threshold');
    tier('M05', 'silver', 'ordinary', 5, 'review');
    await uploadAll(t, A, 200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('shows the report, drills into an RFM cell and exports it as CSV whose rows match the API', async () => {
    const report = await operator(t, 'GET', '/v1/reports/members');
    expect(report.status).toBe(200);
    expect(report.body.rfm.scored).toBe(10);
    const cell = 'R5F5M5';
    const api = await operator(t, 'GET', `/v1/reports/members?cell=${cell}`);
    const expected = (api.body.cellMembers as { memberNo: string; frequency: number; monetary: number }[]).map((m) => [
      m.memberNo,
      String(m.frequency),
      (m.monetary / 100).toFixed(2),
    ]);
    expect(expected.map((e) => e[0])).toEqual(['M01', 'M02']);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1400 } });
      const page = await context.newPage();
      const errors: string[] = [];
      // Every request the page makes answers (the browser's own favicon probe is no page request).
      page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      page.on('dialog', (d) => void (d.type() === 'prompt' ? d.accept('春节促销名单 / campaign list') : d.accept()));
      await page.goto(`${t.hq.url}/`);
      await page.getByTestId('token').fill(OPERATOR_TOKEN);
      await page.getByTestId('operatorId').fill('ana-ui');
      await page.getByTestId('load').click();
      await page.getByTestId('nav-members').click();
      await page.getByTestId('members-page').waitFor();
      expect(await page.getByTestId('nav-members').innerText()).toBe('会员分析');
      await page.locator('[data-testid=members-tiers] canvas').waitFor();
      await page.locator('[data-testid=members-funnel] canvas').waitFor();
      const classes = await page.getByTestId('members-classes').innerText();
      expect(classes).toContain('A 类（前 20%）');
      expect(classes).toContain('¥');
      await page.getByTestId('rfm-m').selectOption('5');
      const button = page.getByTestId(`rfm-${cell}`);
      expect(await button.innerText()).toBe('2');
      await button.click();
      await page.locator('[data-testid=rfm-members] tr[data-member=M02]').waitFor();
      const listed = await page
        .locator('[data-testid=rfm-members] tr[data-member]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-member')));
      expect(listed).toEqual(['M01', 'M02']);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'headoffice-members.png'), fullPage: true });

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('rfm-export').click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^members-${cell}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
      const bytes = readFileSync(await download.path());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
      expect(lines[0]?.startsWith('会员号,会员等级,ABCD 分类,生命周期阶段')).toBe(true);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(','))
          .map((x) => [x[0], x[5], x[6]]),
      ).toEqual(expected);
      await page.getByTestId('rfm-exported').getByText(`members-${cell}`, { exact: false }).waitFor();

      // Tier movement: the sankey drawn, the flows counted as the API counts them
      await page.locator('[data-testid=members-movement-flow] canvas').waitFor();
      await page.locator('[data-testid=members-movement-months] canvas').waitFor();
      const flows = report.body.tierMovement.flows as { from: string; to: string; members: number }[];
      expect(flows.map((f) => `${f.from}>${f.to}:${f.members}`).sort()).toEqual(
        ['ordinary>silver:2', 'silver>gold:1', 'silver>ordinary:1'].sort(),
      );
      const rows = await page
        .locator('[data-testid=movement-flows] tr[data-flow]')
        .evaluateAll((r) => r.map((x) => [x.getAttribute('data-flow'), x.textContent]));
      expect(rows.map((r) => r[0]).sort()).toEqual(['ordinary>silver', 'silver>gold', 'silver>ordinary']);
      expect(rows.find((r) => r[0] === 'ordinary>silver')?.[1]).toBe('普通会员银卡升级2');
      expect(await page.getByTestId('movement-rule').innerText()).toContain('升级 3 人次，降级 1 人次');
      // Cohorts: 12 rows, a triangle; the enrolment month of the ten members shows their share
      const cohortRows = page.locator('[data-testid=cohorts] tbody tr');
      expect(await cohortRows.count()).toBe(12);
      const lastRow = cohortRows.last();
      expect(await lastRow.locator('td.share').count()).toBe(1);
      const cohorts = report.body.cohorts as { cohort: string; members: number; share: number[] }[];
      const ten = cohorts.find((c) => c.members === 10);
      if (ten) {
        const cells = await page
          .locator(`[data-testid=cohorts] tr[data-cohort="${ten.cohort}"] td.share`)
          .evaluateAll((x) => x.map((c) => c.textContent));
        expect(cells).toHaveLength(ten.share.length);
        const percent = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 });
        expect(cells).toEqual(ten.share.map((v) => percent.format(v)));
      }
      // CLTV: the formula on the page, the distribution drawn
      expect(await page.getByTestId('cltv-formula').innerText()).toContain('CLTV = 客单价 × 年购买频次 × 预期生命周期');
      await page.locator('[data-testid=members-cltv] canvas').waitFor();
      await page.screenshot({ path: join(SHOTS, 'headoffice-members-full.png'), fullPage: true });
      await page.getByTestId('members-movement-flow').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'headoffice-members-movement.png') });

      // Names instead of ids: the Stores page (and its staff table) and the Tills page
      await page.getByTestId('nav-stores').click();
      await page.locator('[data-testid=stores] tr[data-store=S1]').waitFor();
      expect(await page.locator('[data-testid=stores] tr[data-store=S1]').innerText()).toContain('南京西路店 S1');
      await page.locator('[data-testid=staff] tr[data-staff="S1/staff-7"]').waitFor();
      const staff7 = await page.locator('[data-testid=staff] tr[data-staff="S1/staff-7"] td').allInnerTexts();
      // M01's ten sales in the last 30 days, all member sales; staff-7 enrolled nobody
      expect(staff7.slice(1, 5)).toEqual(['staff-7', '0', '10', '10']);
      expect(await page.getByTestId('store-set').innerText()).toContain('南京西路店');
      await page.screenshot({ path: join(SHOTS, 'headoffice-stores-staff.png'), fullPage: true });
      await page.getByTestId('nav-tills').click();
      await page.locator('[data-testid=tills] tr[data-till=A]').waitFor();
      const till = await page.locator('[data-testid=tills] tr[data-till=A] td').allInnerTexts();
      expect(till.slice(0, 2)).toEqual(['1号收银台 A', '南京西路店 S1']);
      await page.screenshot({ path: join(SHOTS, 'headoffice-tills-names.png'), fullPage: true });
      // A member's ledger names the till, the enrolling store by its name
      await page.getByTestId('nav-member').click();
      await page.getByTestId('memberNo').fill('M01');
      await page.getByTestId('memberNo').press('Enter');
      await page.locator('[data-testid=ledger] tbody tr').first().waitFor();
      expect(await page.locator('[data-testid=ledger] tbody tr').first().innerText()).toContain('1号收银台 A');
      expect(await page.getByTestId('member').innerText()).toContain('南京西路店 (S1)');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    await t.hq.store.settle();
    const actions = await t.sql<{ subject: string; operator_id: string; reason: string }>(
      "SELECT subject, operator_id, reason FROM operator_actions WHERE action = 'export_segment'",
    );
    expect(actions).toEqual([{ subject: cell, operator_id: 'ana-ui', reason: '春节促销名单 / campaign list' }]);
  }, 180_000);
});
