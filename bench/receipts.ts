/**
 * Receipts: the time to render and encode one member's receipt (stored sale + member summary
 * from SQLite -> receipt model -> ReceiptLine document -> ESC/POS bytes), median over many,
 * at 58 and 80 mm, and the bytes each receipt sends to the printer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnrolRequest, SaleRequest } from '../main/api/schemas.js';
import { enrol } from '../main/service/members.js';
import { redeemReward } from '../main/service/rewards.js';
import { recordSale } from '../main/service/sales.js';
import { benchTill, median, ms, timeSync } from './lib.js';

const RUNS = 300;

export async function benchReceipts(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-receipts-'));
  const till = await benchTill(dir);
  try {
    const ctx = till.ctx;
    const { summary } = enrol(
      ctx,
      EnrolRequest.parse({ name: '欧阳娜娜', phone: '13912345678', consent: { marketing: true, text: 'v1' } }),
    );
    const memberNo = summary.memberNo;
    const line = (sku: string, unitPrice: number, category = 'food'): Record<string, unknown> => ({
      sku,
      name: sku,
      category,
      quantity: 1,
      unitPrice,
    });
    recordSale(ctx, SaleRequest.parse({ saleId: 'B-1', memberNo, lines: [line('tv', 150_000, 'electronics')] }));
    redeemReward(ctx, { memberNo, rewardId: 'coupon-10' });
    const saleId = 'POS-20260310-0042';
    recordSale(
      ctx,
      SaleRequest.parse({
        saleId,
        memberNo,
        lines: [line('rice', 5_990), line('oil', 12_850), line('cigarettes', 2_500, 'tobacco')],
        tenders: [{ type: 'points', points: 500 }],
      }),
    );

    const widths = [58, 80] as const;
    const result = widths.map((width) => {
      const render = (): Buffer => till.receipts.render(saleId, 'escpos', { width, lang: 'zh-CN' }).body as Buffer;
      for (let i = 0; i < 20; i++) render(); // warm up
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(timeSync(render));
      return { width, median: median(samples), bytes: render().length };
    });
    const pngMs = median(
      Array.from({ length: 10 }, () => timeSync(() => till.receipts.render(saleId, 'png', { width: 80 }))),
    );
    const [w58, w80] = result as [(typeof result)[number], (typeof result)[number]];
    return (
      `receipts: render+encode (SQLite -> model -> ESC/POS) median ${ms(w58.median)} at 58 mm, ${ms(w80.median)} at 80 mm ` +
      `(n=${RUNS}); ${w58.bytes.toLocaleString('en-US')} B / ${w80.bytes.toLocaleString('en-US')} B per receipt ` +
      `(zh-CN, GB18030, QR coupon via GS ( k); PNG preview ${ms(pngMs)}`
    );
  } finally {
    await till.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx bench/receipts.ts` runs it alone.
if (process.argv[1]?.endsWith('receipts.ts')) {
  benchReceipts().then(
    (l) => process.stdout.write(`${l}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
