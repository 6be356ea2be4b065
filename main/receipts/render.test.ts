/**
 * What the receipt prints, checked on the printer's own bytes: ESC/POS is decoded back into
 * text lines (GB18030 in Chinese mode, columns from the print positions), QR payloads (GS ( k)
 * and barcodes (GS k), for both paper widths and both languages. PNG previews are written to
 * test-artifacts/receipts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { PAPER } from '../../native/printers/config.js';
import { decodeEscPos } from './escpos-decode.js';
import { anonymousModel, sampleModel } from './fixtures.js';
import type { ReceiptLang, ReceiptModel } from './model.js';
import { renderEscPos, renderPng, renderSvg, renderText } from './render.js';
import { startReceiptTill, type ReceiptTill } from './test-till.js';
import { displayWidth, groupDigits, printable } from './text.js';

const WIDTHS = [58, 80] as const;
const LANGS: ReceiptLang[] = ['zh-CN', 'en'];
const CASES = WIDTHS.flatMap((width) => LANGS.map((lang) => ({ width, lang })));
const squash = (s: string): string => s.replace(/\s+/g, '');

function printed(
  m: ReceiptModel,
  width: 58 | 80,
  lang: ReceiptLang,
): ReturnType<typeof decodeEscPos> & { text: string } {
  const d = decodeEscPos(renderEscPos(m, { width, lang }));
  return { ...d, text: d.lines.join('\n') };
}

describe.each(CASES)('ESC/POS receipt, $width mm, $lang', ({ width, lang }) => {
  const cols = PAPER[width].columns;
  const m = sampleModel();
  const d = printed(m, width, lang);
  const zh = lang === 'zh-CN';

  it('initialises once, switches to Chinese mode, cuts once, uses only known commands', () => {
    expect(d.initialisations).toBe(1);
    expect(d.chineseMode).toBe(true);
    expect(d.cuts).toBe(1);
    expect(d.unknown).toEqual([]);
  });

  it('keeps every line within the paper, counting CJK double', () => {
    expect(d.maxColumns).toBeLessThanOrEqual(cols);
    for (const l of d.lines) expect(displayWidth(l), l).toBeLessThanOrEqual(cols);
  });

  it('round-trips the Chinese text through GB18030', () => {
    expect(squash(d.lines[0] ?? '')).toBe('幸福里便利店静安店');
    expect(d.text).toMatch(zh ? /会员 +张\*/ : /Member +张\*/);
    expect(d.text).toMatch(zh ? /会员等级 +金卡/ : /Tier +Gold/);
    expect(squash(d.text)).toContain(
      squash(printable(zh ? (m.earn?.breakdown.zh ?? '') : (m.earn?.breakdown.en ?? ''), 'gb18030')),
    );
  });

  it('prints the points: earned, redeemed and their value, the new balance, next tier, expiring, stamps', () => {
    const t = d.text;
    expect(t).toMatch(zh ? /本次获得积分 +\+2,032/ : /Points earned +\+2,032/);
    expect(t).toMatch(zh ? /其中奖励积分 +\+100/ : /incl\. bonus +\+100/);
    expect(t).toMatch(zh ? /本次使用积分 +-500/ : /Points redeemed +-500/);
    expect(t).toMatch(zh ? /积分抵现 +￥5\.00/ : /Paid with points +￥5\.00/);
    expect(t).toMatch(zh ? /积分余额 +12,345/ : /Points balance +12,345/);
    expect(squash(t)).toContain(zh ? '距下一等级还差(钻石卡)￥38,711.50' : 'Tonexttier(Diamond)￥38,711.50');
    expect(t).toMatch(zh ? /恭喜升级为 金卡！/ : /Upgraded to Gold!/);
    expect(t).toMatch(/2026-03-31 +320/);
    expect(t).toMatch(/2026-04-30 +1,200/);
    expect(t).toMatch(zh ? /集点卡.* 10\/10/ : /Stamp card.* 10\/10/);
    expect(t).toMatch(zh ? /有效期至 +2026-06-07/ : /Valid to +2026-06-07/);
    expect(t).toContain(zh ? '积分自获得之日起 12 个月内有效' : 'Points are valid for 12 months');
  });

  it('prints the coupon as a QR code (GS ( k model 2) with its code under it', () => {
    expect(d.qr).toEqual([{ data: 'CP7KQ2M9XW4HRT', model: 2, size: width === 58 ? 5 : 6, level: 'm' }]);
    expect(d.text).toMatch(/^ +CP7KQ2M9XW4HRT$/m);
  });

  it('prints the sale reference as Code 128 where it fits the paper', () => {
    if (width === 80) expect(d.barcodes).toEqual([{ system: 'code128', data: 'POS-20260310-0042' }]);
    else expect(d.barcodes).toEqual([]); // 17 characters at 2 dots a module need more than 384 dots
    const short = printed(sampleModel({ sale: { ...m.sale, saleId: '20260310042' } }), width, lang);
    expect(short.barcodes).toEqual([{ system: 'code128', data: '20260310042' }]);
  });

  it('prints the same lines as the text rendering (below the double-size header)', () => {
    const text = renderText(m, { width, lang })
      .split('\n')
      .filter((l) => l.trim());
    const esc = d.lines.filter((l) => l.trim());
    const from = (ls: string[]): string[] => ls.slice(ls.findIndex((l) => /^-+$/.test(l)));
    expect(from(esc)).toEqual(from(text));
  });
});

describe('receipt variants', () => {
  it('"as of <last sync>" when the till cannot be sure, "not yet synced" before the first sync', () => {
    const asOf = printed(sampleModel({ balance: { points: 800, asOf: '2026-03-10 10:30' } }), 80, 'zh-CN').text;
    expect(asOf).toMatch(/积分余额 +800\n +截至 2026-03-10 10:30\n +（离线，以总部同步为准）/);
    const en = printed(sampleModel({ balance: { points: 800, asOf: '2026-03-10 10:30' } }), 58, 'en').text;
    expect(en).toMatch(/as of 2026-03-10 10:30/);
    expect(printed(sampleModel({ balance: { points: 1, asOf: 'never' } }), 80, 'zh-CN').text).toContain(
      '尚未与总部同步',
    );
  });

  it('a sale without a member prints the header and an invitation, no points', () => {
    const m = anonymousModel();
    const t = printed(m, 58, 'zh-CN').text;
    expect(t).toContain('本单未使用会员');
    expect(t).not.toContain('积分余额');
  });

  it('a used coupon prints without its QR code; a reprint says so', () => {
    const base = sampleModel();
    const m = sampleModel({ reprint: true, coupons: base.coupons.map((c) => ({ ...c, used: true })) });
    const d = printed(m, 80, 'zh-CN');
    expect(d.qr).toEqual([]);
    expect(d.text).toMatch(/有效期至 +已使用/);
    expect(d.text).toContain('*** 重印 ***');
  });

  it('cp437 printers get no Chinese mode and "?" for what they cannot print', () => {
    const d = decodeEscPos(renderEscPos(sampleModel(), { width: 80, lang: 'en', encoding: 'cp437' }));
    expect(d.chineseMode).toBe(false);
    expect(d.lines.join('\n')).toMatch(/Points balance +12,345/);
    expect(d.lines.join('\n')).toMatch(/Member +\?\*/);
  });

  it('any name, store and balance: printed as given (or "?" outside GBK), every line within the paper', () => {
    const cjk = fc.constantFrom('张', '王', '李', '欧阳', '𠀀', '😀', 'é', 'Ä', '·', '龘', '〇', 'a', 'Z', ' ');
    fc.assert(
      fc.property(
        fc.array(cjk, { minLength: 1, maxLength: 12 }).map((a) => a.join('').trim() || '张'),
        fc.array(cjk, { minLength: 1, maxLength: 30 }).map((a) => a.join('')),
        fc.integer({ min: -99_999, max: 99_999_999 }),
        fc.constantFrom(...CASES),
        (name, store, balance, { width, lang }) => {
          const m = sampleModel({
            store: { name: { zh: store, en: store }, storeId: 'S1', tillId: 'T1' },
            member: { memberNoMasked: '2000*****6786', name, phone: '138****5678', tier: { zh: '金卡', en: 'Gold' } },
            balance: { points: balance, asOf: null },
          });
          const d = printed(m, width, lang);
          expect(d.unknown).toEqual([]);
          expect(d.maxColumns).toBeLessThanOrEqual(PAPER[width].columns);
          expect(squash(d.text)).toContain(squash(printable(name, 'gb18030')));
          expect(d.text).toMatch(new RegExp(`(积分余额|Points balance) +${groupDigits(balance)}$`, 'm'));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('PNG previews', () => {
  it('renders 58 and 80 mm, zh-CN and English, at printer resolution, into test-artifacts/receipts/', () => {
    const out = join(process.cwd(), 'test-artifacts', 'receipts');
    mkdirSync(out, { recursive: true });
    for (const { width, lang } of CASES) {
      const png = renderPng(sampleModel(), { width, lang });
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(PAPER[width].dots);
      expect(png.readUInt32BE(20)).toBeGreaterThan(800);
      writeFileSync(join(out, `receipt-${width}mm-${lang}.png`), png);
      const svg = renderSvg(sampleModel(), { width, lang });
      expect(svg.startsWith(`<svg width="${PAPER[width].dots}px"`)).toBe(true);
      expect(svg).toContain('>幸</tspan>');
    }
  });
});

describe('receipts of real sales', () => {
  let t: ReceiptTill | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('shows the upgrade, the coupon redeemed at this checkout, stamps, and the points expiring within 60 days', async () => {
    t = await startReceiptTill({ printer: 'none', now: '2025-03-20T04:00:00Z', storeName: '静安店' });
    t.rules({ stampCard: { threshold: 5000, stampsForReward: 3, rewardPoints: 50 } });
    const memberNo = await t.enrol('欧阳娜娜', '13912345678');
    // A year ago: 1,200 points that expire at the end of 2026-03-20.
    expect((await t.sale('OLD-1', memberNo, 1200)).status).toBe(201);
    t.setNow('2026-03-10T04:00:00Z');
    const coupon = await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'coupon-10' });
    expect(coupon.status).toBe(201);
    const sale = await t.sale('BIG-1', memberNo, 5100);
    expect(sale.json.tierChanged).toBe(true);

    for (const { width, lang } of CASES) {
      const esc = await t.get(`/v1/sales/BIG-1/receipt?format=escpos&width=${width}&lang=${lang}`);
      const d = decodeEscPos(esc.raw);
      const text = d.lines.join('\n');
      const zh = lang === 'zh-CN';
      expect(text).toMatch(
        new RegExp(`${zh ? '积分余额' : 'Points balance'} +${groupDigits(sale.json.balance)}$`, 'm'),
      );
      expect(text).toMatch(zh ? /恭喜升级为 银卡！/ : /Upgraded to Silver!/);
      expect(text).toMatch(zh ? /原等级：普通会员/ : /was: Ordinary/);
      expect(d.qr.map((q) => q.data)).toEqual([coupon.json.coupon.code]);
      expect(text).toMatch(/2026-03-20 +200/); // 1,200 earned, 1,000 spent on the coupon (FIFO)
      expect(text).toMatch(zh ? /集点卡.* 2\/3/ : /Stamp card.* 2\/3/);
      expect(text).toMatch(zh ? /会员 +欧\*\*\*/ : /Member +欧\*\*\*/);
      expect(d.maxColumns).toBeLessThanOrEqual(PAPER[width].columns);
    }
    // The earlier sale's receipt shows no coupon: it was redeemed after that sale.
    expect(decodeEscPos((await t.get('/v1/sales/OLD-1/receipt?format=escpos')).raw).qr).toEqual([]);
  });

  it('prints "as of <last sync>" for a sale made while a connected till had not heard from head office lately', async () => {
    t = await startReceiptTill({ printer: 'none' });
    const memberNo = await t.enrol('陈一', '13811112222');
    const ctx = t.till.ctx;
    ctx.connected = true;
    ctx.isOnline = () => false;
    ctx.lastSyncAt = () => '2026-03-10T02:30:00.000Z';
    await t.sale('S-off', memberNo, 99);
    const till = t;
    const receipt = async (saleId: string): Promise<string> =>
      (await till.get(`/v1/sales/${saleId}/receipt?format=text`)).raw.toString('utf8');
    expect(await receipt('S-off')).toMatch(/积分余额 +99\n +截至 2026-03-10 10:30/);
    // Printed (or reprinted) after the till is back online: the balance is still the offline one.
    ctx.isOnline = () => true;
    expect(await receipt('S-off')).toMatch(/积分余额 +99\n +截至 2026-03-10 10:30/);
    // A sale made online prints no note, even when its receipt prints while the till is offline.
    await t.sale('S-on', memberNo, 50);
    ctx.isOnline = () => false;
    expect(await receipt('S-on')).not.toContain('截至');
  });
});
