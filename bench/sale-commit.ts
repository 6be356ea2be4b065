/**
 * sale_commit: what the till's bookkeeping costs on top of the durable write itself.
 *
 * Three ways of committing, measured in interleaved blocks so drift (disk, page cache, CPU
 * frequency) falls on all three alike:
 *   service  recordSale() on the till's context: settle, earn, ledger append with hash chain,
 *            cached state, idempotency record, one transaction with WAL + synchronous=FULL;
 *   HTTP     the same through POST /v1/sales on loopback (validation, JSON, auth);
 *   bare     one INSERT of a row of the same size as the stored sale, in its own transaction,
 *            in a database with the same pragmas on the same disk.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { EnrolRequest, SaleRequest } from '../main/api/schemas.js';
import { enrol } from '../main/service/members.js';
import { recordSale } from '../main/service/sales.js';
import { benchTill, median, ms, pick, randInt, ratio, seeded, timeAsync, timeSync, type Benchmark } from './lib.js';

const OPS = 2_000;
const WARMUP = 200;
const BLOCK = 250;
const MEMBERS = 500;
const GOAL = 3;

const PRODUCTS = [
  { sku: 'rice-5kg', name: 'Rice 5 kg', category: 'grocery', unitPrice: 4990, weighed: false },
  { sku: 'milk-1l', name: 'Milk 1 L', category: 'dairy', unitPrice: 1290, weighed: false },
  { sku: 'apples', name: 'Apples (kg)', category: 'fresh', unitPrice: 1280, weighed: true },
  { sku: 'tea', name: 'Green tea', category: 'beverage', unitPrice: 8800, weighed: false },
  { sku: 'cigs', name: 'Cigarettes', category: 'tobacco', unitPrice: 2500, weighed: false },
  { sku: 'towel', name: 'Towel', category: 'home', unitPrice: 3900, weighed: false },
  { sku: 'soap', name: 'Soap', category: 'personal-care', unitPrice: 590, weighed: false },
  { sku: 'bread', name: 'Bread', category: 'bakery', unitPrice: 1200, weighed: false },
];

/** A typical till sale: a member, four lines, a cash or card tender. */
function saleBody(rand: () => number, saleId: string, memberNo: string): Record<string, unknown> {
  const lines = [0, 1, 2, 3].map((i) => {
    const p = PRODUCTS[(i + randInt(rand, 0, PRODUCTS.length - 1)) % PRODUCTS.length] ?? PRODUCTS[0];
    if (!p) throw new Error('empty catalogue');
    return {
      sku: `${p.sku}-${i}`,
      name: p.name,
      category: p.category,
      quantity: p.weighed ? randInt(rand, 200, 2000) / 1000 : randInt(rand, 1, 3),
      unitPrice: p.unitPrice,
      discount: rand() < 0.2 ? 100 : 0,
    };
  });
  // The tender pays exactly what is due (issue 14: money tenders must add up): line gross is
  // quantity × price rounded half up to the fen, less the line's discount.
  const gross = (l: { quantity: number; unitPrice: number }): number =>
    Math.floor((Math.round(l.quantity * 1000) * l.unitPrice + 500) / 1000);
  const due = lines.reduce((a, l) => a + gross(l) - l.discount, 0);
  return { saleId, memberNo, lines, tenders: [{ type: pick(rand, ['cash', 'card'] as const), amount: due }] };
}

function durability(db: Database.Database): string {
  const journal = String(db.pragma('journal_mode', { simple: true })).toUpperCase();
  const sync = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(db.pragma('synchronous', { simple: true }))] ?? '?';
  return `${journal}, synchronous=${sync}`;
}

export const saleCommit: Benchmark = {
  name: 'sale_commit',
  async run({ dir }) {
    const rand = seeded(20_240_601);
    const till = await benchTill(join(dir, 'till'));
    const bare = new Database(join(dir, 'bare.db'));
    try {
      const { ctx } = till;
      const members: string[] = [];
      for (let i = 0; i < MEMBERS; i++) {
        const req = EnrolRequest.parse({
          name: `会员${i}`,
          phone: `137${String(i).padStart(8, '0')}`,
          consent: { marketing: false, text: 'consent-v1' },
        });
        members.push(enrol(ctx, req).summary.memberNo);
      }
      let n = 0;
      const nextBody = (): Record<string, unknown> => {
        n += 1;
        return saleBody(rand, `B-${n}`, members[n % members.length] ?? '');
      };
      const service = (): number => {
        const req = SaleRequest.parse(nextBody());
        return timeSync(() => {
          recordSale(ctx, req);
        });
      };
      const headers = { authorization: 'Bearer bench-pos-key', 'content-type': 'application/json' };
      const http = async (): Promise<number> => {
        const payload = JSON.stringify(nextBody());
        return timeAsync(async () => {
          const res = await fetch(`${till.url}/v1/sales`, { method: 'POST', headers, body: payload });
          await res.json();
          if (res.status !== 201) throw new Error(`sale over HTTP answered ${res.status}`);
        });
      };

      // Warm up the service first: it also tells us how big a stored sale row is.
      for (let i = 0; i < WARMUP; i++) service();
      for (let i = 0; i < WARMUP; i++) await http();
      const { rowBytes } = ctx.db
        .prepare(
          `SELECT CAST(avg(length(sale_id) + length(member_no) + length(request_hash) + length(request)
             + length(result) + length(computation) + 80) AS INTEGER) AS rowBytes FROM sales`,
        )
        .get() as { rowBytes: number };

      bare.pragma('journal_mode = WAL');
      bare.pragma('synchronous = FULL');
      bare.exec(
        `CREATE TABLE sales (sale_id TEXT PRIMARY KEY, member_no TEXT, payload TEXT NOT NULL, recorded_at TEXT NOT NULL) STRICT`,
      );
      const insert = bare.prepare('INSERT INTO sales (sale_id, member_no, payload, recorded_at) VALUES (?, ?, ?, ?)');
      const payload = 'x'.repeat(rowBytes);
      let b = 0;
      const bareInsert = (): number => {
        b += 1;
        const id = `B-${b}`;
        const member = members[b % members.length] ?? null;
        return timeSync(() => {
          bare.transaction(() => insert.run(id, member, payload, new Date().toISOString()))();
        });
      };
      for (let i = 0; i < WARMUP; i++) bareInsert();

      const times = { service: [] as number[], http: [] as number[], bare: [] as number[] };
      for (let done = 0; done < OPS; done += BLOCK) {
        for (let i = 0; i < BLOCK; i++) times.service.push(service());
        for (let i = 0; i < BLOCK; i++) times.bare.push(bareInsert());
        for (let i = 0; i < BLOCK; i++) times.http.push(await http());
      }
      const s = median(times.service);
      const h = median(times.http);
      const base = median(times.bare);
      const r = s / base;
      // Read back rather than assume: the comparison is only fair with the same durability.
      const tillMode = durability(ctx.db);
      const bareMode = durability(bare);
      const same =
        tillMode === bareMode
          ? `same durability: ${tillMode}`
          : `DIFFERENT durability: till ${tillMode}, bare ${bareMode}`;
      return (
        `sale_commit: service ${ms(s)}/op, over HTTP ${ms(h)}/op vs bare insert ${ms(base)}/op ` +
        `(${same}; ${OPS} ops each, median; bare row ${rowBytes} B) ` +
        `ratio ${ratio(s, base)}, HTTP ${ratio(h, base)} (goal < ${GOAL}x${r < GOAL ? '' : ', MISSED'})`
      );
    } finally {
      bare.close();
      await till.close();
    }
  },
};
