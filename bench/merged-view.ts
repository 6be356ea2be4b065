/**
 * The till's decisions on the merged view (DOMAIN.md 12), measured.
 *
 * merged_sale: recordSale() for members head office has confirmed (each with a merged state
 *   holding lots and spend from other stores, and a few of this till's entries not yet
 *   confirmed), against a bare INSERT of a row of the same size with the same durability, in
 *   interleaved blocks (as sale_commit).
 * member_history: a sale for a member with 2,000 past sales (spread over the last year, all
 *   confirmed by head office) against one for a new member, on the same connected till, in
 *   interleaved blocks: a member's history should not slow the counter.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { lowestTier } from '../core/engine/tiers.js';
import { emptyState, type MemberState } from '../core/ledger/state.js';
import { addDays, localDate } from '../core/time.js';
import { EnrolRequest, SaleRequest } from '../main/api/schemas.js';
import { configFromEnv } from '../main/service/config.js';
import { enrol } from '../main/service/members.js';
import { recordSale } from '../main/service/sales.js';
import { memberView } from '../main/service/view.js';
import { createTill, type Till } from '../main/service/till.js';
import { median, ms, ratio, timeSync, type Benchmark } from './lib.js';

const OPS = Number(process.env.OPS ?? 2_000);
const WARMUP = 200;
const BLOCK = Number(process.env.BLOCK ?? 250);
const MEMBERS = 200;
const GOAL = 3;
const HISTORY = Number(process.env.HISTORY ?? 2_000);
const HISTORY_MEMBERS = 10;

/** A till connected to a head office that never answers (its sync loop stopped): decisions use the stored confirmations. */
async function connectedTill(dir: string, now: () => Date): Promise<Till> {
  const t = await createTill(
    {
      ...configFromEnv({}),
      dataDir: dir,
      port: 0,
      posApiKey: 'bench-pos-key',
      hqUrl: 'http://127.0.0.1:9',
      tillId: 'bench-till',
      storeId: 'bench-store',
      tillSecret: 'ab'.repeat(32),
      syncIntervalMs: 3_600_000,
    },
    { quiet: true, now },
  );
  await t.sync?.stop();
  return t;
}

function enrolMembers(till: Till, n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const req = EnrolRequest.parse({
      name: `会员${i}`,
      phone: `13${prefix}${String(i).padStart(8, '0')}`,
      consent: { marketing: false, text: 'consent-v1' },
    });
    out.push(enrol(till.ctx, req).summary.memberNo);
  }
  return out;
}

/**
 * Head office's confirmation of the members' views through this till's current head: what a
 * sync every few seconds does, so a till's unconfirmed entries stay few, as in a store.
 */
function confirmAll(till: Till, members: readonly string[], cursor: number): void {
  const rs = till.ctx.rules.at(till.ctx.now().toISOString());
  const today = localDate(till.ctx.now(), rs.timeZone).date;
  for (const m of members) {
    const own = till.ctx.ledger.state(m, lowestTier(rs).code);
    confirm(till, memberView(till.ctx, rs, own, today, null).state, cursor);
  }
}

/** Head office's confirmation of `state` through this till's current head. */
function confirm(till: Till, state: MemberState, cursor: number): void {
  till.ctx.hqState.put({
    memberNo: state.memberNo,
    balance: state.balance,
    available: state.balance,
    tier: state.tier,
    class: null,
    confirmedAt: till.ctx.now().toISOString(),
    includedSeq: till.ctx.ledger.headOf().seq,
    state,
    cursor,
  });
}

/** A merged state as another store adds to this till's own: 30 lots over the last year. */
function withOtherStore(own: MemberState, today: string): MemberState {
  const s: MemberState = { ...own, lots: [...own.lots], spend: [...own.spend] };
  for (let j = 0; j < 30; j++) {
    const earnedOn = addDays(today, -300 + j * 10);
    s.lots.push({ id: `other-till:${j + 1}`, earnedOn, expiresOn: addDays(earnedOn, 365), remaining: 120 });
    s.spend.push({ on: earnedOn, amount: 12_000 });
    s.balance += 120;
  }
  s.lots.sort((a, b) => ((a.expiresOn ?? '') < (b.expiresOn ?? '') ? -1 : 1));
  s.spend.sort((a, b) => (a.on < b.on ? -1 : 1));
  return s;
}

function body(saleId: string, memberNo: string): SaleRequest {
  return SaleRequest.parse({
    saleId,
    memberNo,
    lines: [
      { sku: 'rice', category: 'grocery', quantity: 1, unitPrice: 4990 },
      { sku: 'tea', category: 'beverage', quantity: 2, unitPrice: 8800 },
      { sku: 'soap', category: 'personal-care', quantity: 1, unitPrice: 590 },
      { sku: 'cigs', category: 'tobacco', quantity: 1, unitPrice: 2500 },
    ],
    tenders: [{ type: 'cash', amount: 25_680 }], // what is due: money tenders add up (issue 14)
  });
}

export const mergedSale: Benchmark = {
  name: 'merged_sale',
  async run({ dir }) {
    const till = await connectedTill(join(dir, 'till'), () => new Date());
    const bare = new Database(join(dir, 'bare.db'));
    try {
      const rs = till.ctx.rules.at(new Date().toISOString());
      const today = localDate(new Date(), rs.timeZone).date;
      const members = enrolMembers(till, MEMBERS, '7');
      let n = 0;
      const sale = (): number => {
        n += 1;
        const req = body(`M-${n}`, members[n % members.length] as string);
        return timeSync(() => {
          recordSale(till.ctx, req);
        });
      };
      // One sale each, then head office's confirmation with another store's lots: every later
      // sale decides on the merged state plus the till's entries since.
      for (let i = 0; i < MEMBERS; i++) sale();
      for (const m of members) {
        confirm(till, withOtherStore(till.ctx.ledger.state(m, lowestTier(rs).code), today), 1);
      }
      for (let i = 0; i < WARMUP; i++) sale();
      const { rowBytes } = till.ctx.db
        .prepare(
          `SELECT CAST(avg(length(sale_id) + length(member_no) + length(request_hash) + length(request)
             + length(result) + length(computation) + 80) AS INTEGER) AS rowBytes FROM sales`,
        )
        .get() as { rowBytes: number };
      bare.pragma('journal_mode = WAL');
      bare.pragma('synchronous = FULL');
      bare.exec('CREATE TABLE sales (sale_id TEXT PRIMARY KEY, payload TEXT NOT NULL) STRICT');
      const insert = bare.prepare('INSERT INTO sales (sale_id, payload) VALUES (?, ?)');
      const payload = 'x'.repeat(rowBytes);
      let b = 0;
      const bareInsert = (): number => {
        b += 1;
        const id = `B-${b}`;
        return timeSync(() => {
          bare.transaction(() => insert.run(id, payload))();
        });
      };
      for (let i = 0; i < WARMUP; i++) bareInsert();
      const times = { sale: [] as number[], bare: [] as number[] };
      for (let done = 0; done < OPS; done += BLOCK) {
        confirmAll(till, members, 2 + done);
        for (let i = 0; i < BLOCK; i++) times.sale.push(sale());
        for (let i = 0; i < BLOCK; i++) times.bare.push(bareInsert());
      }
      const s = median(times.sale);
      const base = median(times.bare);
      return (
        `merged_sale: ${ms(s)}/sale on head office's merged state + this till's unconfirmed entries vs bare insert ` +
        `${ms(base)}/op (WAL, synchronous=FULL both; ${OPS} ops each, median) ratio ${ratio(s, base)} ` +
        `(goal < ${GOAL}x${s / base < GOAL ? '' : ', MISSED'})`
      );
    } finally {
      bare.close();
      await till.close();
    }
  },
};

export const memberHistory: Benchmark = {
  name: 'member_history',
  async run({ dir }) {
    const clock = { t: Date.now() - 365 * 86_400_000 };
    const till = await connectedTill(join(dir, 'till'), () => new Date(clock.t));
    try {
      const rs = till.ctx.rules.at(new Date().toISOString());
      const old = enrolMembers(till, HISTORY_MEMBERS, '8');
      // 2,000 past sales each, spread over the last year, then confirmed by head office.
      let n = 0;
      const step = (365 * 86_400_000) / HISTORY;
      for (let i = 0; i < HISTORY; i++) {
        clock.t += step;
        for (const m of old) recordSale(till.ctx, body(`H-${(n += 1)}`, m));
      }
      clock.t = Date.now();
      const fresh = enrolMembers(till, HISTORY_MEMBERS, '9');
      for (const m of [...old, ...fresh]) {
        const own = till.ctx.ledger.state(m, lowestTier(rs).code);
        confirm(till, own.lastSeq === null ? emptyState(m, lowestTier(rs).code) : own, 1);
      }
      const lots = till.ctx.ledger.state(old[0] as string, lowestTier(rs).code).lots.length;
      const sale = (members: readonly string[]): number => {
        n += 1;
        const req = body(`S-${n}`, members[n % members.length] as string);
        return timeSync(() => {
          recordSale(till.ctx, req);
        });
      };
      for (let i = 0; i < WARMUP; i++) sale(i % 2 ? old : fresh);
      const t = { old: [] as number[], fresh: [] as number[] };
      for (let done = 0; done < OPS; done += BLOCK) {
        confirmAll(till, [...old, ...fresh], 2 + done);
        for (let i = 0; i < BLOCK; i++) t.old.push(sale(old));
        for (let i = 0; i < BLOCK; i++) t.fresh.push(sale(fresh));
      }
      const o = median(t.old);
      const f = median(t.fresh);
      return (
        `member_history: ${ms(o)}/sale for a member with ${HISTORY.toLocaleString('en')} past sales ` +
        `(${lots} open lots) vs ${ms(f)}/sale for a new member (${OPS} sales each, median, interleaved blocks) ` +
        `ratio ${ratio(o, f)}`
      );
    } finally {
      await till.close();
    }
  },
};
