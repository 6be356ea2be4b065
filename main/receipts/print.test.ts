/**
 * The print queue end to end: a real till, sales through the POS API, and a printer that is
 * a real TCP listener (or a real pty serial port) answering DLE EOT. Each receipt must come
 * out exactly once and whole, whatever the printer does in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPtyPair, socatAvailable } from '../../native/printers/pty.js';
import { startSerialPrinter, startTcpPrinter } from '../../native/printers/simulator.js';
import { decodeEscPos } from './escpos-decode.js';
import { eventually, freePort, useReceiptTills, type ReceiptTill } from './test-till.js';

const { cleanups, till } = useReceiptTills();

function jobsOf(t: ReceiptTill, saleId: string): { kind: string; status: string; attempts: number }[] {
  return t.till.ctx.db
    .prepare('SELECT kind, status, attempts FROM print_jobs WHERE sale_id = ? ORDER BY job_id')
    .all(saleId) as {
    kind: string;
    status: string;
    attempts: number;
  }[];
}

const settle = (ms = 300): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('printing a member sale', () => {
  it('prints the receipt once, with what the sale returned; a replayed sale prints nothing more', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}`, storeName: '幸福里便利店' });
    const memberNo = await t.enrol('王小明', '13800138000');
    const sale = await t.sale('S-1', memberNo, 1288.5);
    expect(sale.status).toBe(201);
    const [receipt] = await sim.core.waitForReceipts(1);
    await t.till.receipts.drained();
    const d = decodeEscPos(receipt as Buffer);
    expect(d.chineseMode).toBe(true);
    expect(d.unknown).toEqual([]);
    expect(d.cuts).toBe(1);
    const text = d.lines.join('\n');
    // the store name prints at double size: the decoder shows the width it takes
    expect(text.split('\n')[0]?.replace(/\s+/g, '')).toBe('幸福里便利店');
    expect(text).toMatch(/小票号 +S-1/);
    expect(text).toMatch(/会员 +王\*\*/);
    expect(text).toMatch(/手机号 +138\*\*\*\*8000/);
    expect(text).not.toContain('13800138000');
    expect(text).toMatch(new RegExp(`本次获得积分 +\\+${sale.json.pointsEarned.toLocaleString('en-US')}`));
    expect(text).toMatch(new RegExp(`积分余额 +${sale.json.balance.toLocaleString('en-US')}`));
    expect(text).toMatch(/距下一等级还差 \(银卡\) +￥3,711\.50/);

    // The same sale again (POS retry): answered from the idempotency record, no second receipt.
    const again = await t.sale('S-1', memberNo, 1288.5);
    expect(again.status).toBe(200);
    await settle();
    expect(sim.core.receipts).toHaveLength(1);
    expect(jobsOf(t, 'S-1')).toEqual([{ kind: 'sale', status: 'printed', attempts: 1 }]);

    // An anonymous sale has no loyalty receipt to print.
    expect((await t.sale('S-2', null, 20)).status).toBe(201);
    await settle();
    expect(jobsOf(t, 'S-2')).toEqual([]);
    expect(sim.core.receipts).toHaveLength(1);
    const h = await t.get('/v1/health');
    expect(h.json.printer).toMatchObject({
      configured: true,
      target: `tcp://127.0.0.1:${sim.port}`,
      state: 'ready',
      queuedJobs: 0,
    });
  });

  it('a printer absent at sale time prints the receipt once it appears', async () => {
    const port = await freePort();
    const t = await till({ printer: `tcp://127.0.0.1:${port}` });
    const memberNo = await t.enrol('李四', '13900001111');
    expect((await t.sale('S-absent', memberNo, 88)).status).toBe(201);
    await eventually(() => (jobsOf(t, 'S-absent')[0]?.attempts ?? 0) >= 3, 5000, 'three failed attempts');
    const h = await t.get('/v1/health');
    expect(h.json.printer).toMatchObject({ state: 'absent', queuedJobs: 1 });
    expect(h.json.printer.lastError).toMatch(/ECONNREFUSED|connect/);
    expect(t.events).toContainEqual({ type: 'device', device: 'printer', state: 'absent' });

    const sim = await startTcpPrinter(port);
    cleanups.push(() => sim.close());
    await sim.core.waitForReceipts(1);
    await t.till.receipts.drained();
    await settle(400);
    expect(sim.core.receipts).toHaveLength(1);
    expect(decodeEscPos(sim.core.receipts[0] as Buffer).lines.join('\n')).toMatch(/小票号 +S-absent/);
    const [job] = jobsOf(t, 'S-absent');
    expect(job?.status).toBe('printed');
    expect(job?.attempts).toBeGreaterThan(3);
    expect((await t.get('/v1/health')).json.printer).toMatchObject({ state: 'ready', queuedJobs: 0 });
  });

  it('paper out: the job waits, the state shows on /v1/health and the event stream, it prints once paper is back', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    sim.core.condition.paperOut = true;
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}` });
    const memberNo = await t.enrol('赵六', '13700002222');
    await t.sale('S-paper', memberNo, 50);
    await eventually(async () => (await t.get('/v1/health')).json.printer.state === 'paper_out', 5000, 'paper_out');
    const h = (await t.get('/v1/health')).json.printer;
    expect(h).toMatchObject({ state: 'paper_out', queuedJobs: 1 });
    expect(h.lastError).toMatch(/paper out/);
    expect(t.events).toContainEqual({ type: 'device', device: 'printer', state: 'paper_out' });
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'printer', state: 'paper_out', queuedJobs: 1 }));
    await settle();
    expect(sim.core.receipts).toHaveLength(0);
    expect(sim.core.bytesWhileStopped).toBe(0);

    sim.core.condition.paperOut = false;
    await sim.core.waitForReceipts(1);
    await t.till.receipts.drained();
    await settle();
    expect(sim.core.receipts).toHaveLength(1);
    expect(t.events).toContainEqual(expect.objectContaining({ type: 'printer', state: 'ready', queuedJobs: 0 }));
    expect((await t.get('/v1/health')).json.printer).toMatchObject({ state: 'ready', queuedJobs: 0 });
  });

  it('a connection dropped mid-receipt is retried and the receipt prints once, complete', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}` });
    const memberNo = await t.enrol('孙七', '13600003333');
    sim.dropAfter(700);
    await t.sale('S-drop', memberNo, 321);
    await sim.core.waitForReceipts(1);
    await t.till.receipts.drained();
    await settle();
    expect(sim.core.partials).toHaveLength(1);
    expect(sim.core.receipts).toHaveLength(1);
    // What printed is the whole receipt, byte for byte what the API renders for this sale.
    const full = await t.get('/v1/sales/S-drop/receipt?format=escpos');
    expect(sim.core.receipts[0]?.equals(full.raw)).toBe(true);
    expect((sim.core.partials[0]?.length ?? 0) < full.raw.length).toBe(true);
    expect(jobsOf(t, 'S-drop')).toEqual([{ kind: 'sale', status: 'printed', attempts: 2 }]);
  });

  it('jobs print in order, each once, across a printer that comes and goes', async () => {
    const port = await freePort();
    const t = await till({ printer: `tcp://127.0.0.1:${port}` });
    const memberNo = await t.enrol('周八', '13500004444');
    for (let i = 1; i <= 5; i++) await t.sale(`S-q${i}`, memberNo, 10 * i);
    let sim = await startTcpPrinter(port);
    await t.till.receipts.drained();
    await sim.close();
    const first = sim.core.receipts.slice();
    for (let i = 6; i <= 7; i++) await t.sale(`S-q${i}`, memberNo, 10 * i);
    await eventually(() => (jobsOf(t, 'S-q6')[0]?.attempts ?? 0) >= 2, 5000, 'retries while away');
    sim = await startTcpPrinter(port);
    cleanups.push(() => sim.close());
    await t.till.receipts.drained();
    await settle();
    const ids = (rs: Buffer[]): (string | undefined)[] =>
      rs.map((r) => /小票号 +(S-q\d)/.exec(decodeEscPos(r).lines.join('\n'))?.[1]);
    expect(ids(first)).toEqual(['S-q1', 'S-q2', 'S-q3', 'S-q4', 'S-q5']);
    expect(ids(sim.core.receipts)).toEqual(['S-q6', 'S-q7']);
  });
});

describe('reprints and the receipt endpoints', () => {
  it('POST /v1/sales/{saleId}/receipt/print queues a reprint (202 {jobId}) that prints marked as such', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}` });
    const memberNo = await t.enrol('吴九', '13400005555');
    await t.sale('S-re', memberNo, 66);
    await t.till.receipts.drained();
    const r = await t.post('/v1/sales/S-re/receipt/print?lang=en');
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ saleId: 'S-re', status: 'queued', printer: { state: 'ready' } });
    expect(typeof r.json.jobId).toBe('number');
    await sim.core.waitForReceipts(2);
    const text = decodeEscPos(sim.core.receipts[1] as Buffer).lines.join('\n');
    expect(text).toContain('*** REPRINT ***');
    expect(text).toMatch(/Receipt +S-re/);
    expect(text).toMatch(/printed 2026-03-10 12:00/);
    expect(jobsOf(t, 'S-re').map((j) => j.kind)).toEqual(['sale', 'reprint']);

    const unknown = await t.post('/v1/sales/NOPE/receipt/print');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('unknown_sale');
    const badLang = await t.post('/v1/sales/S-re/receipt/print?lang=fr');
    expect(badLang.status).toBe(400);
  });

  it('GET /v1/sales/{saleId}/receipt answers text, ESC/POS and PNG; 404 for an unknown sale, 400 for a bad format', async () => {
    const t = await till({ printer: 'none', storeName: '测试门店' });
    const memberNo = await t.enrol('郑十', '13300006666');
    const sale = await t.sale('S-get', memberNo, 200);

    const text = await t.get('/v1/sales/S-get/receipt?format=text');
    expect(text.status).toBe(200);
    expect(text.contentType).toBe('text/plain; charset=utf-8');
    const body = text.raw.toString('utf8');
    expect(body).toContain('测试门店');
    expect(body).toMatch(new RegExp(`积分余额 +${sale.json.balance}`));
    expect(await t.get('/v1/sales/S-get/receipt').then((a) => a.raw.toString('utf8'))).toBe(body);

    const en = await t.get('/v1/sales/S-get/receipt?format=text&lang=en&width=58');
    expect(en.raw.toString('utf8')).toMatch(new RegExp(`Points balance +${sale.json.balance}`));
    expect(
      Math.max(
        ...en.raw
          .toString('utf8')
          .split('\n')
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(32);

    const esc = await t.get('/v1/sales/S-get/receipt?format=escpos');
    expect(esc.contentType).toBe('application/octet-stream');
    expect(esc.raw.subarray(0, 2).equals(Buffer.from([0x1b, 0x40]))).toBe(true);
    const decoded = decodeEscPos(esc.raw);
    expect(decoded.lines.join('\n')).toMatch(new RegExp(`积分余额 +${sale.json.balance}`));

    const png = await t.get('/v1/sales/S-get/receipt?format=png&width=58');
    expect(png.contentType).toBe('image/png');
    expect(png.raw.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.raw.readUInt32BE(16)).toBe(384);

    const unknown = await t.get('/v1/sales/NOPE/receipt?format=text');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('unknown_sale');
    for (const bad of ['format=pdf', 'format=', 'width=76', 'lang=de']) {
      const r = await t.get(`/v1/sales/S-get/receipt?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.error.code, bad).toBe('validation_failed');
    }

    // Without a printer: nothing is queued, a print request says why, health says none.
    expect(t.till.ctx.db.prepare('SELECT count(*) AS n FROM print_jobs').get()).toEqual({ n: 0 });
    const p = await t.post('/v1/sales/S-get/receipt/print');
    expect(p.status).toBe(409);
    expect(p.json.error.code).toBe('no_printer');
    expect((await t.get('/v1/health')).json.printer).toMatchObject({ configured: false, state: 'none', queuedJobs: 0 });
  });

  it('lists both receipt endpoints in the OpenAPI document', async () => {
    const t = await till({ printer: 'none' });
    const doc = (await fetch(`${t.till.url}/v1/openapi.json`).then((r) => r.json())) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths['/v1/sales/{saleId}/receipt/print']?.post).toBeDefined();
    expect(doc.paths['/v1/sales/{saleId}/receipt']?.get).toBeDefined();
  });
});

describe('a till stopped between commit and enqueue', () => {
  it('queues the receipt of a recent member sale that has no job when it starts again', async () => {
    const sim = await startTcpPrinter();
    cleanups.push(() => sim.close());
    const t = await till({ printer: `tcp://127.0.0.1:${sim.port}` });
    const memberNo = await t.enrol('钱一', '13200007777');
    await t.sale('S-lost', memberNo, 30);
    await sim.core.waitForReceipts(1);
    // Pretend the enqueue never happened, as if the process had died right after the commit.
    t.till.ctx.db.prepare('DELETE FROM print_jobs').run();
    t.till.receipts.start(); // already running: no-op
    expect(t.till.receipts.queue.recoverSince('2026-03-10T03:55:00Z', 'zh-CN', '2026-03-10T04:00:00Z')).toBe(1);
    expect(t.till.receipts.queue.recoverSince('2026-03-10T03:55:00Z', 'zh-CN', '2026-03-10T04:00:00Z')).toBe(0);
  });
});

describe.skipIf(!socatAvailable())('serial printer on a pty pair', () => {
  it('a printer absent at the configured port prints once it is plugged in; a power cycle mid-receipt reprints it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'till-serial-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'ttyPRINTER');
    const t = await till({ printer: `serial:${path}?baud=19200&width=58` });
    const memberNo = await t.enrol('冯二', '13100008888');
    await t.sale('S-ser1', memberNo, 45);
    await eventually(async () => (await t.get('/v1/health')).json.printer.state === 'absent', 5000, 'absent');

    const pair = await openPtyPair({ link: path });
    cleanups.push(() => pair.close());
    const sim = await startSerialPrinter(pair.b, 19200);
    cleanups.push(() => sim.close());
    const [first] = await sim.core.waitForReceipts(1);
    const d = decodeEscPos(first as Buffer);
    expect(d.lines.join('\n')).toMatch(/小票号 +S-ser1/);
    expect(d.maxColumns).toBeLessThanOrEqual(32);

    sim.dropAfter(500);
    await t.sale('S-ser2', memberNo, 46);
    await sim.core.waitForReceipts(2);
    await t.till.receipts.drained();
    await settle();
    expect(sim.core.partials).toHaveLength(1);
    expect(sim.core.receipts).toHaveLength(2);
    const second = await t.get('/v1/sales/S-ser2/receipt?format=escpos');
    expect(sim.core.receipts[1]?.equals(second.raw)).toBe(true);
    expect(jobsOf(t, 'S-ser2')[0]).toMatchObject({ status: 'printed' });
    expect(jobsOf(t, 'S-ser2')[0]?.attempts).toBeGreaterThanOrEqual(2);
  });
});
