/**
 * Issue 3 benchmarks.
 *   hq_ingest      head office ingest (signed gzip batches over loopback HTTP, chain check, merge,
 *                  recompute, change feed) in entries/s vs a bare SQLite insert of the same rows
 *                  with the same pragmas, in the same run (goal: at least half the bare rate).
 *   backlog_drain  time for a till's backlog of 100,000 entries to reach head office.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SaleRequest } from '../main/api/schemas.js';
import { configFromEnv } from '../main/service/config.js';
import { enrol } from '../main/service/members.js';
import { recordSale } from '../main/service/sales.js';
import { createTill, type Till } from '../main/service/till.js';
import { EnrolRequest } from '../main/api/schemas.js';
import { createHeadOffice, type HeadOffice } from '../headoffice/server.js';
import { addTill } from '../headoffice/provision.js';
import { nowMs, type Benchmark } from './lib.js';
import { prepareBatch } from '../main/sync/batch.js';
import { requestBody } from '../main/sync/client.js';
import { UploadBatch, type UploadBatchInput } from '../core/sync/protocol.js';

interface Rig {
  hq: HeadOffice;
  till: Till;
}

/** A head office and a connected till whose sync loop the benchmark starts itself. */
async function rig(dir: string, tillId: string): Promise<Rig> {
  const hq = await createHeadOffice({
    dataDir: join(dir, 'hq'),
    port: 0,
    host: '127.0.0.1',
    operatorToken: 'bench',
    logToStderr: false,
  });
  const issued = await addTill(hq.store, 'store-bench', tillId);
  const till = await createTill(
    {
      ...configFromEnv({}),
      dataDir: join(dir, tillId),
      port: 0,
      posApiKey: 'k',
      hqUrl: hq.url,
      hqPublicKey: hq.publicKey,
      tillId,
      storeId: 'store-bench',
      tillSecret: issued.secret,
      syncIntervalMs: 3_600_000,
    },
    { quiet: true },
  );
  await till.sync?.stop();
  return { hq, till };
}

/** Fills the till's ledger with `entries` sale entries over `members` members, quickly (durability off while filling). */
function fill(till: Till, entries: number, members: number): void {
  const ctx = till.ctx;
  ctx.db.pragma('synchronous = OFF');
  const nos: string[] = [];
  for (let i = 0; i < members; i++) {
    nos.push(
      enrol(
        ctx,
        EnrolRequest.parse({
          name: `会员${i}`,
          phone: `136${String(i).padStart(8, '0')}`,
          consent: { marketing: false, text: 'v1' },
        }),
      ).summary.memberNo,
    );
  }
  const lines = [{ sku: 'rice', category: 'grocery', quantity: 1, unitPrice: 4990 }];
  // Each enrolment wrote one entry; each member sale writes one.
  for (let i = 0; ctx.ledger.headOf().seq < entries; i++) {
    recordSale(ctx, SaleRequest.parse({ saleId: `F-${i}`, memberNo: nos[i % nos.length], lines }));
  }
  ctx.db.pragma('synchronous = FULL');
}

async function drain(till: Till): Promise<number> {
  const t0 = nowMs();
  for (;;) {
    const s = await till.sync?.syncNow();
    if (!s) throw new Error('no sync');
    if (s.problem) throw new Error(`sync failed: ${s.problem.code} ${s.problem.message}`);
    if (s.waiting === 0) return nowMs() - t0;
  }
}

function bareInsertRate(dir: string, rows: readonly Record<string, unknown>[], round: number): number {
  const db = new Database(join(dir, `bare-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE ledger (till_id TEXT, seq INTEGER, member_no TEXT, kind TEXT, points INTEGER, spend INTEGER,
    occurred_at TEXT, local_date TEXT, expires_on TEXT, sale_id TEXT, return_id TEXT, data TEXT, prev_hash TEXT, hash TEXT,
    PRIMARY KEY (till_id, seq)) STRICT`);
  const ins = db.prepare(`INSERT INTO ledger VALUES (@tillId, @seq, @memberNo, @kind, @points, @spend, @occurredAt,
    @localDate, @expiresOn, @saleId, @returnId, @data, @prevHash, @hash)`);
  const batch = db.transaction((chunk: readonly Record<string, unknown>[]) => {
    for (const r of chunk) ins.run({ ...r, data: JSON.stringify(r.data) });
  });
  const t0 = nowMs();
  for (let i = 0; i < rows.length; i += 500) batch(rows.slice(i, i + 500));
  const elapsed = nowMs() - t0;
  db.close();
  return (rows.length / elapsed) * 1000;
}

/** The till's whole backlog as the upload batches it would send, ready before any timing starts. */
function batchesOf(till: Till): UploadBatchInput[] {
  const out: UploadBatchInput[] = [];
  let ack = { seq: 0, outboxId: 0 };
  for (;;) {
    const p = prepareBatch(till.ctx, ack);
    if (p.empty) return out;
    out.push(p.batch);
    ack = { seq: p.batch.lastSeq, outboxId: p.lastOutboxId };
  }
}

const ROUNDS = 5;

export const hqIngest: Benchmark = {
  name: 'hq_ingest',
  async run({ dir }) {
    const { hq, till } = await rig(dir, 'till-ingest');
    try {
      const N = 20_000;
      fill(till, N, 500);
      const entries = till.ctx.ledger.entriesAfter(0, N + 10);
      const batches = batchesOf(till);
      // As head office receives them: parsed, and the gzip the till sent, kept in the inbox.
      const parsed = batches.map((b) => ({ batch: UploadBatch.parse(b), wire: requestBody(b) }));
      const rate = (t: number): number => (entries.length / t) * 1000;

      // 1. Head office's ingest alone: validated batches straight into a fresh store (no HTTP, no
      //    till). Acknowledging a batch (chain check, durable) is timed apart from applying it
      //    (ledger, member states, sale recompute, change feed), which head office does just after.
      //    The disk's speed wanders from second to second here, so each round times head office and
      //    the bare insert back to back, and the line gives the medians and the rounds' range.
      const rounds: { accept: number; apply: number; bare: number }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const store = await createHeadOffice({
          dataDir: join(dir, `hq-round-${round}`),
          port: 0,
          host: '127.0.0.1',
          operatorToken: 'bench',
          logToStderr: false,
        });
        try {
          await addTill(store.store, 'store-bench', 'till-ingest');
          const t0 = nowMs();
          for (const { batch: b, wire } of parsed) {
            const r = await store.store.ingest({ tillId: b.tillId, storeId: b.storeId }, b, new Date(), {
              bytes: wire,
              coding: 'gzip',
            });
            if (r.kind !== 'ok') throw new Error(`ingest answered ${r.kind}`);
          }
          const acceptMs = nowMs() - t0;
          const t1 = nowMs();
          await store.store.settle();
          const applyMs = nowMs() - t1;
          const backlog = await store.store.backlog();
          if (backlog.batches > 0) throw new Error(`apply failed: ${backlog.applyError}`);
          const bare = bareInsertRate(dir, entries as unknown as Record<string, unknown>[], round);
          rounds.push({ accept: rate(acceptMs), apply: rate(applyMs), bare });
        } finally {
          await store.close();
        }
      }

      // 2. The whole link: the till's uploader (batching, gzip, signing) over loopback HTTP, and
      //    the change feed read that waits for everything to be applied.
      const linkRate = rate(await drain(till));

      const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      const shares = rounds.map((r) => r.accept / r.bare);
      const share = mid(shares);
      const accept = mid(rounds.map((r) => r.accept));
      const apply = mid(rounds.map((r) => r.apply));
      const both = mid(rounds.map((r) => 1 / (1 / r.accept + 1 / r.apply)));
      const bare = mid(rounds.map((r) => r.bare));
      const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
      return (
        `hq_ingest: head office store acknowledges ${Math.round(accept)} entries/s (chain check, durable; ${batches.length} batches) = ` +
        `${pct(share)} of a bare insert of the same rows ${Math.round(bare)} rows/s (WAL, synchronous=FULL, 500 per transaction; ` +
        `medians of ${ROUNDS} back-to-back rounds, rounds ${pct(Math.min(...shares))}-${pct(Math.max(...shares))}; ` +
        `goal >= 50%, ${share >= 0.5 ? 'met' : 'MISSED'}); applies ${Math.round(apply)} entries/s ` +
        `(ledger, merge, recompute, change feed); both ${Math.round(both)} entries/s = ${pct(both / bare)}; ` +
        `whole link till -> HTTP -> head office -> feed ${Math.round(linkRate)} entries/s`
      );
    } finally {
      await till.close();
      await hq.close();
    }
  },
};

export const backlogDrain: Benchmark = {
  name: 'backlog_drain',
  async run({ dir }) {
    const { hq, till } = await rig(dir, 'till-backlog');
    try {
      const N = 100_000;
      const t0 = nowMs();
      fill(till, N, 2_000);
      const fillMs = nowMs() - t0;
      const ms = await drain(till);
      const n = till.ctx.ledger.headOf().seq;
      return `backlog_drain: ${n} entries (+${till.ctx.sales.count()} sale records) reached head office in ${(ms / 1000).toFixed(1)} s = ${Math.round((n / ms) * 1000)} entries/s (backlog built in ${(fillMs / 1000).toFixed(1)} s)`;
    } finally {
      await till.close();
      await hq.close();
    }
  },
};
