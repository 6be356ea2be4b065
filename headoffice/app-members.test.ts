/**
 * The Members page of head office's web application in real Chromium: tier distribution,
 * A/B/C/D with boundaries, the lifecycle funnel and the RFM grid; drill into a cell, export it
 * as CSV (attributed: operator id and reason) and check the file's rows against the API.
 * Screenshot: test-artifacts/screenshots/headoffice-members.png. Runs once, on SQLite (the
 * endpoints run on both stores in members-report.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, operator, provision, startHq, testStore, uploadAll, type TestHq } from './test-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

async function buildApp(): Promise<string> {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'hq-app-'));
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  await build({
    configFile: join(ROOT, 'headoffice', 'app', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  if (!existsSync(join(outDir, 'index.html'))) throw new Error('the app build wrote no index.html');
  return outDir;
}

describe.skipIf(testStore() === 'postgres')('head office web application: Members', () => {
  let t: TestHq;

  beforeAll(async () => {
    process.env.HQ_APP_DIR = await buildApp();
    t = await startHq();
    const A = await provision(t, 'S1', 'A');
    // Ten members: two per R quintile (1..10 sales ago), spend and frequency rising with recency.
    for (let i = 1; i <= 10; i++) {
      const no = `M${String(i).padStart(2, '0')}`;
      A.enrol(no, daysAgo(300));
      for (let k = 0; k < 11 - i; k++) A.sale(no, 10_000 * (11 - i), daysAgo(i * 15 + k));
    }
    A.enrol('M99', daysAgo(3)); // no sale yet: new, not scored
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
