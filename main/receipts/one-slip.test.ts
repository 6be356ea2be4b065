/**
 * Issue 14: one slip per sale. "Print receipt" after a keyed member sale must not add a
 * reprint while the sale's own receipt is still queued; an anonymous sale printed on request
 * prints its first slip, not a copy marked as a reprint; the store's name, not its id, heads it.
 */
import { describe, expect, it } from 'vitest';
import { startTcpPrinter } from '../../native/printers/simulator.js';
import { decodeEscPos } from './escpos-decode.js';
import { freePort, useReceiptTills, type ReceiptTill } from './test-till.js';

const { cleanups, till } = useReceiptTills();

const kinds = (t: ReceiptTill, saleId: string): string[] =>
  (
    t.till.ctx.db.prepare('SELECT kind FROM print_jobs WHERE sale_id = ? ORDER BY job_id').all(saleId) as {
      kind: string;
    }[]
  ).map((j) => j.kind);

describe('one slip per sale', () => {
  it('"print" while the sale\'s own receipt waits adds nothing: one slip, no 重印', async () => {
    const port = await freePort(); // the printer is off: the sale's receipt waits
    const t = await till({ printer: `tcp://127.0.0.1:${port}`, storeName: '幸福里便利店' });
    const memberNo = await t.enrol('王小明', '13800138000');
    expect((await t.sale('K-till-r1-1', memberNo, 88.5)).status).toBe(201);
    const r = await t.post('/v1/sales/K-till-r1-1/receipt/print?lang=zh-CN');
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ kind: 'sale', alreadyQueued: true });
    expect(kinds(t, 'K-till-r1-1')).toEqual(['sale']);

    const sim = await startTcpPrinter(port); // switched on: the one waiting slip prints
    cleanups.push(() => sim.close());
    await t.till.receipts.drained();
    const text = sim.core.receipts.map((b) => decodeEscPos(b).lines.join('\n'));
    expect(text).toHaveLength(1);
    expect(text[0]).not.toContain('重印');
    expect(text[0]?.replace(/ +/g, '')).toContain('幸福里便利店');
  });

  it('an anonymous sale printed on request prints its first slip, unmarked; asked again, a reprint', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}` });
    expect((await t.sale('K-anon-1', null, 12)).status).toBe(201);
    expect(kinds(t, 'K-anon-1')).toEqual([]);
    const first = await t.post('/v1/sales/K-anon-1/receipt/print');
    expect(first.json).toMatchObject({ kind: 'sale', alreadyQueued: false });
    await t.till.receipts.drained();
    const again = await t.post('/v1/sales/K-anon-1/receipt/print');
    expect(again.json).toMatchObject({ kind: 'reprint', alreadyQueued: false });
    await t.till.receipts.drained();
    const text = sim.core.receipts.map((b) => decodeEscPos(b).lines.join('\n'));
    expect(text).toHaveLength(2);
    expect(text[0]).not.toContain('重印');
    expect(text[1]).toContain('重印');
  });

  it("heads the receipt with the rule set's name for the store when TILL_STORE_NAME is unset, never the id", async () => {
    const t = await till({ printer: 'none' });
    t.rules({ storeNames: { 'store-r': { zh: '静安寺店', en: 'Jing An Temple' } } });
    const memberNo = await t.enrol('李雷', '13900139000');
    expect((await t.sale('S-name', memberNo, 20)).status).toBe(201);
    const zh = (await t.get('/v1/sales/S-name/receipt?format=text')).raw.toString('utf8');
    expect(zh).toContain('静安寺店');
    expect(zh).not.toContain('store-r');
    const en = (await t.get('/v1/sales/S-name/receipt?format=text&lang=en')).raw.toString('utf8');
    expect(en).toContain('Jing An Temple');
    expect((await t.get('/v1/health')).json.storeName).toEqual({ zh: '静安寺店', en: 'Jing An Temple' });
  });
});
