/**
 * Shared by head office's tests (not production code): a real server on 127.0.0.1 with a
 * real temp data dir, a till simulator that writes signed ledger entries the way the till
 * service does (core engine for sale points, core reducer for its own view), and clients
 * that sign like a till.
 */
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { computeEarn } from '../core/engine/earn.js';
import { lowestTier } from '../core/engine/tiers.js';
import type { EntryData, EntryKind, LedgerEntry } from '../core/ledger/entry.js';
import { signedPoints } from '../core/ledger/entry.js';
import { expiryDate } from '../core/ledger/expiry.js';
import { GENESIS_HASH, signEntry } from '../core/ledger/hash.js';
import { earnedOn, expiredDue, foldEntries, type MemberState } from '../core/ledger/state.js';
import { DEFAULT_RULE_SET } from '../core/ruleset/default.js';
import type { RuleSet } from '../core/ruleset/schema.js';
import type { MemberUpsert, ReturnRecord, SaleRecord, UploadBatchBody } from '../core/sync/protocol.js';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { signRequest, type TillCredentials } from '../core/sync/sign.js';
import { localDate } from '../core/time.js';
import { addTill } from './provision.js';
import { createHeadOffice, type HeadOffice, type HeadOfficeOptions } from './server.js';
import { DB_FILE } from './store/sqlite.js';

export const OPERATOR_TOKEN = 'test-operator-token';

export interface TestHq {
  /** the running head office; after restart() a new one on the same data dir (url and port may differ) */
  hq: HeadOffice;
  dataDir: string;
  /**
   * Closes the running head office without deleting its data dir, runs `between` (if given)
   * while none runs, e.g. to edit the database file, and starts a new one with the same options.
   */
  restart(between?: () => void | Promise<void>): Promise<void>;
  /** Closes head office and deletes its data dir. */
  close(): Promise<void>;
}

export async function startHq(): Promise<TestHq> {
  const dir = mkdtempSync(join(tmpdir(), 'hq-test-'));
  const dataDir = join(dir, 'data');
  const opts: HeadOfficeOptions = {
    dataDir,
    port: 0,
    host: '127.0.0.1',
    operatorToken: OPERATOR_TOKEN,
    logToStderr: false,
  };
  // null while none runs: between a restart's close and start, or when starting again failed
  let running: HeadOffice | null = await createHeadOffice(opts);
  const t: TestHq = {
    hq: running,
    dataDir,
    async restart(between) {
      if (running) {
        const old = running;
        running = null;
        await old.close();
      }
      await between?.();
      running = await createHeadOffice(opts);
      t.hq = running;
    },
    async close() {
      try {
        if (running) {
          const old = running;
          running = null;
          await old.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return t;
}

/**
 * A fresh head office for each test with till A of store S1 and till B of store S2 (vitest
 * hooks); `use` receives them before each test.
 */
export function useTwoTillHq(use: (x: { t: TestHq; A: TillSim; B: TillSim }) => void): void {
  let t: TestHq | null = null;
  beforeEach(async () => {
    t = await startHq();
    use({ t, A: await provision(t, 'S1', 'A'), B: await provision(t, 'S2', 'B') });
  });
  afterEach(async () => {
    await t?.close();
  });
}

export async function provision(t: TestHq, storeId: string, tillId: string, rs?: RuleSet): Promise<TillSim> {
  const issued = await addTill(t.hq.store, storeId, tillId);
  return new TillSim(issued.tillId, issued.storeId, issued.secret, rs);
}

interface Attached {
  members: MemberUpsert[];
  sales: SaleRecord[];
  returns: ReturnRecord[];
}

/** Minutes after a base two days ago: recent enough that nothing has expired, in the past for the clock check. */
const BASE_MS = Math.floor((Date.now() - 2 * 24 * 60 * 60 * 1000) / 60_000) * 60_000;
export function at(minutes: number): string {
  return new Date(BASE_MS + minutes * 60_000).toISOString();
}

export class TillSim implements TillCredentials {
  readonly entries: LedgerEntry[] = [];
  /** records travel in the batch holding the seq they are attached to */
  private readonly attached = new Map<number, Attached>();
  private readonly birthdays = new Map<string, string | null>();
  private saleCounter = 0;

  constructor(
    readonly tillId: string,
    readonly storeId: string,
    readonly secret: string,
    readonly rs: RuleSet = DEFAULT_RULE_SET,
  ) {}

  get headSeq(): number {
    return this.entries.length;
  }

  state(memberNo: string): MemberState {
    return foldEntries(
      memberNo,
      lowestTier(this.rs).code,
      this.entries.filter((e) => e.memberNo === memberNo),
    );
  }

  private attach(seq: number): Attached {
    let a = this.attached.get(seq);
    if (!a) {
      a = { members: [], sales: [], returns: [] };
      this.attached.set(seq, a);
    }
    return a;
  }

  append(
    memberNo: string,
    kind: EntryKind,
    points: number,
    when: string,
    more: { spend?: number; expiresOn?: string | null; saleId?: string | null; data?: EntryData } = {},
  ): LedgerEntry {
    const prev = this.entries[this.entries.length - 1];
    const day = localDate(when, this.rs.timeZone).date;
    const e = signEntry({
      tillId: this.tillId,
      seq: this.entries.length + 1,
      memberNo,
      kind,
      points,
      spend: more.spend ?? 0,
      occurredAt: when,
      localDate: day,
      expiresOn: more.expiresOn ?? null,
      saleId: more.saleId ?? null,
      returnId: null,
      data: more.data ?? {},
      prevHash: prev?.hash ?? GENESIS_HASH,
    });
    this.entries.push(e);
    return e;
  }

  enrol(memberNo: string, when: string, extra: Partial<MemberUpsert> = {}): MemberUpsert {
    const first = lowestTier(this.rs).code;
    const e = this.append(memberNo, 'tier', 0, when, { data: { fromTier: first, toTier: first, reason: 'threshold' } });
    const m: MemberUpsert = {
      memberNo,
      name: '张三丰',
      phone: `138${memberNo.slice(-8).padStart(8, '0')}`,
      birthday: null,
      gender: null,
      preferredChannel: 'none',
      interests: [],
      consentMarketing: true,
      consentText: 'v1',
      consentAt: when,
      enrolledStore: this.storeId,
      enrolledTill: this.tillId,
      enrolledBy: 'staff-1',
      cards: [{ code: memberNo, kind: 'barcode', status: 'active' }],
      ...extra,
    };
    this.birthdays.set(memberNo, m.birthday);
    this.attach(e.seq).members.push(m);
    return m;
  }

  /** A sale as the till records it; `inflate` makes a dishonest till that grants extra points. */
  sale(
    memberNo: string,
    unitPrice: number,
    when: string,
    opts: { redeem?: number; inflate?: number } = {},
  ): SaleRecord {
    const redeem = opts.redeem ?? 0;
    const saleId = `${this.tillId}-S${++this.saleCounter}`;
    const s = this.state(memberNo);
    const day = localDate(when, this.rs.timeZone).date;
    const lines = [{ sku: 'SKU-1', name: 'Tea', category: 'grocery', quantity: 1, unitPrice, discount: 0 }];
    const r = computeEarn(this.rs, {
      lines,
      basketDiscount: 0,
      pointsRedeemed: redeem,
      occurredAt: when,
      member: {
        memberNo,
        tier: s.tier,
        birthday: this.birthdays.get(memberNo) ?? null,
        winBackUntil: s.winBackUntil,
        earnedToday: earnedOn(s, day),
        stamps: s.stamps,
        birthdayGiftYear: s.birthdayGiftYear,
      },
    });
    const expiresOn = expiryDate(this.rs, day);
    if (redeem > 0) this.append(memberNo, 'redeem', redeem, when, { saleId });
    const points = r.points + (opts.inflate ?? 0);
    const earn = this.append(memberNo, 'earn', points, when, {
      saleId,
      spend: r.qualifyingSpend,
      expiresOn,
      data: { stamp: r.stampEarned, ruleVersion: this.rs.version },
    });
    let bonusPoints = 0;
    for (const b of r.bonuses) {
      this.append(memberNo, 'bonus', b.points, when, { saleId, expiresOn, data: { bonus: b.bonus } });
      bonusPoints += b.points;
    }
    const rec: SaleRecord = {
      saleId,
      memberNo,
      ruleVersion: this.rs.version,
      request: {
        saleId,
        memberNo,
        lines,
        basketDiscount: 0,
        tenders: redeem > 0 ? [{ type: 'points', points: redeem }] : [],
      },
      pointsEarned: points,
      bonusPoints,
      pointsRedeemed: redeem,
      total: r.total,
      occurredAt: when,
    };
    this.attach(earn.seq).sales.push(rec);
    return rec;
  }

  bonus(memberNo: string, points: number, when: string): LedgerEntry {
    return this.append(memberNo, 'bonus', points, when, {
      expiresOn: expiryDate(this.rs, localDate(when, this.rs.timeZone).date),
      data: { bonus: 'enrolment' },
    });
  }

  redeem(memberNo: string, points: number, when: string): LedgerEntry {
    return this.append(memberNo, 'redeem', points, when);
  }

  /** The till's expiry run: removes what its own view says expired before `before`, if anything. */
  expire(memberNo: string, before: string, when: string): LedgerEntry | null {
    const due = expiredDue(this.state(memberNo), before);
    return due > 0 ? this.append(memberNo, 'expire', due, when, { data: { before } }) : null;
  }

  /** Entries firstSeq..lastSeq and the records attached to them. */
  batch(firstSeq: number, lastSeq = this.headSeq): UploadBatchBody {
    const entries = this.entries.slice(firstSeq - 1, lastSeq);
    const recs = entries.map((e) => this.attached.get(e.seq)).filter((a): a is Attached => a !== undefined);
    return {
      tillId: this.tillId,
      storeId: this.storeId,
      firstSeq,
      lastSeq,
      prevHash: this.entries[firstSeq - 2]?.hash ?? GENESIS_HASH,
      entries,
      members: recs.flatMap((a) => a.members),
      sales: recs.flatMap((a) => a.sales),
      returns: recs.flatMap((a) => a.returns),
    };
  }

  /** The whole chain cut into batches of `size`. */
  batches(size: number): UploadBatchBody[] {
    const out: UploadBatchBody[] = [];
    for (let s = 1; s <= this.headSeq; s += size) out.push(this.batch(s, Math.min(this.headSeq, s + size - 1)));
    return out;
  }
}

export interface Answer {
  status: number;
  // Tests inspect arbitrary JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** POSTs a batch as a till does: gzip, signed over the gzipped bytes. */
export async function upload(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  body: unknown,
  opts: { gzip?: boolean; raw?: Buffer; nowMs?: number } = {},
): Promise<Answer> {
  const gzip = opts.gzip ?? true;
  const json = Buffer.from(JSON.stringify(body));
  const wire = opts.raw ?? (gzip ? gzipSync(json) : json);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...signRequest(signer, 'POST', SYNC_PATHS.batches, wire, opts.nowMs ?? Date.now()),
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  return answer(
    await fetch(`${t.hq.url}${SYNC_PATHS.batches}`, { method: 'POST', headers, body: new Uint8Array(wire) }),
  );
}

export async function changes(
  t: Pick<TestHq, 'hq'>,
  signer: TillCredentials,
  after: number,
  limit = 1000,
): Promise<Answer> {
  const path = `${SYNC_PATHS.changes}?after=${after}&limit=${limit}`;
  return answer(await fetch(`${t.hq.url}${path}`, { headers: signRequest(signer, 'GET', path, '', Date.now()) }));
}

export async function operator(t: Pick<TestHq, 'hq'>, method: string, path: string, body?: unknown): Promise<Answer> {
  return answer(
    await fetch(`${t.hq.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  );
}

/** Row counts of every table, read through a second, read-only connection to the real file. */
export async function rowCounts(t: TestHq): Promise<Record<string, number>> {
  await t.hq.store.settle();
  const db = new Database(join(t.dataDir, DB_FILE), { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    return Object.fromEntries(
      tables.map((n) => [n, (db.prepare(`SELECT count(*) AS n FROM "${n}"`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

/** member_state rows as stored, for comparing two head offices. */
export async function memberStates(
  t: TestHq,
): Promise<{ member_no: string; balance: number; tier: string; state: string }[]> {
  await t.hq.store.settle();
  const db = new Database(join(t.dataDir, DB_FILE), { readonly: true });
  try {
    return db.prepare('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no').all() as {
      member_no: string;
      balance: number;
      tier: string;
      state: string;
    }[];
  } finally {
    db.close();
  }
}

export function ledgerSum(tills: readonly TillSim[], memberNo: string): number {
  return tills.flatMap((t) => t.entries).reduce((a, e) => (e.memberNo === memberNo ? a + signedPoints(e) : a), 0);
}

export async function uploadAll(t: TestHq, till: TillSim, size: number): Promise<void> {
  for (const b of till.batches(size)) {
    const r = await upload(t, till, b);
    if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}
