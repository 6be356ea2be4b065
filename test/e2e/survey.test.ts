/**
 * Issue 15 item 5 end to end: a real head-office process and a real till process
 * (`main/service/cli.ts`, TILL_MEMBER_PAGE_URL set). The till records an anonymous sale; its
 * receipt's ESC/POS bytes carry the survey QR code; Chromium on a 360 × 740 phone opens that URL
 * (the member page, no sign-in), answers 9 with a comment; a second visit is told the purchase
 * was rated; head office's NPS report and the head-office app's Satisfaction page show the
 * answer for the till's store. Screenshots: test-artifacts/screenshots/survey-page.png,
 * survey-done.png, nps-view.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../core/time.js';
import { decodeEscPos } from '../../main/receipts/escpos-decode.js';
import { codeSentTo } from '../helpers/sign-in-code.js';
import { buildHqUi } from '../helpers/vite-build.js';
import { addTill, freePort, startHq, startTillProc, ROOT, type Proc } from '../sync/procs.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const TOKEN = 'operator-token-survey';

describe('receipt survey, end to end (issue 15 item 5)', () => {
  let root = '';
  let hq: Proc;
  let till: Proc;
  let hqUrl = '';
  let hqDir = '';
  let browser: Browser;

  beforeAll(async () => {
    process.env.HQ_MEMBER_APP_DIR = await buildHqUi('member');
    process.env.HQ_APP_DIR = await buildHqUi('app');
    root = mkdtempSync(join(tmpdir(), 'survey-e2e-'));
    hqDir = join(root, 'hq');
    const hqPort = await freePort();
    hqUrl = `http://127.0.0.1:${hqPort}`;
    hq = await startHq(hqDir, hqPort, TOKEN);
    const env = addTill(hqDir, 'store-sv', 'till-sv');
    till = await startTillProc(join(root, 'till'), await freePort(), {
      ...env,
      TILL_HQ_URL: hqUrl,
      TILL_MEMBER_PAGE_URL: `${hqUrl}/m/`,
      TILL_PRINTER: 'none',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await till?.kill('SIGTERM');
    await hq?.kill('SIGKILL');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const pos = (path: string, body?: unknown) =>
    fetch(`${till.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: 'Bearer pos-key', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** The survey URL printed on a sale's receipt (its ESC/POS QR code). */
  async function receiptUrl(saleId: string): Promise<string> {
    const receipt = await pos(`/v1/sales/${saleId}/receipt?format=escpos`);
    expect(receipt.status).toBe(200);
    const qr = decodeEscPos(Buffer.from(await receipt.arrayBuffer())).qr.map((q) => q.data);
    const url = qr.find((d) => d.startsWith(`${hqUrl}/m/?s=`));
    expect(url, qr.join('\n')).toBeDefined();
    return url as string;
  }

  it('a sale at a real till → receipt QR → phone answers → NPS for the store at head office', async () => {
    const sale = await pos('/v1/sales', {
      saleId: 'SV-0001',
      lines: [{ sku: 'tea', name: '乌龙茶', category: 'drinks', quantity: 2, unitPrice: 1_250 }],
    });
    expect(sale.status).toBe(201);
    const receipt = await pos('/v1/sales/SV-0001/receipt?format=escpos');
    expect(receipt.status).toBe(200);
    const qr = decodeEscPos(Buffer.from(await receipt.arrayBuffer())).qr.map((q) => q.data);
    const url = qr.find((d) => d.startsWith(`${hqUrl}/m/?s=`));
    expect(url, qr.join('\n')).toBeDefined();
    const text = await (await pos('/v1/sales/SV-0001/receipt?format=text')).text();
    expect(text.replace(/\s+/g, '')).toContain(url);

    mkdirSync(SHOTS, { recursive: true });
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const refused: string[] = [];
    phone.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) refused.push(m.text());
    });
    await phone.goto(url as string);
    await phone.getByTestId('survey-sale').waitFor();
    expect(await phone.getByTestId('survey-sale').innerText()).toContain('store-sv');
    await phone.getByTestId('score-9').click();
    await phone.getByTestId('comment').fill('店员很热情，结账很快');
    // Nothing wider than the phone.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await phone.screenshot({ path: join(SHOTS, 'survey-page.png'), fullPage: true });
    await phone.getByTestId('survey-send').click();
    await phone.getByTestId('survey-done').waitFor();
    expect(await phone.getByTestId('survey-done').innerText()).toContain('感谢您的评价');
    await phone.screenshot({ path: join(SHOTS, 'survey-done.png'), fullPage: true });

    // The same receipt again: refused with a clear message.
    await phone.goto(url as string);
    await phone.getByTestId('survey-answered').waitFor();
    expect(await phone.getByTestId('survey-answered').innerText()).toContain('已经评价过');
    expect(refused).toEqual([]);

    // The sale's day is in the programme's zone, at most a day from UTC's: the range covers both.
    const today = new Date().toISOString().slice(0, 10);
    const nps = await fetch(`${hqUrl}/v1/reports/nps?from=${addDays(today, -6)}&to=${addDays(today, 1)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(nps.status).toBe(200);
    const report = (await nps.json()) as { stores: { storeId: string; answers: number; nps: number | null }[] };
    expect(report.stores.find((s) => s.storeId === 'store-sv')).toMatchObject({ answers: 1, nps: 100 });

    // The head-office app's Satisfaction page shows it.
    const desk = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await desk.goto(`${hqUrl}/`);
    await desk.getByTestId('token').fill(TOKEN);
    await desk.getByTestId('load').click();
    await desk.getByTestId('nav-satisfaction').click();
    const row = desk.locator('[data-testid="nps-stores"] [data-store="store-sv"]');
    await row.waitFor();
    await expect.poll(() => row.innerText()).toContain('+100');
    expect(await desk.getByTestId('nps-formula').innerText()).toContain('推荐者');
    await desk.getByTestId('nps-weekly').waitFor();
    await desk.screenshot({ path: join(SHOTS, 'nps-view.png'), fullPage: true });
  }, 120_000);

  it('a member signs in from the survey page: the answer is kept with their account', async () => {
    const phoneNo = '13900005555';
    const enrol = await pos('/v1/members', {
      name: '周小燕',
      phone: phoneNo,
      consent: { marketing: false, text: 'v1' },
    });
    expect(enrol.status).toBe(201);
    const memberNo = ((await enrol.json()) as { memberNo: string }).memberNo;
    // The till's sync loop (200 ms) brings the member to head office; sign-in needs it there.
    await expect
      .poll(
        async () =>
          (await fetch(`${hqUrl}/v1/members/${memberNo}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
        {
          timeout: 20_000,
        },
      )
      .toBe(200);
    expect(
      (
        await pos('/v1/sales', {
          saleId: 'SV-0002',
          memberNo,
          lines: [{ sku: 'rice', name: '大米', category: 'food', quantity: 1, unitPrice: 5_990 }],
        })
      ).status,
    ).toBe(201);
    const url = await receiptUrl('SV-0002');

    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    await phone.goto(url);
    await phone.getByTestId('score-4').click();
    await phone.getByTestId('survey-sign-in').click();
    await phone.getByTestId('phone').fill(phoneNo);
    await phone.getByTestId('send-code').click();
    await phone.getByTestId('code').waitFor();
    const code = await codeSentTo(hqDir, phoneNo);
    await phone.getByTestId('code').fill(code);
    await phone.getByTestId('sign-in').click();
    // Back on the survey, signed in, with the score chosen before.
    // The send button is there before signing in too: wait for the signed-in wording itself.
    await phone.getByTestId('survey').getByText('评价将记入您的会员账户').waitFor();
    await phone.getByTestId('survey-send').waitFor();
    expect(await phone.getByTestId('score-4').getAttribute('aria-checked')).toBe('true');
    await phone.getByTestId('survey-send').click();
    await phone.getByTestId('survey-done').waitFor();
    expect(await phone.getByTestId('survey-done').innerText()).toContain('评价已记入您的会员账户');

    const exported = await fetch(`${hqUrl}/v1/members/${memberNo}/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operatorId: 'ops', reason: 'e2e check' }),
    });
    const body = (await exported.json()) as { surveyAnswers: { saleId: string; score: number }[] };
    expect(body.surveyAnswers).toEqual([expect.objectContaining({ saleId: 'SV-0002', score: 4 })]);
  }, 120_000);
});
