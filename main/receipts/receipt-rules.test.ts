/**
 * The member receipt against DOMAIN.md and docs/receipts.md: English lines wrap between words
 * (docs/receipts.md "Widths"); the footer's redemption rate is the member's own tier's (DOMAIN.md
 * 4: Diamond 100 points = ¥1.20); "balance as of <last sync>" follows the sale, not the moment
 * the receipt prints (DOMAIN.md 4: "whenever it cannot be sure").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEscPos } from './escpos-decode.js';
import { anonymousModel, sampleModel } from './fixtures.js';
import type { ReceiptLang, ReceiptModel } from './model.js';
import { renderEscPos } from './render.js';
import { startReceiptTill, type ReceiptTill } from './test-till.js';

/** What the printer prints, lines joined by a space and runs of white space folded (how a person reads the slip). */
function readAloud(m: ReceiptModel, width: 58 | 80, lang: ReceiptLang): string {
  return decodeEscPos(renderEscPos(m, { width, lang })).lines.join(' ').replace(/\s+/g, ' ');
}

const anonymous = anonymousModel;

describe('English lines are wrapped between words, never inside a word or number', () => {
  it('58 mm, no points expiring: "60" is not split into "6" / "0 days"', () => {
    expect(readAloud(sampleModel({ expiring: [] }), 58, 'en')).toContain('No points expire in the next 60 days');
  });

  it('58 mm, offline balance: the "as of" note keeps the word "final" whole', () => {
    const m = sampleModel({ balance: { points: 800, asOf: '2026-03-10 10:30' } });
    expect(readAloud(m, 58, 'en')).toContain('(offline; head office has the final figure)');
  });

  it.each([58, 80] as const)('%i mm, anonymous sale: the invitation to join keeps its words whole', (width) => {
    expect(readAloud(anonymous(), width, 'en')).toContain('Join the programme to earn points; ask the cashier');
  });
});

describe('receipts of real sales', () => {
  let t: ReceiptTill | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it("a Diamond member's receipt does not state a redemption rate that contradicts their own (100 points = ¥1.20)", async () => {
    t = await startReceiptTill({ printer: 'none' });
    const memberNo = await t.enrol('王五', '13800001111');
    const big = await t.sale('D-1', memberNo, 50_000); // crosses Diamond's ¥50,000 threshold
    expect(big.json.tier).toBe('diamond');
    const sale = await t.sale('D-2', memberNo, 100, { tenders: [{ type: 'points', points: 1000 }] });
    expect(sale.status).toBe(201);
    expect(sale.json.redemptionValue).toBe(1200); // DOMAIN.md 4: Diamond +20 %, 1,000 points = ¥12.00
    const text = (await t.get('/v1/sales/D-2/receipt?format=text')).raw.toString('utf8');
    expect(text).toMatch(/积分抵现 +￥12\.00/);
    const flat = text.replace(/\s+/g, '');
    // The footer states the programme's redemption rate; for this member it must not be ¥1.00 per 100 points.
    expect(flat).not.toContain('100积分抵￥1.00');
    expect(flat).toContain('100积分抵￥1.20');
  });

  it('a sale recorded offline keeps "balance as of <last sync>" when its receipt prints after the till reconnects', async () => {
    t = await startReceiptTill({ printer: 'none' });
    const memberNo = await t.enrol('陈一', '13811112222');
    const ctx = t.till.ctx;
    ctx.connected = true;
    ctx.isOnline = () => false;
    ctx.lastSyncAt = () => '2026-03-10T02:30:00.000Z';
    const sale = await t.sale('S-offline', memberNo, 99);
    expect(sale.status).toBe(201);
    // What the slip says if the printer could print at once:
    expect((await t.get('/v1/sales/S-offline/receipt?format=text')).raw.toString('utf8')).toContain(
      '截至 2026-03-10 10:30',
    );
    // The printer was out of paper; the receipt waited in the queue. The till syncs, then the slip prints.
    ctx.isOnline = () => true;
    ctx.lastSyncAt = () => '2026-03-10T04:30:00.000Z';
    const later = (await t.get('/v1/sales/S-offline/receipt?format=text')).raw.toString('utf8');
    // The balance printed is still the one computed offline (SaleResult.balance): it must stay marked.
    expect(later).toMatch(/积分余额 +99/);
    expect(later).toContain('截至 2026-03-10 10:30');
  });
});
