/**
 * The receipt's survey QR (issue 15 item 5, docs/receipts.md): the member page URL with the
 * sale's token as a QR code (GS ( k) and as text under it, on both widths and languages, for
 * member and anonymous sales; none without TILL_MEMBER_PAGE_URL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAPER } from '../../native/printers/config.js';
import { surveyKey, verifySurveyToken } from '../../core/survey/token.js';
import { ConfigError, configFromEnv } from '../service/config.js';
import { decodeEscPos } from './escpos-decode.js';
import { sampleModel } from './fixtures.js';
import { renderEscPos, renderPng, renderText } from './render.js';
import { useReceiptTills } from './test-till.js';
import { displayWidth } from './text.js';

const URL_ =
  'https://hq.example.cn/m/?s=TFMxClNILTAwMQpUMDMKUE9TLTIwMjYwMzEwLTAwNDIKMjAyNi0wMy0xMA.abcdefghijklmnopqrstuv';
const squash = (s: string): string => s.replace(/\s+/g, '');
const SECRET = 'f'.repeat(64);

describe('survey QR on the receipt', () => {
  const { till } = useReceiptTills();

  it.each([58, 80] as const)('prints the URL as a QR code and as text within %i mm', (width) => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const d = decodeEscPos(renderEscPos(sampleModel({ survey: { url: URL_ } }), { width, lang }));
      expect(d.qr.map((q) => q.data)).toContain(URL_);
      expect(squash(d.lines.join(''))).toContain(URL_);
      expect(d.lines.join('\n')).toContain(lang === 'en' ? 'Scan to rate this visit' : '扫码评价本次购物');
      for (const l of d.lines) expect(displayWidth(l)).toBeLessThanOrEqual(PAPER[width].columns);
      expect(squash(renderText(sampleModel({ survey: { url: URL_ } }), { width, lang }))).toContain(URL_);
    }
  });

  it('previews as PNG (test-artifacts/receipts/receipt-{58,80}mm-survey.png)', () => {
    const out = join(process.cwd(), 'test-artifacts', 'receipts');
    mkdirSync(out, { recursive: true });
    for (const width of [58, 80] as const) {
      const png = renderPng(
        sampleModel({
          member: null,
          earn: null,
          redeem: null,
          balance: null,
          coupons: [],
          stamps: null,
          survey: { url: URL_ },
        }),
        { width, lang: 'zh-CN' },
      );
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      writeFileSync(join(out, `receipt-${width}mm-survey.png`), png);
    }
  });

  it('prints none when the member page is not configured', () => {
    const d = decodeEscPos(renderEscPos(sampleModel({ survey: null }), { width: 80, lang: 'zh-CN' }));
    expect(d.qr.map((q) => q.data).filter((x) => x.includes('?s='))).toEqual([]);
    expect(d.lines.join('\n')).not.toContain('扫码评价');
  });

  it('a real till signs each sale its own token, for anonymous and member sales, that head office can verify', async () => {
    const t = await till({ env: { TILL_MEMBER_PAGE_URL: 'http://127.0.0.1:7430/m/', TILL_SECRET: SECRET } });
    const memberNo = await t.enrol('王芳', '13800138000');
    expect((await t.sale('R-1', memberNo, 88)).status).toBe(201);
    expect((await t.sale('R-2', null, 12)).status).toBe(201);
    const key = surveyKey(SECRET);
    const seen: string[] = [];
    for (const saleId of ['R-1', 'R-2']) {
      const r = await t.get(`/v1/sales/${saleId}/receipt?format=escpos`);
      expect(r.status).toBe(200);
      const qr = decodeEscPos(r.raw)
        .qr.map((q) => q.data)
        .find((x) => x.startsWith('http://127.0.0.1:7430/m/?s='));
      expect(qr).toBeDefined();
      const token = new URL(qr as string).searchParams.get('s');
      expect(verifySurveyToken(key, token, { storeId: 'store-r', today: '2026-03-10' })).toEqual({
        ok: true,
        sale: { storeId: 'store-r', tillId: 'till-r1', saleId, day: '2026-03-10' },
      });
      seen.push(token as string);
      const text = (await t.get(`/v1/sales/${saleId}/receipt?format=text`)).raw.toString('utf8');
      expect(squash(text)).toContain(squash(qr as string));
    }
    expect(seen[0]).not.toBe(seen[1]);
  });

  it('a till without TILL_MEMBER_PAGE_URL prints no survey QR', async () => {
    const t = await till({ env: { TILL_SECRET: SECRET } });
    expect((await t.sale('R-3', null, 12)).status).toBe(201);
    const r = await t.get('/v1/sales/R-3/receipt?format=escpos');
    expect(decodeEscPos(r.raw).qr).toEqual([]);
  });

  it('TILL_MEMBER_PAGE_URL must be https (http only on loopback) without a query', () => {
    expect(configFromEnv({ TILL_MEMBER_PAGE_URL: 'https://hq.example.cn/m/' }).memberPageUrl).toBe(
      'https://hq.example.cn/m/',
    );
    for (const bad of ['http://hq.example.cn/m/', 'hq.example.cn', 'https://hq.example.cn/m/?a=1']) {
      expect(() => configFromEnv({ TILL_MEMBER_PAGE_URL: bad })).toThrow(ConfigError);
    }
    expect(configFromEnv({}).memberPageUrl).toBeNull();
  });
});
