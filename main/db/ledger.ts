/**
 * The single writer of the ledger. Appends entries with the till's gapless sequence and hash
 * chain, and folds each into the member's cached state in the same transaction, so the cache
 * can never be ahead of or behind the ledger. Callers must already be inside db.transaction.
 */
import { lotIdOf, type EntryData, type EntryKind, type LedgerEntry } from '../../core/ledger/entry.js';
import { rowToEntry, type LedgerRow } from '../../core/ledger/row.js';
import { GENESIS_HASH, signEntry } from '../../core/ledger/hash.js';
import { StateTexts } from '../../core/ledger/json.js';
import { applyEntry, emptyState, type Lot, type MemberState } from '../../core/ledger/state.js';
import type { Db } from './open.js';

export interface NewEntry {
  memberNo: string;
  kind: EntryKind;
  points: number;
  spend?: number;
  occurredAt: string;
  localDate: string;
  expiresOn?: string | null;
  saleId?: string | null;
  returnId?: string | null;
  data?: EntryData;
}

export { rowToEntry };

export class LedgerStore {
  private readonly insert;
  private readonly head;
  private readonly getState;
  private readonly putState;
  private readonly delLots;
  private readonly lotsOf;
  private readonly delLot;
  private readonly putLot;
  private readonly byMember;
  private readonly range;
  private readonly bySaleKind;
  private readonly saleBonuses;
  private readonly offlineSpent;
  /** parsed member states while their stored text is unchanged (a long history parses once) */
  private readonly texts = new StateTexts();

  constructor(
    private readonly db: Db,
    private readonly tillId: string,
  ) {
    this.insert = db.prepare(
      `INSERT INTO ledger (seq, till_id, member_no, kind, points, spend, occurred_at, local_date, expires_on,
         sale_id, return_id, data, prev_hash, hash)
       VALUES (@seq, @tillId, @memberNo, @kind, @points, @spend, @occurredAt, @localDate, @expiresOn,
         @saleId, @returnId, @data, @prevHash, @hash)`,
    );
    this.head = db.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1');
    this.getState = db.prepare('SELECT state FROM member_state WHERE member_no = ?');
    this.putState = db.prepare(
      `INSERT INTO member_state (member_no, balance, tier, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (member_no) DO UPDATE SET balance = excluded.balance, tier = excluded.tier, state = excluded.state`,
    );
    this.delLots = db.prepare('DELETE FROM lots WHERE member_no = ?');
    // In the reducer's lot order (core/ledger/state.ts): expiry (never last), earned, id.
    this.lotsOf = db.prepare(
      `SELECT lot_id AS id, earned_on AS earnedOn, expires_on AS expiresOn, remaining FROM lots
       WHERE member_no = ? ORDER BY expires_on IS NULL, expires_on, earned_on, lot_id`,
    );
    this.delLot = db.prepare('DELETE FROM lots WHERE member_no = ? AND lot_id = ?');
    this.putLot = db.prepare(
      `INSERT INTO lots (member_no, lot_id, earned_on, expires_on, remaining) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (member_no, lot_id) DO UPDATE SET remaining = excluded.remaining`,
    );
    this.byMember = db.prepare('SELECT * FROM ledger WHERE member_no = ? ORDER BY seq');
    this.range = db.prepare('SELECT * FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?');
    this.bySaleKind = db.prepare('SELECT * FROM ledger WHERE sale_id = ? AND kind = ? ORDER BY seq LIMIT 1');
    this.saleBonuses = db.prepare(
      "SELECT seq, data FROM ledger WHERE sale_id = ? AND kind = 'bonus' AND return_id IS NULL ORDER BY seq",
    );
    this.offlineSpent = db.prepare(
      `SELECT COALESCE(SUM(points), 0) AS n FROM ledger
       WHERE member_no = ? AND local_date = ? AND kind IN ('redeem', 'reward') AND json_extract(data, '$.offline') = 1`,
    );
  }

  /**
   * Points this till redeemed offline for the member on a local date, whether head office has
   * confirmed them since or not: DOMAIN.md 4's offline daily limit counts every offline
   * redemption of the day, and a till back online for a moment and offline again would
   * otherwise start the day's count afresh.
   */
  offlineRedeemedOn(memberNo: string, localDate: string): number {
    return (this.offlineSpent.get(memberNo, localDate) as { n: number }).n;
  }

  headOf(): { seq: number; hash: string } {
    const h = this.head.get() as { seq: number; hash: string } | undefined;
    return h ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * The member's cached state: the document in member_state (everything but the lots) and the
   * lots from their own table. A long-standing member has hundreds of lots and a sale changes one
   * or two, so the document stays small and a sale writes only the rows it changes.
   */
  state(memberNo: string, firstTier: string): MemberState {
    const row = this.getState.get(memberNo) as { state: string } | undefined;
    if (!row) return emptyState(memberNo, firstTier);
    const hit = this.texts.get(memberNo, row.state);
    if (hit) return hit;
    const state: MemberState = { ...(JSON.parse(row.state) as MemberState), lots: this.lotsOf.all(memberNo) as Lot[] };
    this.texts.remember(memberNo, row.state, state);
    return state;
  }

  /** Appends and folds; returns the signed entries and the member's new state. */
  append(state: MemberState, entries: readonly NewEntry[]): { entries: LedgerEntry[]; state: MemberState } {
    if (!this.db.inTransaction) throw new Error('ledger append outside a transaction');
    let { seq, hash } = this.headOf();
    let s = state;
    const written: LedgerEntry[] = [];
    for (const n of entries) {
      if (n.memberNo !== s.memberNo) throw new Error('one append call serves one member');
      seq += 1;
      const e = signEntry({
        tillId: this.tillId,
        seq,
        memberNo: n.memberNo,
        kind: n.kind,
        points: n.points,
        spend: n.spend ?? 0,
        occurredAt: n.occurredAt,
        localDate: n.localDate,
        expiresOn: n.expiresOn ?? null,
        saleId: n.saleId ?? null,
        returnId: n.returnId ?? null,
        data: n.data ?? {},
        prevHash: hash,
      });
      this.insert.run({ ...e, data: JSON.stringify(e.data) });
      s = applyEntry(s, e);
      hash = e.hash;
      written.push(e);
    }
    if (written.length > 0) this.saveState(s, state);
    return { entries: written, state: s };
  }

  /**
   * Writes the cached state: the document without its lots (`"lots":[]`; every change of lots
   * comes with an entry, so the document's text changes with them) and, with the previous state
   * given, only the lots that changed.
   */
  saveState(s: MemberState, previous?: MemberState): void {
    const text = JSON.stringify({ ...s, lots: [] });
    this.putState.run(s.memberNo, s.balance, s.tier, text);
    this.texts.remember(s.memberNo, text, s);
    if (!previous) {
      this.delLots.run(s.memberNo);
      for (const l of s.lots) this.putLot.run(s.memberNo, l.id, l.earnedOn, l.expiresOn, l.remaining);
      return;
    }
    const before = new Map(previous.lots.map((l) => [l.id, l.remaining]));
    for (const l of s.lots) {
      if (before.get(l.id) !== l.remaining) this.putLot.run(s.memberNo, l.id, l.earnedOn, l.expiresOn, l.remaining);
      before.delete(l.id);
    }
    for (const gone of before.keys()) this.delLot.run(s.memberNo, gone);
  }

  /** The entry of a given kind a sale wrote, via the sale index rather than the member's whole ledger. */
  saleEntry(saleId: string, kind: LedgerEntry['kind']): LedgerEntry | null {
    const r = this.bySaleKind.get(saleId, kind) as LedgerRow | undefined;
    return r ? rowToEntry(r) : null;
  }

  /** The ledger ids (`till:seq`) of this till's sale's campaign bonus entries, by campaign. */
  campaignBonusIds(saleId: string): Record<string, string> {
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const r of this.saleBonuses.all(saleId) as { seq: number; data: string }[]) {
      const d = JSON.parse(r.data) as { bonus?: string; campaignId?: string };
      if (d.bonus === 'campaign' && d.campaignId !== undefined)
        out[d.campaignId] = lotIdOf({ tillId: this.tillId, seq: r.seq });
    }
    return out;
  }

  entriesOf(memberNo: string): LedgerEntry[] {
    return (this.byMember.all(memberNo) as LedgerRow[]).map(rowToEntry);
  }

  entriesAfter(seq: number, limit: number): LedgerEntry[] {
    return (this.range.all(seq, limit) as LedgerRow[]).map(rowToEntry);
  }
}
